package io.colloquy.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.Arrays;
import java.util.Collections;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.security.auth.login.FailedLoginException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

/**
 * The KEK inside a hardware security module, through PKCS#11 (the JDK's SunPKCS11 provider): an AES-256
 * key generated on the token as sensitive and not extractable, so it never leaves the HSM; every wrap
 * and unwrap of a project key is AES-GCM computed by the token, with the context as AAD. A wrapped key
 * has the format of {@link WrappedKeys} ({@code 0x02 || nonce (12) || ciphertext+tag}). Key versions are
 * token objects labelled {@code <key-label>/<n>}; the kek id stored beside a wrapped key is
 * {@code pkcs11/<key-label>/<n>}. The highest version is current; a master key rotation generates the
 * next one on the token, and older versions keep unwrapping until the operator deletes them there.
 * The PIN (from {@code COLLOQUY_PKCS11_PIN} or a file) is never logged or put in an exception message.
 */
final class Pkcs11MasterKey implements KeyEncryptionKeyProvider, MasterKeyRotation {
    static final String ID_PREFIX = "pkcs11/";
    private static final Logger log = LoggerFactory.getLogger(Pkcs11MasterKey.class);
    private static final String GCM = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Settings settings;
    private final Provider provider;
    private final KeyStore token;
    private final @Nullable KeyEncryptionKeyProvider previous;
    private volatile Versions versions;

    /** What to open: the PKCS#11 library, the slot (by id, or by index in the slot list), the PIN, the key label. */
    record Settings(Path library, @Nullable Long slot, int slotListIndex, char[] pin, String keyLabel) {
        Settings {
            if (!keyLabel.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException(
                        "colloquy.crypto.pkcs11.key-label must be 1-64 of [A-Za-z0-9._-]: " + keyLabel);
            }
        }

        static Settings from(Environment env) {
            String library =
                    env.getProperty("colloquy.crypto.pkcs11.library", "").strip();
            if (library.isEmpty()) {
                throw new IllegalArgumentException(
                        "COLLOQUY_KEK=pkcs11 needs colloquy.crypto.pkcs11.library (COLLOQUY_PKCS11_LIBRARY),"
                                + " the path of the HSM's PKCS#11 module");
            }
            String slot = env.getProperty("colloquy.crypto.pkcs11.slot", "").strip();
            String index = env.getProperty("colloquy.crypto.pkcs11.slot-list-index", "")
                    .strip();
            if (!slot.isEmpty() && !index.isEmpty()) {
                throw new IllegalArgumentException(
                        "Set either colloquy.crypto.pkcs11.slot or colloquy.crypto.pkcs11.slot-list-index, not both");
            }
            return new Settings(
                    Path.of(library),
                    slot.isEmpty() ? null : Long.parseLong(slot),
                    index.isEmpty() ? 0 : Integer.parseInt(index),
                    pin(env),
                    env.getProperty("colloquy.crypto.pkcs11.key-label", "colloquy-kek")
                            .strip());
        }

        private static char[] pin(Environment env) {
            String pin = env.getProperty("colloquy.crypto.pkcs11.pin", "");
            String file = env.getProperty("colloquy.crypto.pkcs11.pin-file", "").strip();
            if (!pin.isEmpty() && !file.isEmpty()) {
                throw new IllegalArgumentException(
                        "Set either the PKCS#11 PIN (COLLOQUY_PKCS11_PIN) or a PIN file (COLLOQUY_PKCS11_PIN_FILE), not both");
            }
            if (!file.isEmpty()) {
                try {
                    return Files.readString(Path.of(file), StandardCharsets.UTF_8)
                            .strip()
                            .toCharArray();
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot read the PKCS#11 PIN file " + file, e);
                }
            }
            if (pin.isEmpty()) {
                throw new IllegalArgumentException("COLLOQUY_KEK=pkcs11 needs the token's user PIN:"
                        + " COLLOQUY_PKCS11_PIN or COLLOQUY_PKCS11_PIN_FILE");
            }
            return pin.toCharArray();
        }

