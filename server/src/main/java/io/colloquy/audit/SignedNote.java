package io.colloquy.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The checkpoint text a server signs, in the C2SP tlog-checkpoint / signed-note format:
 *
 * <pre>
 * colloquy-audit/prj_0190f3...        origin: names the log (one per project)
 * 42                                  tree size
 * 9Zq6...=                            root hash, base64
 * timestamp 2026-01-02T03:04:05.123456Z
 * </pre>
 *
 * Each line ends with a newline; {@code signature} is Ed25519 over exactly these UTF-8 bytes. The
 * signed note appends a blank line and {@code "— colloquy-audit " + base64(key hash(4) || signature)}, so
 * C2SP note verifiers accept it with {@link #verifierKey}.
 */
final class SignedNote {
    static final String KEY_NAME = "colloquy-audit";
    private static final byte ALG_ED25519 = 0x01;
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private SignedNote() {}

    static String origin(String projectPublicId) {
        return KEY_NAME + "/" + projectPublicId;
    }

    static String body(String origin, long size, byte[] root, Instant timestamp) {
        return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n" + "timestamp "
                + AuditEvent.AT.format(timestamp) + "\n";
    }

    /** The C2SP key hash: the first 4 bytes of SHA-256(name || "\n" || 0x01 || raw public key). */
    static byte[] keyHash(byte[] rawPublicKey) {
        byte[] name = (KEY_NAME + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[name.length + 1 + rawPublicKey.length];
        System.arraycopy(name, 0, input, 0, name.length);
        input[name.length] = ALG_ED25519;
        System.arraycopy(rawPublicKey, 0, input, name.length + 1, rawPublicKey.length);
        return Arrays.copyOf(AuditLog.sha256(input), 4);
    }

    static String keyId(byte[] rawPublicKey) {
        return HexFormat.of().formatHex(keyHash(rawPublicKey));
    }

    /** The key as C2SP note verifiers take it: {@code name+hex(key hash)+base64(0x01 || key)}. */
    static String verifierKey(byte[] rawPublicKey) {
        byte[] typed = new byte[1 + rawPublicKey.length];
        typed[0] = ALG_ED25519;
        System.arraycopy(rawPublicKey, 0, typed, 1, rawPublicKey.length);
        return KEY_NAME + "+" + keyId(rawPublicKey) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    static String signedNote(String body, byte[] rawPublicKey, byte[] signature) {
        byte[] sig = new byte[4 + signature.length];
        System.arraycopy(keyHash(rawPublicKey), 0, sig, 0, 4);
        System.arraycopy(signature, 0, sig, 4, signature.length);
        return body + "\n\u2014 " + KEY_NAME + " " + Base64.getEncoder().encodeToString(sig) + "\n";
    }

    static PublicKey publicKey(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        byte[] spki = new byte[SPKI_PREFIX.length + 32];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }

    static byte[] raw(PublicKey key) {
        byte[] spki = key.getEncoded();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    static boolean verify(byte[] rawPublicKey, String body, byte[] signature) {
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(publicKey(rawPublicKey));
            v.update(body.getBytes(StandardCharsets.UTF_8));
            return v.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The fields of a checkpoint body, or null when the text is not one. */
    record Parsed(String origin, long size, byte[] root, String timestamp) {}

    static @Nullable Parsed parse(String body) {
        if (!body.endsWith("\n")) {
            return null;
        }
        List<String> lines = List.of(body.substring(0, body.length() - 1).split("\n", -1));
        if (lines.size() != 4 || !lines.get(3).startsWith("timestamp ")) {
            return null;
        }
        try {
            long size = Long.parseLong(lines.get(1));
            byte[] root = Base64.getDecoder().decode(lines.get(2));
            if (size < 0 || root.length != Merkle.HASH_BYTES || !lines.get(1).equals(Long.toString(size))) {
                return null;
            }
            return new Parsed(lines.get(0), size, root, lines.get(3).substring("timestamp ".length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
