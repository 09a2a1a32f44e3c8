package io.colloquy.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.TestApi;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ReportTests {
    private static final Instant AT = Instant.parse("2026-11-28T12:00:00Z");

    private static EvidenceRun.Outcome outcome(Evidence evidence) {
        return new EvidenceRun.Outcome(
                AT,
                AT,
                "https://colloquy.example",
                "prj_1",
                "a2V5",
                "0a1b2c3d",
                evidence.claims(),
                List.of(),
                List.of(Map.of("project", "prj_2", "signed_text", "{\"a\":1}", "signature", "c2ln", "verified", true)),
                null);
    }

    @Test
    void escapesWhatTheServerSaidSoTheReportRunsNoScript() {
        Evidence evidence = new Evidence(Clock.fixed(AT, ZoneOffset.UTC));
        evidence.fail("isolation", "A <b>probe</b>", "Did things.", "Answered <script>alert(1)</script> & \"more\"");
        String html = Report.html(outcome(evidence), "00");
        assertThat(html)
                .doesNotContain("<script")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;")
                .contains("A &lt;b&gt;probe&lt;/b&gt;");
    }

    @Test
    void aClaimFailsWithOneFailingCheckAndIsNotCheckedWithoutAnyPassingOne() {
        Evidence evidence = new Evidence(Clock.fixed(AT, ZoneOffset.UTC));
        evidence.pass("isolation", "one", "done", "seen");
        evidence.fail("isolation", "two", "done", "seen");
        evidence.pass("audit", "one", "done", "seen");
        evidence.notChecked("audit", "two", "no database");
        Map<String, Evidence.Status> status = new java.util.HashMap<>();
        evidence.claims().forEach(c -> status.put(c.id(), c.status()));
        assertThat(status.get("isolation")).isEqualTo(Evidence.Status.FAIL);
        assertThat(status.get("audit")).isEqualTo(Evidence.Status.PASS);
        assertThat(status.get("transport")).isEqualTo(Evidence.Status.NOT_CHECKED);
        assertThat(Report.verdict(evidence.claims())).isEqualTo(Evidence.Status.FAIL);
    }

    @Test
    void theJsonCarriesItsOwnHashAndTheSameRunWritesTheSameBytes() {
        Evidence evidence = new Evidence(Clock.fixed(AT, ZoneOffset.UTC));
        evidence.pass("transport", "HTTPS", "looked", "TLS 1.3");
        String json = Report.json(outcome(evidence));
        JsonNode doc = TestApi.JSON.readTree(json);
        assertThat(doc.path("report_sha256").asString())
                .isEqualTo(Report.sha256Of(json))
                .hasSize(64);
        assertThat(Report.json(outcome(evidence))).isEqualTo(json);
        assertThat(List.copyOf(doc.propertyNames())).startsWith("format", "report_sha256", "target", "project");
    }

    @Test
    void aPostgresUrlWithCredentialsBecomesAJdbcUrl() {
        assertThat(DatabaseProbes.jdbc(
                        "postgresql://colloquy_app:s3cret@db.internal:5433/colloquy?sslmode=verify-full"))
                .isEqualTo("jdbc:postgresql://db.internal:5433/colloquy?user=colloquy_app&password=s3cret"
                        + "&sslmode=verify-full");
        assertThat(DatabaseProbes.jdbc("jdbc:postgresql://h/db?user=u")).isEqualTo("jdbc:postgresql://h/db?user=u");
    }

    @Test
    void onlyForwardSecretAeadSuitesCountAsStrong() {
        assertThat(TransportProbes.strong("TLS_AES_256_GCM_SHA384")).isTrue();
        assertThat(TransportProbes.strong("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                .isTrue();
        assertThat(TransportProbes.strong("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isTrue();
        assertThat(TransportProbes.strong("TLS_RSA_WITH_AES_128_GCM_SHA256")).isFalse();
        assertThat(TransportProbes.strong("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"))
                .isFalse();
    }

    @Test
    void isAStandaloneCommandOfTheCommandLine() {
        assertThat(java.util.ServiceLoader.load(io.colloquy.platform.CliCommand.class).stream()
                        .map(java.util.ServiceLoader.Provider::type))
                .contains(EvidenceCommand.class);
        assertThat(new EvidenceCommand().words()).containsExactly("evidence");
    }

    @Test
    void badUsageIsExitCodeTwoWithTheUsageLine() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int code = new EvidenceCommand(Map.of(), Clock.systemUTC())
                .run(List.of("--url", "https://colloquy.example"), new java.io.PrintStream(bytes, true));
        assertThat(code).isEqualTo(2);
        assertThat(bytes.toString()).contains("give --url and --key").contains("Usage: ./colloquy evidence --url URL");
    }
}
