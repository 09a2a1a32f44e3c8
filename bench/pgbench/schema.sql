-- Table for the pgbench insert ceiling: roughly one Colloquy message row (primary key + per-dialogue seq index).
DROP TABLE IF EXISTS bench_message;
CREATE TABLE bench_message (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    dialogue   bigint      NOT NULL,
    seq        bigint      NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bench_message_dialogue_seq ON bench_message (dialogue, seq);
