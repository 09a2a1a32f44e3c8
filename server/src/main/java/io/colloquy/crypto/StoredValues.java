package io.colloquy.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Seals content (titles, metadata, tags, message and memory content) into the bytes a content column
 * stores, and opens it again: {@code format || data key version (int32) || nonce (12 random bytes) ||
 * AES-256-GCM ciphertext+tag} ({@link Aead}), under the namespace's data key, with the label, the
 * {@link FieldRef} (project, namespace, table, row id, column) and the key version as associated data:
 * a value copied to another row, column, namespace or project does not open. Format {@code 0x03} (every
 * new value) binds them {@link Aad#encoded() length-prefixed}; format {@code 0x02}, made before, bound
 * them {@link Aad#joined() joined with '|'} and still opens until re-encryption seals it again. A value that does not
 * open is an {@link IntegrityError} (logged without content, answered 500), never garbage; one whose
 * key was destroyed on purpose is {@link KeyGone}.
 */
@Component
public final class StoredValues {
    /** Associated data joined with '|' (opened, never written any more). */
    static final byte SEALED_V2 = 0x02;
    /** Associated data length-prefixed. */
    static final byte SEALED_V3 = 0x03;
    /** Format byte and key version; the nonce follows ({@link Aead}). */
    private static final int HEADER = 1 + 4;

    private static final Logger log = LoggerFactory.getLogger(StoredValues.class);
    private final Keyring keyring;

    StoredValues(Keyring keyring) {
        this.keyring = keyring;
    }

    public byte[] seal(FieldRef ref, String text) {
        Keyring.DataKey key = keyring.currentDataKey(ref.projectId(), ref.namespace());
        return seal(ref, key.version(), key.key(), text);
    }

    static byte[] seal(FieldRef ref, int version, SecretKey key, String text) {
        return seal(ref, version, key, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Seals raw bytes (an embedding vector) exactly like text: same format, key and associated data. */
    public byte[] sealBytes(FieldRef ref, byte[] plain) {
        Keyring.DataKey key = keyring.currentDataKey(ref.projectId(), ref.namespace());
        return seal(ref, key.version(), key.key(), plain);
    }

    private static byte[] seal(FieldRef ref, int version, SecretKey key, byte[] plain) {
        byte[] header =
                ByteBuffer.allocate(HEADER).put(SEALED_V3).putInt(version).array();
        return Aead.seal(key, header, aad(ref, version), plain);
    }

    /** Opens a value sealed by {@link #sealBytes}; fails like {@link #open}. */
    public byte[] openBytes(FieldRef ref, byte[] stored) {
        int version = version(stored);
        if (version < 0 || stored[0] != SEALED_V3) {
            throw unreadable(ref, "unknown format");
        }
        SecretKey key = keyring.dataKey(ref.projectId(), ref.namespace(), version);
        try {
            return Aead.open(key, stored, HEADER, aad(ref, version));
        } catch (GeneralSecurityException e) {
            throw unreadable(ref, "it failed its integrity check");
        }
    }

    /**
     * Opens a stored value. {@link KeyGone} (logged at INFO) when its data key was destroyed on purpose;
     * {@link IntegrityError} (logged at ERROR) when the value or its wrapped key was altered, or a master
     * key is missing; {@link EncryptionKeyRevoked} while the customer's key is revoked.
     */
    public String open(FieldRef ref, byte[] stored) {
        int version = version(stored);
        if (version < 0) {
            throw unreadable(ref, "unknown format");
        }
        SecretKey key;
        try {
            key = keyring.dataKey(ref.projectId(), ref.namespace(), version);
        } catch (KeyGone gone) {
            log.info(
                    "A stored value in {}.{} can't be opened: its key is gone ({}): shredded on purpose",
                    ref.table(),
                    ref.column(),
                    gone.what());
            throw gone;
        }
        return open(ref, stored, version, key);
    }

    /** Opens a value in a known format whose header names {@code version}, under that version's key. */
    static String open(FieldRef ref, byte[] stored, int version, SecretKey key) {
        byte[] aad = stored[0] == SEALED_V3
                ? aad(ref, version)
                : fields(ref, version).joined();
        try {
            return new String(Aead.open(key, stored, HEADER, aad), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw unreadable(ref, "it failed its integrity check");
        }
    }

    /** The data key version a stored value was sealed under, or -1 when it is in no known format. */
    public static int version(byte[] stored) {
        return stored.length >= HEADER + Aead.NONCE_BYTES + Aead.TAG_BYTES
                        && (stored[0] == SEALED_V3 || stored[0] == SEALED_V2)
                ? ByteBuffer.wrap(stored, 1, 4).getInt()
                : -1;
    }

    /** The associated data of a value sealed now (format {@code 0x03}). */
    static byte[] aad(FieldRef ref, int version) {
        return fields(ref, version).encoded();
    }

    private static Aad fields(FieldRef ref, int version) {
        return Aad.of(
                "colloquy/field/v2", ref.projectId(), ref.namespace(), ref.table(), ref.rowId(), ref.column(), version);
    }

    private static IntegrityError unreadable(FieldRef ref, String why) {
        return IntegrityError.of("a stored value in " + ref.table() + "." + ref.column(), why);
    }
}
