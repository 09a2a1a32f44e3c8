package io.colloquy.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The SSRF guard (system resolver) and the sender (JDK trust, or the configured certificates). */
@Configuration
@EnableConfigurationProperties(WebhookSettings.class)
class WebhookConfiguration {

    @Bean
    EgressGuard webhookEgressGuard(WebhookSettings settings) {
        return new EgressGuard(EgressGuard.SYSTEM, settings.allowHttp(), settings.allowLoopbackForTests());
    }

    @Bean
    WebhookSender webhookSender(WebhookSettings settings) throws IOException, GeneralSecurityException {
        return new WebhookSender(trust(settings.trustCertificates()));
    }

    /** The JDK's default trust, or only the certificates of a PEM file (fails the start when unreadable). */
    static SSLContext trust(@org.jspecify.annotations.Nullable String pemFile)
            throws IOException, GeneralSecurityException {
        if (pemFile == null) {
            return SSLContext.getDefault();
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(pemFile))) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("webhook-trust-" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException("colloquy.webhooks.trust-certificates holds no certificate");
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
