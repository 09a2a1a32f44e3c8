package io.colloquy.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate of {@code COLLOQUY_TLS=self-signed}: an ECDSA P-256 key and a self-signed
 * certificate for localhost (and the bind address), made with the JDK's {@code keytool} on first
 * start and kept as PEM in {@code <data dir>/tls/} (folder 0700, key 0600). It is renewed when it
 * has less than 30 days left. Clients must trust it explicitly (or skip verification, for tests only).
 */
final class SelfSignedCertificate {
    private static final Logger log = LoggerFactory.getLogger(SelfSignedCertificate.class);
    private static final int VALIDITY_DAYS = 825;
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SelfSignedCertificate() {}

    /** PEM files of a certificate (chain) and its private key. */
    record Pem(Path certificate, Path privateKey) {}

    static Pem ensure(Path dataDir, @Nullable String bindAddress) {
        Path dir = dataDir.toAbsolutePath().normalize().resolve("tls");
        Pem pem = new Pem(dir.resolve("self-signed.crt"), dir.resolve("self-signed.key"));
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            if (Files.exists(pem.certificate()) && Files.exists(pem.privateKey()) && !expiring(pem.certificate())) {
                return pem;
            }
            generate(dir, pem, bindAddress);
            log.warn("Generated a self-signed TLS certificate in {}; clients must trust it explicitly", dir);
            return pem;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the self-signed TLS certificate in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot create the self-signed TLS certificate in " + dir, e);
        }
    }

    private static boolean expiring(Path certificate) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(certificate)) {
            X509Certificate cert =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return cert.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE));
        }
    }

    private static void generate(Path dir, Pem pem, @Nullable String bindAddress)
            throws IOException, GeneralSecurityException {
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        // only protects the keystore for the moment it exists, inside the 0700 folder
        String password = HexFormat.of().formatHex(secret);
        Path store = dir.resolve("self-signed-" + HexFormat.of().formatHex(secret, 0, 4) + ".p12");
        try {
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Processes.run(
                            List.of(
                                    keytool.toString(),
                                    "-genkeypair",
                                    "-alias",
                                    "colloquy",
                                    "-keyalg",
                                    "EC",
                                    "-groupname",
                                    "secp256r1",
                                    "-sigalg",
                                    "SHA256withECDSA",
                                    "-validity",
                                    Integer.toString(VALIDITY_DAYS),
                                    "-dname",
                                    "CN=localhost, O=Colloquy self-signed",
                                    "-ext",
                                    "SAN=" + subjectAlternativeNames(bindAddress),
                                    "-keystore",
                                    store.toString(),
                                    "-storetype",
                                    "PKCS12",
                                    "-storepass",
                                    password,
                                    "-keypass",
                                    password),
                            Duration.ofSeconds(60))
                    .orThrow();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password.toCharArray());
            }
            PrivateKey key = (PrivateKey) keys.getKey("colloquy", password.toCharArray());
            X509Certificate cert = (X509Certificate) keys.getCertificate("colloquy");
            write(pem.privateKey(), pemBlock("PRIVATE KEY", key.getEncoded()), "rw-------");
            write(pem.certificate(), pemBlock("CERTIFICATE", cert.getEncoded()), "rw-r--r--");
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static String subjectAlternativeNames(@Nullable String bindAddress) {
        List<String> names = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"));
        if (bindAddress != null && !bindAddress.isBlank()) {
            try {
                InetAddress address = InetAddress.ofLiteral(bindAddress.strip());
                if (!address.isAnyLocalAddress() && !address.isLoopbackAddress()) {
                    names.add("ip:" + address.getHostAddress());
                }
            } catch (IllegalArgumentException hostName) {
                names.add("dns:" + bindAddress.strip());
            }
        }
        return String.join(",", names);
    }

    private static String pemBlock(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Writes through a temporary file created with its final permissions, then moves it into place. */
    private static void write(Path file, String content, String permissions) throws IOException {
        Path tmp = Files.createTempFile(
                file.getParent(),
                file.getFileName().toString(),
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
