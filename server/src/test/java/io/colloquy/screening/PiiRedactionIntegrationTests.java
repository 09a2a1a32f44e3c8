package io.colloquy.screening;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.audit.TestAudit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class PiiRedactionIntegrationTests {
    private static final String EMAIL = "anna.smith@example.com";
    private static final String PHONE = "+1 415 555 2671";

    @LocalServerPort
    int port;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
    }

    @Test
    void readsWithRedactPiiGetPlaceholdersStableAcrossTheWholeResponseAndTheStoreKeepsTheOriginal() {
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String d = p.dialogue(ns);
        String first = p.message(ns, d, "mail " + EMAIL + " or call " + PHONE);
        p.message(ns, d, "again: " + EMAIL + ", and bob@example.org");
        String base = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";

        JsonNode redacted = api.get(p.adminKey(), base + "?redact=pii").json().get("data");
        assertThat(redacted.get(0).get("content").asString()).isEqualTo("mail [EMAIL_1] or call [PHONE_1]");
        assertThat(redacted.get(1).get("content").asString()).isEqualTo("again: [EMAIL_1], and [EMAIL_2]");
        assertThat(api.get(p.adminKey(), base + "/" + first + "?redact=pii").text("/content"))
                .isEqualTo("mail [EMAIL_1] or call [PHONE_1]");
        assertThat(api.get(p.adminKey(), base).json().at("/data/0/content").asString())
                .as("without redact=pii the content is as written")
                .isEqualTo("mail " + EMAIL + " or call " + PHONE);

        String memory = p.memory(ns, "card 4111 1111 1111 1111 belongs to " + EMAIL);
        String memories = "/v1/namespaces/" + ns + "/memories";
        assertThat(api.get(p.adminKey(), memories + "/" + memory + "?redact=pii")
                        .text("/content"))
                .isEqualTo("card [CARD_1] belongs to [EMAIL_1]");
        assertThat(api.get(p.adminKey(), memories + "?redact=pii")
                        .json()
                        .at("/data/0/content")
                        .asString())
                .isEqualTo("card [CARD_1] belongs to [EMAIL_1]");
        assertThat(api.get(p.adminKey(), memories + "/" + memory).text("/content"))
                .contains(EMAIL);

        JsonNode hits = api.get(p.adminKey(), "/v1/namespaces/" + ns + "/search?q=again&redact=pii")
                .json()
                .get("data");
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0).get("content").asString()).isEqualTo("again: [EMAIL_1], and [EMAIL_2]");
    }

    @Test
    void onWriteStoresOnlyTheRedactedContentAndItsEventsHoldNoOriginal() {
        TestProject p = TestProjects.aProject(api);
        TestApi.Response changed =
                api.patch(p.adminKey(), "/v1/project", json("screening", Map.of("pii_redaction", "on_write")));
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(changed.text("/screening/pii_redaction")).isEqualTo("on_write");
        assertThat(changed.json().at("/screening/injection_reject_threshold").isNull())
                .isTrue();
        String ns = TestProjects.aNamespace();
        String d = p.dialogue(ns);
        String base = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
        TestApi.Response batch = api.post(
                p.adminKey(),
                base,
                json(
                        "messages",
                        List.of(
                                Map.of("role", "user", "content", "I am " + EMAIL),
                                Map.of("role", "user", "content", "SSN 123-45-6789, mail " + EMAIL))));
        assertThat(batch.status()).as(batch.body()).isEqualTo(201);
        assertThat(batch.json().at("/data/0/content").asString()).isEqualTo("I am [EMAIL_1]");
        assertThat(batch.json().at("/data/1/content").asString()).isEqualTo("SSN [SSN_1], mail [EMAIL_1]");
        assertThat(api.get(p.adminKey(), base).json().at("/data/1/content").asString())
                .isEqualTo("SSN [SSN_1], mail [EMAIL_1]");
        String mid = batch.json().at("/data/0/id").asString();
        TestApi.Response edited = api.patch(p.adminKey(), base + "/" + mid, json("content", "now " + PHONE));
        assertThat(edited.text("/content")).isEqualTo("now [PHONE_1]");
        String memory = p.memory(ns, "key sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW here");
        assertThat(api.get(p.adminKey(), "/v1/namespaces/" + ns + "/memories/" + memory)
                        .text("/content"))
                .isEqualTo("key [SECRET_1] here");

        List<JsonNode> events = TestAudit.events(api, p.adminKey(), 8);
        String log = events.toString();
        assertThat(log).doesNotContain(EMAIL).doesNotContain("123-45-6789").doesNotContain("415 555");
        JsonNode settingChange = events.stream()
                .filter(e -> e.get("entity_type").asString().equals("project")
                        && e.get("action").asString().equals("updated"))
                .findFirst()
                .orElseThrow();
        assertThat(settingChange.at("/data/screening/pii_redaction").asString()).isEqualTo("on_write");
        assertThat(settingChange.at("/actor/type").asString()).isEqualTo("api_key");
    }

    @Test
    void oneProjectsRedactionSettingLeavesAnotherProjectAlone() {
        TestProject redacting = TestProjects.aProject(api);
        TestProject other = TestProjects.aProject(api);
        api.patch(redacting.adminKey(), "/v1/project", json("screening", Map.of("pii_redaction", "on_write")));
        String ns = TestProjects.aNamespace();
        String d = other.dialogue(ns);
        other.message(ns, d, "mail " + EMAIL);
        assertThat(api.get(other.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages")
                        .json()
                        .at("/data/0/content")
                        .asString())
                .isEqualTo("mail " + EMAIL);
        assertThat(api.get(other.adminKey(), "/v1/project").text("/screening/pii_redaction"))
                .isEqualTo("on_read");
    }

    @Test
    void badRedactParametersAndScreeningSettingsAre400AndChangeNothing() {
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String d = p.dialogue(ns);
        String mid = p.message(ns, d, "hi");
        String memory = p.memory(ns, "note");
        for (String path : List.of(
                "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages?redact=all",
                "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages/" + mid + "?redact=",
                "/v1/namespaces/" + ns + "/memories?redact=PII",
                "/v1/namespaces/" + ns + "/memories/" + memory + "?redact=true",
                "/v1/namespaces/" + ns + "/search?q=hi&redact=emails")) {
            TestApi.Response r = api.get(p.adminKey(), path);
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.json().at("/error/fields/0/field").asString()).isEqualTo("redact");
        }
        Map<String, String> bad = Map.of(
                "{\"screening\": {\"pii_redaction\": \"sometimes\"}}", "screening.pii_redaction",
                "{\"screening\": {\"pii_redaction\": 1}}", "screening.pii_redaction",
                "{\"screening\": {\"injection_reject_threshold\": 1.5}}", "screening.injection_reject_threshold",
                "{\"screening\": {\"injection_reject_threshold\": 0}}", "screening.injection_reject_threshold",
                "{\"screening\": {\"injection_reject_threshold\": \"0.5\"}}", "screening.injection_reject_threshold",
                "{\"screening\": {\"redact\": true}}", "screening.redact",
                "{\"screening\": \"on_write\"}", "screening");
        bad.forEach((body, field) -> {
            TestApi.Response r =
                    api.patch(p.adminKey(), "/v1/project", body.replace("}}", "}, \"name\": \"changed\"}"));
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().at("/error/fields/0/field").asString()).as(body).isEqualTo(field);
        });
        TestApi.Response project = api.get(p.adminKey(), "/v1/project");
        assertThat(project.text("/name")).isNotEqualTo("changed");
        assertThat(project.text("/screening/pii_redaction")).isEqualTo("on_read");
        assertThat(api.patch(p.key("write"), "/v1/project", json("screening", Map.of("pii_redaction", "on_write")))
                        .status())
                .as("an admin's setting")
                .isEqualTo(403);
    }

    @Test
    void screeningNullPutsTheDefaultsBackAndFieldsLeftOutStay() {
        TestProject p = TestProjects.aProject(api);
        api.patch(
                p.adminKey(),
                "/v1/project",
                json("screening", Map.of("pii_redaction", "on_write", "injection_reject_threshold", 0.75)));
        TestApi.Response merged =
                api.patch(p.adminKey(), "/v1/project", json("screening", Map.of("injection_reject_threshold", 0.9)));
        assertThat(merged.text("/screening/pii_redaction")).isEqualTo("on_write");
        assertThat(merged.json().at("/screening/injection_reject_threshold").asDouble())
                .isEqualTo(0.9);
        TestApi.Response reset = api.patch(p.adminKey(), "/v1/project", "{\"screening\": null}");
        assertThat(reset.text("/screening/pii_redaction")).isEqualTo("on_read");
        assertThat(reset.json().at("/screening/injection_reject_threshold").isNull())
                .isTrue();
        assertThat(api.get(p.adminKey(), "/v1/project").json()).isEqualTo(reset.json());
    }
}