        String slotName() {
            return slot != null ? "slot " + slot : "slot list index " + slotListIndex;
        }

        @Override
        public String toString() {
            return "Settings[" + library + ", " + slotName() + ", key label " + keyLabel + "]";
        }
    }

    /** The key versions on the token (version -> key handle), the highest current. */
    private record Versions(TreeMap<Integer, SecretKey> byVersion) {
        int current() {
            return byVersion.lastKey();
        }
    }

    private Pkcs11MasterKey(
            Settings settings, Provider provider, KeyStore token, @Nullable KeyEncryptionKeyProvider previous) {
        this.settings = settings;
        this.provider = provider;
        this.token = token;
        this.previous = previous;
        this.versions = readVersions();
        if (versions.byVersion().isEmpty()) {
            generateVersion(1);
            this.versions = readVersions();
        }
        log.info(
                "Master key in the HSM ({}, {}): current {}, {} version(s)",
                settings.library(),
                settings.slotName(),
                id(versions.current()),
                versions.byVersion().size());
    }

    /**
     * Opens the token and logs in: a clear start-up failure (never showing the PIN) when that is refused.
     * {@code previous} (the local master key of an installation moving to the HSM, if it still has one) only
     * unwraps the keys wrapped under it, until {@code keys rotate-master} has rewrapped them all in the HSM.
     */
    static Pkcs11MasterKey open(Settings settings, @Nullable KeyEncryptionKeyProvider previous) {
        if (!Files.isRegularFile(settings.library())) {
            throw new IllegalStateException("The PKCS#11 library " + settings.library() + " does not exist");
        }
        Provider provider;
        try {
            provider = Security.getProvider("SunPKCS11").configure(config(settings));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot open the PKCS#11 token (" + settings + "): " + rootMessage(e), e);
        }
        try {
            KeyStore token = KeyStore.getInstance("PKCS11", provider);
            token.load(null, settings.pin());
            return new Pkcs11MasterKey(settings, provider, token, previous);
        } catch (IOException | GeneralSecurityException e) {
            if (refusedPin(e)) {
                throw new IllegalStateException(
                        "The PKCS#11 token (" + settings + ") refused the login: wrong PIN (CKR_PIN_INCORRECT)."
                                + " Check COLLOQUY_PKCS11_PIN or COLLOQUY_PKCS11_PIN_FILE.");
            }
            throw new IllegalStateException(
                    "Cannot log in to the PKCS#11 token (" + settings + "): " + rootMessage(e), e);
        } finally {
            Arrays.fill(settings.pin(), '\0');
        }
    }

    @Override
    public Wrapped wrap(byte[] key, Aad context) {
        Versions current = readVersions(); // another instance or the command line may have rotated meanwhile
        versions = current;
        return new Wrapped(id(current.current()), seal(current.byVersion().get(current.current()), key, context));
    }

    @Override
    public byte[] unwrap(String kekId, byte[] wrapped, Aad context) {
        if (previous != null && !kekId.startsWith(ID_PREFIX)) {
            return previous.unwrap(kekId, wrapped, context);
        }
        SecretKey kek = keyFor(kekId);
        if (wrapped.length < 1 + NONCE_BYTES || wrapped[0] != WrappedKeys.PREFIXED_CONTEXT) {
            throw IntegrityError.of("a wrapped project key", "unknown format");
        }
        try {
            Cipher cipher = Cipher.getInstance(GCM, provider);
            cipher.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(TAG_BITS, wrapped, 1, NONCE_BYTES));
            cipher.updateAAD(context.encoded());
            return cipher.doFinal(wrapped, 1 + NONCE_BYTES, wrapped.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw IntegrityError.of(
                    "a wrapped project key",
                    "it failed its integrity check in the HSM (altered, or wrapped under another key)");
        }
    }

    @Override
    public synchronized String prepareRotation() {
        Versions now = readVersions();
        int next = now.current() + 1;
        generateVersion(next);
        versions = readVersions();
        return id(next);
    }

