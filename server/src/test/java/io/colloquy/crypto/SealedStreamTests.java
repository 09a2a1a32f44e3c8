package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SealedStreamTests {
    private static final String MAGIC = "COLLOQUY-TEST-01";
    private static final int HEADER = 16 + 2 + 8 + 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] key = random(32);
    private final byte[] plaintext = random(SealedStream.CHUNK * 2 + 12_345);

    @Test
    void readsBackWhatWasWrittenAcrossChunks() throws IOException {
        assertThat(open(seal(plaintext), key)).isEqualTo(plaintext);
        assertThat(open(seal(new byte[0]), key)).isEmpty();
    }

    @Test
    void refusesAnyChangedByte() throws IOException {
        byte[] sealed = seal(plaintext);
        for (int at : new int[] {0, 20, HEADER - 1, HEADER + 10, sealed.length / 2, sealed.length - 1}) {
            byte[] changed = sealed.clone();
            changed[at] ^= 0x01;
            assertThatThrownBy(() -> open(changed, key)).as("byte %d", at).isInstanceOf(SealedStream.Refused.class);
        }
    }

    @Test
    void refusesTwoChunksSwapped() throws IOException {
        byte[] sealed = seal(plaintext);
        int first = HEADER;
        int second = first + 4 + ByteBuffer.wrap(sealed, first, 4).getInt();
        int third = second + 4 + ByteBuffer.wrap(sealed, second, 4).getInt();
        ByteArrayOutputStream swapped = new ByteArrayOutputStream();
        swapped.write(sealed, 0, first);
        swapped.write(sealed, second, third - second);
        swapped.write(sealed, first, second - first);
        swapped.write(sealed, third, sealed.length - third);
        assertThatThrownBy(() -> open(swapped.toByteArray(), key))
                .isInstanceOf(SealedStream.Refused.class)
                .hasMessageContaining("chunk 0 does not authenticate");
    }

    @Test
    void refusesAStreamCutAtAChunkBoundaryOrInsideAChunk() throws IOException {
        byte[] sealed = seal(plaintext);
        int first = HEADER;
        int second = first + 4 + ByteBuffer.wrap(sealed, first, 4).getInt();
        assertThatThrownBy(() -> open(Arrays.copyOf(sealed, second), key))
                .isInstanceOf(SealedStream.Refused.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> open(Arrays.copyOf(sealed, sealed.length - 1), key))
                .isInstanceOf(SealedStream.Refused.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void refusesBytesAfterTheFinalChunk() throws IOException {
        byte[] sealed = seal(plaintext);
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertThatThrownBy(() -> open(longer, key))
                .isInstanceOf(SealedStream.Refused.class)
                .hasMessageContaining("after its final chunk");
    }

    @Test
    void namesTheKeyIdWhenTheKeyIsAnotherOne() throws IOException {
        byte[] sealed = seal(plaintext);
        byte[] other = random(32);
        assertThatThrownBy(() -> open(sealed, other))
                .isInstanceOf(SealedStream.Refused.class)
                .hasMessageContaining("another backup key (key id " + SealedStream.keyId(key))
                .hasMessageContaining(SealedStream.keyId(other));
    }

    @Test
    void aChunkOfAnotherStreamUnderTheSameKeyDoesNotFit() throws IOException {
        byte[] a = seal(plaintext);
        byte[] b = seal(plaintext);
        byte[] spliced = a.clone();
        System.arraycopy(b, HEADER, spliced, HEADER, a.length - HEADER); // same lengths: b's chunks after a's header
        assertThatThrownBy(() -> open(spliced, key)).isInstanceOf(SealedStream.Refused.class);
    }

    private byte[] seal(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = SealedStream.writer(out, key, MAGIC)) {
            int split = Math.min(1000, data.length); // written in two calls: chunks do not follow the writes
            w.write(data, 0, split);
            w.write(data, split, data.length - split);
        }
        return out.toByteArray();
    }

    private static byte[] open(byte[] sealed, byte[] key) throws IOException {
        try (InputStream in = SealedStream.reader(new ByteArrayInputStream(sealed), key, MAGIC)) {
            return in.readAllBytes();
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
