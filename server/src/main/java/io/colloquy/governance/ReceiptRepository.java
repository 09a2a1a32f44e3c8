package io.colloquy.governance;

import io.colloquy.platform.Sql;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class ReceiptRepository {
    private static final String INSERT = """
            INSERT INTO colloquy.deletion_receipts
                (receipt_id, subject, subject_project, namespace, signed_text, signature, key_id, created_at)
            VALUES (:id, :subject, :project, :ns, :text, :signature, :key, :created)
            """;
    private static final String LIST = """
            SELECT signed_text, signature, key_id FROM colloquy.deletion_receipts ORDER BY created_at, receipt_id LIMIT :limit
            """;

    private final JdbcClient jdbc;

    ReceiptRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(UUID id, String subject, UUID project, @Nullable String ns, Receipts.Signed receipt, Instant created) {
        jdbc.sql(INSERT)
                .param("id", id)
                .param("subject", subject)
                .param("project", project)
                .param("ns", ns)
                .param("text", receipt.signedText())
                .param("signature", receipt.signature())
                .param("key", receipt.keyId())
                .param("created", Sql.timestamptz(created))
                .update();
    }

    List<Receipts.Signed> list(int limit) {
        return jdbc.sql(LIST)
                .param("limit", limit)
                .query((rs, n) -> new Receipts.Signed(rs.getString(1), rs.getString(2), rs.getString(3)))
                .list();
    }
}
