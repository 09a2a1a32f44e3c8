package io.colloquy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

/** Object mother: projects, keys, dialogues, messages and memories created through the API. */
public final class TestProjects {
    private TestProjects() {}

    /** A project with its admin key. */
    public record TestProject(TestApi api, String id, String adminKey, String adminKeyId) {

        public String key(String... capabilities) {
            TestApi.Response r =
                    api.post(adminKey, "/v1/keys", TestApi.json("name", "test", "capabilities", List.of(capabilities)));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            return r.text("/key");
        }

        public String dialogue(String ns) {
            TestApi.Response r = api.post(
                    adminKey,
                    "/v1/namespaces/" + ns + "/dialogues",
                    TestApi.json("title", "a dialogue", "tags", List.of("t1")));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            return r.text("/id");
        }

        public String message(String ns, String dialogueId, String content) {
            TestApi.Response r = api.post(
                    adminKey,
                    "/v1/namespaces/" + ns + "/dialogues/" + dialogueId + "/messages",
                    TestApi.json("role", "user", "content", content));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            return r.text("/id");
        }

        public String memory(String ns, String content) {
            TestApi.Response r = api.post(
                    adminKey,
                    "/v1/namespaces/" + ns + "/memories",
                    TestApi.json("kind", "long_term", "content", content));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            return r.text("/id");
        }
    }

    public static TestProject aProject(TestApi api) {
        return aProject(api, "{\"name\":\"project " + UUID.randomUUID() + "\"}");
    }

    public static TestProject aProject(TestApi api, String body) {
        TestApi.Response r = api.post(IntegrationTest.OPERATOR_TOKEN, "/v1/projects", body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return new TestProject(api, r.text("/project/id"), r.text("/key/key"), r.text("/key/id"));
    }

    /** A new thread of dialogue {@code parent}. */
    public static String thread(TestApi api, TestProject p, String ns, String parent) {
        TestApi.Response r =
                api.post(p.adminKey(), "/v1/namespaces/" + ns + "/dialogues", TestApi.json("parent_id", parent));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.text("/id");
    }

    /** The UUID behind a public id such as {@code prj_<32 hex>}. */
    public static UUID uuid(String publicId) {
        String hex = publicId.substring(publicId.indexOf('_') + 1);
        return UUID.fromString(hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
    }

    public static String aNamespace() {
        return "ns-" + UUID.randomUUID();
    }
}
