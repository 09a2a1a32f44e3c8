package io.colloquy.evidence;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * The transport claim: which TLS versions and cipher suites the server accepts (one handshake per protocol and per
 * suite, with the JDK's {@link SSLSocket}), and the headers of an API answer (HSTS, nosniff, framing, caching).
 * Plain HTTP is a finding, reported as such.
 */
final class TransportProbes {
    private static final String CLAIM = "transport";
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");
    private static final long HSTS_MIN_SECONDS = 15_552_000; // 180 days

    private final Api api;
    private final Evidence evidence;

    TransportProbes(Api api, Evidence evidence) {
        this.api = api;
        this.evidence = evidence;
    }

    void run(String adminKey) {
        URI uri = api.uri();
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        if (!https) {
            evidence.fail(
                    CLAIM,
                    "HTTPS",
                    "Looked at the address the API is reached at: " + api.base(),
                    "Plain HTTP: requests, API keys and content cross the network unencrypted (unless a TLS proxy"
                            + " in front is what clients really use; then run this against that address).");
        } else {
            protocols(uri);
        }
        headers(adminKey, https);
    }

    private void protocols(URI uri) {
        String host = uri.getHost();
        int port = uri.getPort() == -1 ? 443 : uri.getPort();
        SSLContext tls = api.tls();
        List<String> accepted = new ArrayList<>();
        List<String> notTried = new ArrayList<>();
        List<String> supported = Arrays.asList(tls.getSupportedSSLParameters().getProtocols());
        List<String> enabled = Arrays.asList(tls.getDefaultSSLParameters().getProtocols());
        for (String protocol : PROTOCOLS) {
            if (!supported.contains(protocol) || !enabled.contains(protocol)) {
                notTried.add(protocol);
                continue;
            }
            if (handshake(host, port, new String[] {protocol}, null) != null) {
                accepted.add(protocol);
            }
        }
        boolean modernOnly =
                !accepted.isEmpty() && accepted.stream().allMatch(p -> p.equals("TLSv1.3") || p.equals("TLSv1.2"));
        evidence.check(
                CLAIM,
                "TLS versions",
                modernOnly,
                "Opened one TLS handshake per protocol version to " + host + ":" + port
                        + ", offering only that version.",
                "Accepted: " + (accepted.isEmpty() ? "none" : String.join(", ", accepted))
                        + (notTried.isEmpty()
                                ? "."
                                : ". Not tried (this JDK's client will not offer them): " + String.join(", ", notTried)
                                        + "."));
        List<String> suites = new ArrayList<>();
        List<String> weak = new ArrayList<>();
        for (String protocol : accepted) {
            boolean tls13 = protocol.equals("TLSv1.3");
            for (String suite : tls.getSupportedSSLParameters().getCipherSuites()) {
                if (tls13 != isTls13Suite(suite) || suite.endsWith("_SCSV")) {
                    continue;
                }
                if (handshake(host, port, new String[] {protocol}, new String[] {suite}) != null) {
                    suites.add(protocol + " " + suite);
                    if (!strong(suite)) {
                        weak.add(protocol + " " + suite);
                    }
                }
            }
        }
        evidence.check(
                CLAIM,
                "Cipher suites",
                !suites.isEmpty() && weak.isEmpty(),
                "For each accepted version, offered each cipher suite this JDK can offer, one per handshake.",
                "Accepted " + suites.size() + ": " + String.join(", ", suites)
                        + (weak.isEmpty()
                                ? ". All are AEAD with forward secrecy."
                                : ". Not AEAD with forward secrecy: " + String.join(", ", weak) + "."));
    }

    private static boolean isTls13Suite(String suite) {
        return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
    }

    /** AEAD with forward secrecy: TLS 1.3 suites, and ECDHE/DHE with GCM or ChaCha20-Poly1305. */
    static boolean strong(String suite) {
        if (isTls13Suite(suite)) {
            return true;
        }
        String s = suite.toUpperCase(Locale.ROOT);
        return (s.startsWith("TLS_ECDHE_") || s.startsWith("TLS_DHE_"))
                && (s.contains("_GCM_") || s.contains("CHACHA20_POLY1305"));
    }

    /** The negotiated suite of a handshake offering only these, or null when the server refused. */
    private @Nullable String handshake(String host, int port, String[] protocols, String @Nullable [] suites) {
        try (SSLSocket socket = (SSLSocket) api.tls().getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(5000);
            socket.setEnabledProtocols(protocols);
            if (suites != null) {
                socket.setEnabledCipherSuites(suites);
            }
            javax.net.ssl.SSLParameters p = socket.getSSLParameters();
            p.setServerNames(List.of(new javax.net.ssl.SNIHostName(host.equals("127.0.0.1") ? "localhost" : host)));
            socket.setSSLParameters(p);
            socket.startHandshake();
            return socket.getSession().getCipherSuite();
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private void headers(String adminKey, boolean https) {
        Api.Response r = api.get(adminKey, "/v1/project");
        String hsts = r.header("Strict-Transport-Security");
        if (https) {
            long maxAge = maxAge(hsts);
            evidence.check(
                    CLAIM,
                    "HSTS",
                    maxAge >= HSTS_MIN_SECONDS,
                    "Read the Strict-Transport-Security header of GET /v1/project.",
                    hsts == null
                            ? "Absent: a browser may be led to plain HTTP."
                            : hsts + " (max-age " + maxAge + " s; at least " + HSTS_MIN_SECONDS + " expected)");
        } else {
            evidence.fail(
                    CLAIM,
                    "HSTS",
                    "Read the Strict-Transport-Security header of GET /v1/project.",
                    "Not applicable over plain HTTP: browsers ignore HSTS sent without TLS"
                            + (hsts == null ? "; none was sent." : "; it was sent: " + hsts));
        }
        String nosniff = r.header("X-Content-Type-Options");
        String frames = r.header("X-Frame-Options");
        String csp = r.header("Content-Security-Policy");
        String cache = r.header("Cache-Control");
        boolean framing = frames != null || (csp != null && csp.contains("frame-ancestors"));
        boolean ok = "nosniff".equalsIgnoreCase(nosniff) && framing && cache != null && cache.contains("no-store");
        evidence.check(
                CLAIM,
                "Security headers",
                ok,
                "Read the security headers of GET /v1/project (" + r.status() + ").",
                "X-Content-Type-Options: " + nosniff + "; X-Frame-Options: " + frames + "; Content-Security-Policy: "
                        + csp + "; Cache-Control: " + cache);
    }

    private static long maxAge(@Nullable String hsts) {
        if (hsts == null) {
            return -1;
        }
        var m = java.util.regex.Pattern.compile("max-age\\s*=\\s*\"?(\\d+)").matcher(hsts);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