    @Override
    public Wrapped rewrapToNext(String kekId, byte[] wrapped, Aad context) {
        return rewrapToCurrent(kekId, wrapped, context); // the new version is current as soon as it exists
    }

    @Override
    public String finishRotation() {
        Versions now = readVersions();
        versions = now;
        return "the HSM token (" + settings.slotName() + ") under the labels "
                + now.byVersion().headMap(now.current()).keySet().stream()
                        .map(v -> settings.keyLabel() + "/" + v)
                        .toList();
    }

    @Override
    public Wrapped rewrapToCurrent(String kekId, byte[] wrapped, Aad context) {
        Versions now = readVersions();
        versions = now;
        String current = id(now.current());
        if (current.equals(kekId)) {
            return new Wrapped(kekId, wrapped);
        }
        byte[] raw = unwrap(kekId, wrapped, context);
        try {
            return new Wrapped(current, seal(now.byVersion().get(now.current()), raw, context));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    @Override
    public String currentId() {
        return id(versions.current());
    }

    private SecretKey keyFor(String kekId) {
        Integer version = versionOf(kekId);
        SecretKey kek = version == null ? null : versions.byVersion().get(version);
        if (kek == null && version != null) {
            versions = readVersions();
            kek = versions.byVersion().get(version);
        }
        if (kek == null) {
            throw IntegrityError.of(
                    "a wrapped project key",
                    "no master key with id " + kekId + " is on the HSM token (missing, or another token)");
        }
        return kek;
    }

    private byte[] seal(SecretKey kek, byte[] key, Aad context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(GCM, provider);
            cipher.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.encoded());
            byte[] sealed = cipher.doFinal(key);
            byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
            out[0] = WrappedKeys.PREFIXED_CONTEXT;
            System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The HSM could not wrap a key: " + rootMessage(e), e);
        }
    }

    /** A new AES-256 key on the token: generated inside it as sensitive and not extractable, then stored. */
    private synchronized void generateVersion(int version) {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
            generator.init(256);
            SecretKey sessionKey = generator.generateKey();
            token.setEntry(settings.keyLabel() + "/" + version, new KeyStore.SecretKeyEntry(sessionKey), null);
            log.info("Generated master key {} on the HSM token (not extractable)", id(version));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "The HSM could not generate master key version " + version + ": " + rootMessage(e), e);
        }
    }

    private synchronized Versions readVersions() {
        Pattern label = Pattern.compile(Pattern.quote(settings.keyLabel()) + "/([1-9][0-9]{0,8})");
        TreeMap<Integer, SecretKey> found = new TreeMap<>();
        try {
            token.load(null, null); // re-reads the token's objects (the session stays logged in)
            for (String alias : Collections.list(token.aliases())) {
                Matcher m = label.matcher(alias);
                if (m.matches() && token.getKey(alias, null) instanceof SecretKey key) {
                    found.put(Integer.parseInt(m.group(1)), key);
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot list the master keys on the HSM token: " + rootMessage(e), e);
        }
        return new Versions(found);
    }

    private @Nullable Integer versionOf(String kekId) {
        String prefix = ID_PREFIX + settings.keyLabel() + "/";
        if (!kekId.startsWith(prefix)) {
            return null;
        }
        try {
            return Integer.valueOf(kekId.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private String id(int version) {
        return ID_PREFIX + settings.keyLabel() + "/" + version;
    }

    private static String config(Settings settings) {
        return String.join(
                "\n",
                "--name=colloquy",
                "library=" + settings.library(),
                settings.slot() != null ? "slot=" + settings.slot() : "slotListIndex=" + settings.slotListIndex(),
                // every key this provider generates: secret inside the token, never exportable
                "attributes(generate, CKO_SECRET_KEY, CKK_AES) = {",
                "  CKA_SENSITIVE = true",
                "  CKA_EXTRACTABLE = false",
                "}",
                "");
    }

    private static boolean refusedPin(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FailedLoginException
                    || String.valueOf(t.getMessage()).contains("CKR_PIN_INCORRECT")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public String toString() {
        return "Pkcs11MasterKey[" + settings + "]";
    }
}
