package io.colloquy.platform;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * HTTPS on the API port when configured: TLS 1.3 and 1.2 only, and only AEAD suites with forward
 * secrecy (ECDHE with AES-GCM or ChaCha20-Poly1305; the TLS 1.3 suites are all AEAD). Tomcat then
 * answers a plain-HTTP request on that port with a bare 400 and closes the connection, and Spring
 * Security adds HSTS to every response sent over TLS. The management port stays plain HTTP on loopback.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TlsSettings.class)
class TlsConfiguration {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final String[] CIPHERS = {
        "TLS_AES_256_GCM_SHA384",
        "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    };

    @Bean
    WebServerFactoryCustomizer<ConfigurableServletWebServerFactory> tls(
            TlsSettings tls, ColloquySettings settings, Environment environment) {
        return factory -> {
            if (!tls.enabled()) {
                return;
            }
            SelfSignedCertificate.Pem pem = tls.selfSigned()
                    ? SelfSignedCertificate.ensure(settings.dataDir(), environment.getProperty("server.address"))
                    : new SelfSignedCertificate.Pem(readable(tls.cert()), readable(tls.key()));
            Ssl ssl = new Ssl();
            ssl.setEnabled(true);
            ssl.setCertificate(pem.certificate().toUri().toString());
            ssl.setCertificatePrivateKey(pem.privateKey().toUri().toString());
            ssl.setEnabledProtocols(PROTOCOLS);
            ssl.setCiphers(CIPHERS);
            factory.setSsl(ssl);
        };
    }

    private static Path readable(String file) {
        Path path = Path.of(file).toAbsolutePath().normalize();
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("TLS file " + path + " does not exist or is not readable");
        }
        return path;
    }
}
