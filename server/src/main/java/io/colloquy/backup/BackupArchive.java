package io.colloquy.backup;

import io.colloquy.crypto.SealedStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The plaintext inside a backup's {@link SealedStream}: a sequence of records, each a type byte and its fields.
 *
 * <pre>
 * 'M' manifest JSON (int length + UTF-8), its signature (UTF-8 base64 Ed25519)
 * 'S' a server secret file: name, bytes (server.key, audit-signing.key; never the master key)
 * 'T' table name, column list; then 'D' blocks (int length + COPY binary bytes), then 'E' row count (long)
 * 'Q' sequence name, last value (long, -1 = never used)
 * 'Z' the end (nothing may follow)
 * </pre>
 */
final class BackupArchive {
    static final String MAGIC = "COLLOQUY-BACKUP\n";
    static final int BLOCK = 256 * 1024;

    private BackupArchive() {}

    /** Reads what a backup holds, record by record; {@link #table} must read {@code data} to its end. */
    interface Visitor {
        void manifest(String json, String signature) throws IOException;

        void secret(String name, byte[] value) throws IOException;

        void table(String name, String columns, InputStream data) throws IOException;

        void tableEnd(String name, long rows) throws IOException;

        void sequence(String name, long lastValue) throws IOException;
    }

    /** Writes the records of a backup. */
    static final class Writer implements AutoCloseable {
        private final DataOutputStream out;

        Writer(OutputStream sealed) {
            this.out = new DataOutputStream(new java.io.BufferedOutputStream(sealed, 1 << 16));
        }

        void manifest(String json, String signature) throws IOException {
            out.writeByte('M');
            bytes(json.getBytes(StandardCharsets.UTF_8));
            bytes(signature.getBytes(StandardCharsets.UTF_8));
        }

        void secret(String name, byte[] value) throws IOException {
            out.writeByte('S');
            out.writeUTF(name);
            bytes(value);
        }

        /** Starts a table; the returned stream frames what is written to it as 'D' blocks. */
        OutputStream table(String name, String columns) throws IOException {
            out.writeByte('T');
            out.writeUTF(name);
            out.writeUTF(columns);
            return new java.io.BufferedOutputStream(
                    new OutputStream() {
                        @Override
                        public void write(int b) throws IOException {
                            write(new byte[] {(byte) b}, 0, 1);
                        }

                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            while (len > 0) {
                                int n = Math.min(len, BLOCK);
                                out.writeByte('D');
                                out.writeInt(n);
                                out.write(b, off, n);
                                off += n;
                                len -= n;
                            }
                        }
                    },
                    BLOCK);
        }

        void tableEnd(long rows) throws IOException {
            out.writeByte('E');
            out.writeLong(rows);
        }

        void sequence(String name, long lastValue) throws IOException {
            out.writeByte('Q');
            out.writeUTF(name);
            out.writeLong(lastValue);
        }

        private void bytes(byte[] b) throws IOException {
            out.writeInt(b.length);
            out.write(b);
        }

        @Override
        public void close() throws IOException {
            out.writeByte('Z');
            out.close();
        }
    }

    /**
     * Reads the whole archive through {@code visitor}: every chunk is authenticated as it is read, and the archive
     * must end with its 'Z' record and final chunk. Throws {@link SealedStream.Refused} for anything else.
     */
    static void read(Path file, byte[] key, Visitor visitor) throws IOException {
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
                DataInputStream in = new DataInputStream(
                        new java.io.BufferedInputStream(SealedStream.reader(raw, key, MAGIC), 1 << 16))) {
            boolean manifest = false;
            while (true) {
                int type = in.read();
                switch (type) {
                    case 'M' -> {
                        visitor.manifest(utf8(in), utf8(in));
                        manifest = true;
                    }
                    case 'S' -> visitor.secret(in.readUTF(), bytes(in));
                    case 'T' -> {
                        String name = in.readUTF();
                        String columns = in.readUTF();
                        TableData data = new TableData(in);
                        visitor.table(name, columns, data);
                        if (!data.ended) {
                            throw new IllegalStateException("the table's data was not read to its end");
                        }
                        visitor.tableEnd(name, data.rows);
                    }
                    case 'Q' -> visitor.sequence(in.readUTF(), in.readLong());
                    case 'Z' -> {
                        if (!manifest) {
                            throw new SealedStream.Refused("it has no manifest");
                        }
                        if (in.read() != -1) {
                            throw new SealedStream.Refused("it holds records after its end");
                        }
                        return;
                    }
                    case -1 -> throw new SealedStream.Refused("it ends before its last record");
                    default -> throw new SealedStream.Refused("it holds an unknown record type " + type);
                }
            }
        }
    }

    /** Reads only as far as the manifest (the first record). */
    static Signed manifest(Path file, byte[] key) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(SealedStream.reader(raw, key, MAGIC))) {
            if (in.read() != 'M') {
                throw new SealedStream.Refused("it does not start with its manifest");
            }
            return new Signed(utf8(in), utf8(in));
        }
    }

    record Signed(String json, String signature) {}

    private static String utf8(DataInputStream in) throws IOException {
        return new String(bytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > (64 << 20)) {
            throw new SealedStream.Refused("it holds a record of impossible length");
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    /** A table's 'D' blocks as one stream, ending at its 'E' record. */
    private static final class TableData extends InputStream {
        private final DataInputStream in;
        private int left;
        private boolean ended;
        private long rows;

        TableData(DataInputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (left == 0) {
                if (ended) {
                    return -1;
                }
                int type = in.read();
                if (type == 'D') {
                    left = in.readInt();
                    if (left <= 0 || left > BLOCK) {
                        throw new SealedStream.Refused("it holds a data block of impossible length");
                    }
                } else if (type == 'E') {
                    rows = in.readLong();
                    ended = true;
                } else {
                    throw new SealedStream.Refused("a table's data ends without its end record");
                }
            }
            int n = in.read(b, off, Math.min(len, left));
            if (n < 0) {
                throw new SealedStream.Refused("it ends inside a table's data");
            }
            left -= n;
            return n;
        }
    }
}
