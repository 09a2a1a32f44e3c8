-- pgbench custom script: one autocommitted single-row INSERT shaped like a message row.
\set d random(1, 64)
\set s random(1, 1000000000)
INSERT INTO bench_message (dialogue, seq, content) VALUES (:d, :s, 'benchmark message body 0123456789 benchmark message body 0123456789 benchmark message body 012345678');
