package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Sealing and opening with pooled ciphers: real AES-GCM, many keys, many virtual threads at once. */
class StoredValuesTests {
    private static final UUID PROJECT = UUID.fromString("0190f3a2-b4c5-7d6e-8f80-91a2b3c4d5e6");

    @Test
    void opensAValueSealedBeforeCiphersWerePooled() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        FieldRef ref = new FieldRef(
                PROJECT, "notes", "messages", UUID.fromString("0190f3a2-b4c5-7d6e-8f80-91a2b3c4d5e7"), "content");
        byte[] stored = HexFormat.of()
                .parseHex(
                        "0200000003a0a1a2a3a4a5a6a7a8a9aaaba16abf91865467934216e2b26b1fa4fe12c93f7fe0d2620ff57e4ee30d8b"
                                + "056ebd1a2e91c84d65a7973e4804897b8d0a1ddcfcfe62");

        assertThat(StoredValues.open(ref, stored, 3, new SecretKeySpec(key, "AES")))
                .isEqualTo("Grüße, sealed before cipher pooling");
        assertThat(StoredValues.version(stored)).isEqualTo(3);
    }

    @Test
    void aValueSealedWithTheBarJoinedAadStillOpensAndNewOnesBindTheirAadLengthPrefixed() throws Exception {
        SecretKey key = aesKey();
        FieldRef ref = aRef();
        String joined = "colloquy/field/v2|" + ref.projectId() + "|ns|messages|" + ref.rowId() + "|content|4";
        byte[] old = sealByHand((byte) 0x02, 4, key, joined.getBytes(StandardCharsets.UTF_8), "sealed the old way");

        assertThat(StoredValues.version(old)).isEqualTo(4);
        assertThat(StoredValues.open(ref, old, 4, key)).isEqualTo("sealed the old way");

        byte[] fresh = StoredValues.seal(ref, 4, key, "sealed now");
        assertThat(fresh[0]).as("format").isEqualTo((byte) 0x03);
        assertThat(StoredValues.version(fresh)).isEqualTo(4);
        java.io.ByteArrayOutputStream prefixed = new java.io.ByteArrayOutputStream();
        for (String field : List.of(
                "colloquy/field/v2",
                ref.projectId().toString(),
                "ns",
                "messages",
                ref.rowId().toString(),
                "content",
                "4")) {
            byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
            prefixed.write(java.nio.ByteBuffer.allocate(4).putInt(utf8.length).array());
            prefixed.write(utf8);
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, fresh, 5, 12));
        c.updateAAD(prefixed.toByteArray());
        assertThat(new String(c.doFinal(fresh, 17, fresh.length - 17), StandardCharsets.UTF_8))
                .isEqualTo("sealed now");

        byte[] downgraded = fresh.clone();
        downgraded[0] = 0x02;
        assertThatThrownBy(() -> StoredValues.open(ref, downgraded, 4, key)).isInstanceOf(IntegrityError.class);
        byte[] upgraded = old.clone();
        upgraded[0] = 0x03;
        assertThatThrownBy(() -> StoredValues.open(ref, upgraded, 4, key)).isInstanceOf(IntegrityError.class);
    }

    @Test
    void aKeyWrappedWithTheBarJoinedContextStillUnwrapsAndNewWrapsBindItLengthPrefixed() throws Exception {
        SecretKey kek = aesKey();
        byte[] raw = aesKey().getEncoded();
        Aad context = Aad.of("colloquy/namespace-key/v1", PROJECT, "ns", "data", 2);
        byte[] old = wrapByHand(kek, raw, "colloquy/namespace-key/v1|" + PROJECT + "|ns|data|2");

        assertThat(WrappedKeys.unwrap(kek, old, context)).isEqualTo(raw);
        byte[] fresh = WrappedKeys.wrap(kek, raw, context);
        assertThat(fresh[0]).as("format").isEqualTo((byte) 0x02);
        assertThat(WrappedKeys.unwrap(kek, fresh, context)).isEqualTo(raw);
        byte[] downgraded = fresh.clone();
        downgraded[0] = 0x01;
        assertThatThrownBy(() -> WrappedKeys.unwrap(kek, downgraded, context)).isInstanceOf(IntegrityError.class);
        assertThatThrownBy(() ->
                        WrappedKeys.unwrap(kek, fresh, Aad.of("colloquy/namespace-key/v1", PROJECT, "ns", "data", 3)))
                .isInstanceOf(IntegrityError.class);
    }

    /** A key wrapped in format {@code 0x01} with the JDK alone, as an earlier release did. */
    static byte[] wrapByHand(SecretKey kek, byte[] raw, String joinedContext) throws GeneralSecurityException {
        byte[] out = new byte[1 + 12 + raw.length + 16];
        out[0] = 0x01;
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 1, 12);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, out, 1, 12));
        c.updateAAD(joinedContext.getBytes(StandardCharsets.UTF_8));
        c.doFinal(raw, 0, raw.length, out, 13);
        return out;
    }

    /** {@code format || version || nonce || AES-GCM} written with the JDK alone, as an earlier release did. */
    static byte[] sealByHand(byte format, int version, SecretKey key, byte[] aad, String text)
            throws GeneralSecurityException {
        byte[] plaintext = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[5 + 12 + plaintext.length + 16];
        java.nio.ByteBuffer.wrap(out).put(format).putInt(version);
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 5, 12);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, out, 5, 12));
        c.updateAAD(aad);
        c.doFinal(plaintext, 0, plaintext.length, out, 17);
        return out;
    }

    @Test
    void sealThenOpenRoundTripsOnManyVirtualThreadsUnderManyKeysWithAFreshNonceEach() throws Exception {
        List<SecretKey> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            keys.add(aesKey());
        }
        Set<String> nonces = ConcurrentHashMap.newKeySet();
        int tasks = 4_000;
        List<Future<?>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < tasks; t++) {
                int task = t;
                results.add(threads.submit(() -> {
                    SecretKey key = keys.get(task % keys.size());
                    int version = 1 + task % 5;
                    FieldRef ref = aRef();
                    String text = "field " + task + " é "
                            + "x".repeat(ThreadLocalRandom.current().nextInt(200));
                    byte[] stored = StoredValues.seal(ref, version, key, text);

                    assertThat(StoredValues.version(stored)).isEqualTo(version);
                    assertThat(StoredValues.open(ref, stored, version, key)).isEqualTo(text);
                    SecretKey sameBytes = new SecretKeySpec(key.getEncoded(), "AES");
                    assertThat(StoredValues.open(ref, stored, version, sameBytes))
                            .isEqualTo(text);
                    SecretKey another = keys.get((task + 1) % keys.size());
                    assertThatThrownBy(() -> StoredValues.open(ref, stored, version, another))
                            .isInstanceOf(IntegrityError.class);
                    nonces.add(HexFormat.of().formatHex(stored, 5, 17));
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        }
        assertThat(nonces).as("no key+nonce pair is ever used twice").hasSize(tasks);
    }

    @Test
    void aTamperedValueFailsItsIntegrityCheckAndTheFieldsAfterItStillOpen() throws Exception {
        SecretKey key = aesKey();
        FieldRef ref = aRef();
        byte[] stored = StoredValues.seal(ref, 1, key, "the real content");
        List<Future<?>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 2_000; t++) {
                int task = t;
                results.add(threads.submit(() -> {
                    if (task % 4 == 0) {
                        byte[] tampered = stored.clone();
                        tampered[5 + task % (tampered.length - 5)] ^= (byte) (1 << (task % 8));
                        assertThatThrownBy(() -> StoredValues.open(ref, tampered, 1, key))
                                .isInstanceOf(IntegrityError.class);
                    } else {
                        assertThat(StoredValues.open(ref, stored, 1, key)).isEqualTo("the real content");
                        byte[] fresh = StoredValues.seal(ref, 1, key, "sealed " + task);
                        assertThat(StoredValues.open(ref, fresh, 1, key)).isEqualTo("sealed " + task);
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        }
        FieldRef elsewhere = new FieldRef(ref.projectId(), ref.namespace(), ref.table(), ref.rowId(), "title");
        assertThatThrownBy(() -> StoredValues.open(elsewhere, stored, 1, key)).isInstanceOf(IntegrityError.class);
    }

    @Test
    void aPooledCipherLeftInAFailedOrUnfinishedStateWorksWhenTakenAgain() throws Exception {
        SecretKey key = aesKey();
        FieldRef ref = aRef();
        byte[] stored = StoredValues.seal(ref, 1, key, "content");
        byte[] tampered = stored.clone();
        tampered[tampered.length - 1] ^= 1;
        Aead.GcmCiphers ciphers = new Aead.GcmCiphers();

        Cipher failed = ciphers.of(key).take(key, Cipher.DECRYPT_MODE, new GCMParameterSpec(128, tampered, 5, 12));
        failed.updateAAD(StoredValues.aad(ref, 1));
        assertThatThrownBy(() -> failed.doFinal(tampered, 17, tampered.length - 17))
                .isInstanceOf(AEADBadTagException.class);
        ciphers.of(key).give(failed);
        Cipher again = ciphers.of(key).take(key, Cipher.DECRYPT_MODE, new GCMParameterSpec(128, stored, 5, 12));
        assertThat(again).as("the pool handed back the same cipher").isSameAs(failed);
        again.updateAAD(StoredValues.aad(ref, 1));
        assertThat(new String(again.doFinal(stored, 17, stored.length - 17), StandardCharsets.UTF_8))
                .isEqualTo("content");

        byte[] nonce = new byte[12];
        Cipher unfinished = ciphers.of(key).take(key, Cipher.ENCRYPT_MODE, new GCMParameterSpec(128, nonce));
        unfinished.updateAAD("half-used".getBytes(StandardCharsets.UTF_8));
        unfinished.update(new byte[40]);
        ciphers.of(key).give(unfinished);
        Cipher reused = ciphers.of(key).take(key, Cipher.DECRYPT_MODE, new GCMParameterSpec(128, stored, 5, 12));
        assertThat(reused).isSameAs(unfinished);
        reused.updateAAD(StoredValues.aad(ref, 1));
        assertThat(new String(reused.doFinal(stored, 17, stored.length - 17), StandardCharsets.UTF_8))
                .isEqualTo("content");
    }

    @Test
    void aCipherGoesBackToThePoolOnlyAfterItsWorkSucceeded() throws Exception {
        SecretKey key = aesKey();
        FieldRef ref = aRef();
        Aead.Idle idle = Aead.CIPHERS.of(key);
        byte[] stored = StoredValues.seal(ref, 1, key, "content");
        assertThat(idle.size()).isEqualTo(1);
        byte[] tampered = stored.clone();
        tampered[20] ^= 1;

        assertThatThrownBy(() -> StoredValues.open(ref, tampered, 1, key)).isInstanceOf(IntegrityError.class);
        assertThat(idle.size()).as("the cipher that failed was dropped").isZero();
        assertThat(StoredValues.open(ref, stored, 1, key)).isEqualTo("content");
        assertThat(idle.size()).isEqualTo(1);
    }

    @Test
    void aPooledCipherServesOnlyTheKeyItWasTakenFor() throws Exception {
        SecretKey one = aesKey();
        SecretKey two = aesKey();
        FieldRef ref = aRef();
        Aead.GcmCiphers ciphers = new Aead.GcmCiphers();
        Cipher c = ciphers.of(one).take(one, Cipher.ENCRYPT_MODE, new GCMParameterSpec(128, new byte[12]));
        c.doFinal(new byte[1]);
        ciphers.of(one).give(c);

        Cipher forTwo = ciphers.of(two).take(two, Cipher.ENCRYPT_MODE, new GCMParameterSpec(128, new byte[12]));
        assertThat(forTwo).isNotSameAs(c);
        byte[] underTwo = StoredValues.seal(ref, 1, two, "two");
        assertThatThrownBy(() -> StoredValues.open(ref, underTwo, 1, one)).isInstanceOf(IntegrityError.class);
        assertThat(StoredValues.open(ref, underTwo, 1, two)).isEqualTo("two");
    }

    private static FieldRef aRef() {
        return new FieldRef(PROJECT, "ns", "messages", UUID.randomUUID(), "content");
    }

    private static SecretKey aesKey() throws GeneralSecurityException {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(256);
        return generator.generateKey();
    }
}
