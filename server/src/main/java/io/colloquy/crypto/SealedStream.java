package io.colloquy.crypto;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stream sealed end to end with AES-256-GCM in chunks (a backup archive). Format:
 *
 * <pre>
 * header = magic (16 bytes) || format version (2, big endian) || key id (8) || salt (32, random per stream)
 * chunk  = length (4, big endian) || nonce (12, random) || ciphertext || tag (16)   -- plaintext at most 1 MiB
 * </pre>
 *
 * Every chunk is sealed under a key derived for this stream alone (HKDF-SHA256 of the caller's 256-bit key, salt =
 * the header's salt), with associated data {@code header || chunk index (8) || final flag (1)}: a changed byte
 * anywhere, a chunk moved, dropped, or taken from another stream, a truncation (no chunk flagged final) or bytes after
 * the final chunk all fail as {@link Refused}. The key id ({@code HMAC-SHA256(key, "colloquy/backup-key-id/v1")},
 * first 8 bytes) tells a wrong key from a damaged stream; the key itself is never in the stream.
 */
public final class SealedStream {
    /** Plaintext bytes per chunk. */
    public static final int CHUNK = 1 << 20;

    private static final int VERSION = 1;
    private static final int SALT_BYTES = 32;
    private static final int KEY_ID_BYTES = 8;
    private static final int MAX_SEALED = CHUNK + Aead.NONCE_BYTES + Aead.TAG_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SealedStream() {}

    /** The stream is not what was sealed under this key: altered, truncated, reordered, or another key's. */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }
    }

    /** The key's id (16 hex digits), as written in the header. */
    public static String keyId(byte[] key) {
        return HexFormat.of().formatHex(rawKeyId(key));
    }

    /** Writes the header now; every {@link #CHUNK} bytes written become a chunk; {@code close()} seals the last. */
    public static OutputStream writer(OutputStream out, byte[] key, String magic) throws IOException {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] header = header(magic(magic), rawKeyId(key), salt);
        out.write(header);
        return new Writer(out, streamKey(key, salt), header);
    }

    /** Reads and checks the header now; every chunk is authenticated before any of its bytes are returned. */
    public static InputStream reader(InputStream in, byte[] key, String magic) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] expectedMagic = magic(magic);
        byte[] header = new byte[expectedMagic.length + 2 + KEY_ID_BYTES + SALT_BYTES];
        try {
            data.readFully(header);
        } catch (EOFException e) {
            throw new Refused("it is too short to be an archive");
        }
        if (!Arrays.equals(header, 0, expectedMagic.length, expectedMagic, 0, expectedMagic.length)) {
            throw new Refused("it is not a Colloquy backup archive");
        }
        int version = ByteBuffer.wrap(header, expectedMagic.length, 2).getShort();
        if (version != VERSION) {
            throw new Refused("its format version " + version + " is not one this version reads (" + VERSION + ")");
        }
        byte[] keyId = Arrays.copyOfRange(header, expectedMagic.length + 2, expectedMagic.length + 2 + KEY_ID_BYTES);
        if (!MessageDigest.isEqual(keyId, rawKeyId(key))) {
            throw new Refused("it was made with another backup key (key id "
                    + HexFormat.of().formatHex(keyId) + "; the key given has id " + keyId(key) + ")");
        }
        byte[] salt = Arrays.copyOfRange(header, header.length - SALT_BYTES, header.length);
        return new Reader(data, streamKey(key, salt), header);
    }

    private static byte[] magic(String magic) {
        byte[] bytes = magic.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != 16) {
            throw new IllegalArgumentException("the magic must be 16 ASCII characters");
        }
        return bytes;
    }

    private static byte[] header(byte[] magic, byte[] keyId, byte[] salt) {
        return ByteBuffer.allocate(magic.length + 2 + KEY_ID_BYTES + SALT_BYTES)
                .put(magic)
                .putShort((short) VERSION)
                .put(keyId)
                .put(salt)
                .array();
    }

    private static byte[] aad(byte[] header, long index, boolean last) {
        return ByteBuffer.allocate(header.length + 9)
                .put(header)
                .putLong(index)
                .put((byte) (last ? 1 : 0))
                .array();
    }

    private static byte[] rawKeyId(byte[] key) {
        byte[] mac = ServerKeys.hmac(
                new SecretKeySpec(key, "HmacSHA256"), "colloquy/backup-key-id/v1".getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(mac, KEY_ID_BYTES);
    }

    private static SecretKey streamKey(byte[] key, byte[] salt) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a backup key has 32 bytes");
        }
        try {
            return KDF.getInstance("HKDF-SHA256")
                    .deriveKey(
                            "AES",
                            HKDFParameterSpec.ofExtract()
                                    .addIKM(new SecretKeySpec(key, "HKDF"))
                                    .addSalt(salt)
                                    .thenExpand("colloquy/backup-archive/v1".getBytes(StandardCharsets.UTF_8), 32));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF is unavailable", e);
        }
    }

    private static final class Writer extends OutputStream {
        private final OutputStream out;
        private final SecretKey key;
        private final byte[] header;
        private final byte[] buffer = new byte[CHUNK];
        private int filled;
        private long index;
        private boolean closed;

        Writer(OutputStream out, SecretKey key, byte[] header) {
            this.out = out;
            this.key = key;
            this.header = header;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (filled == CHUNK) {
                    seal(false);
                }
                int n = Math.min(len, CHUNK - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        private void seal(boolean last) throws IOException {
            byte[] sealed = Aead.seal(key, new byte[0], aad(header, index++, last), Arrays.copyOf(buffer, filled));
            out.write(ByteBuffer.allocate(4).putInt(sealed.length).array());
            out.write(sealed);
            filled = 0;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            seal(true);
            out.close();
        }
    }

    private static final class Reader extends InputStream {
        private final DataInputStream in;
        private final SecretKey key;
        private final byte[] header;
        private byte[] chunk = new byte[0];
        private int position;
        private long index;
        private boolean last;

        Reader(DataInputStream in, SecretKey key, byte[] header) {
            this.in = in;
            this.key = key;
            this.header = header;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (position == chunk.length) {
                if (last) {
                    return -1;
                }
                next();
            }
            int n = Math.min(len, chunk.length - position);
            System.arraycopy(chunk, position, b, off, n);
            position += n;
            return n;
        }

        private void next() throws IOException {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                throw new Refused("it is truncated: it ends after chunk " + index + " without its final chunk");
            }
            if (length < Aead.NONCE_BYTES + Aead.TAG_BYTES || length > MAX_SEALED) {
                throw new Refused("chunk " + index + " has an impossible length (the archive is damaged)");
            }
            byte[] sealed = new byte[length];
            try {
                in.readFully(sealed);
            } catch (EOFException e) {
                throw new Refused("it is truncated inside chunk " + index);
            }
            byte[] plain = open(sealed, false);
            if (plain == null) {
                plain = open(sealed, true);
                if (plain == null) {
                    throw new Refused("chunk " + index + " does not authenticate: the archive was altered, its chunks"
                            + " reordered, or the chunk comes from another archive");
                }
                last = true;
                if (in.read() != -1) {
                    throw new Refused("there are bytes after its final chunk");
                }
            }
            index++;
            chunk = plain;
            position = 0;
        }

        private byte @org.jspecify.annotations.Nullable [] open(byte[] sealed, boolean final_) {
            try {
                return Aead.open(key, sealed, 0, aad(header, index, final_));
            } catch (GeneralSecurityException e) {
                return null;
            }
        }
    }
}
