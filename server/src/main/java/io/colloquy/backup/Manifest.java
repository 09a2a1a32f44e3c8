package io.colloquy.backup;

import java.time.Instant;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a backup holds, signed with the server's Ed25519 checkpoint key: when, by which server version, at which
 * schema version (the last Flyway migration), every project's audit tree head in the snapshot, and the erasure
 * journal's head when it was taken (a restore refuses a journal that does not continue it).
 */
record Manifest(
        int format,
        Instant createdAt,
        String serverVersion,
        String schemaVersion,
        String signingKeyId,
        String signingPublicKey,
        JournalHead erasureJournal,
        List<ProjectHead> projects) {

    static final int FORMAT = 1;
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
            .build();

    record JournalHead(long entries, String mac) {}

    record ProjectHead(String projectId, long treeSize, String rootHash) {}

    String json() {
        return JSON.writeValueAsString(this);
    }

    static Manifest parse(String json) {
        return JSON.readValue(json, Manifest.class);
    }
}
