package io.colloquy.access;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/**
 * On a cloud platform Spring Boot would trust {@code X-Forwarded-For} from any private-range peer in the
 * servlet container, before our trusted-proxy logic runs. Forced onto such a platform here, the
 * server still believes only {@code colloquy.access.trusted-proxies} (127.0.0.2 in the tests): a
 * header sent straight from 127.0.0.1 changes nothing.
 */
@IntegrationTest
@TestPropertySource(properties = "spring.main.cloud-platform=kubernetes")
class CloudPlatformForwardingIntegrationTests {
    private static final String OFFICE = "203.0.113.0/24";

    @LocalServerPort
    int port;

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerDoesNotGetPastTheAllowlist() {
        TestApi api = new TestApi(port);
        TestProject project = TestProjects.aProject(api);
        TestApi.Response allowed = api.viaProxy("203.0.113.9")
                .patch(project.adminKey(), "/v1/project", json("ip_allowlist", List.of(OFFICE)));
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);

        for (String header : List.of("X-Forwarded-For", "Forwarded", "X-Real-IP")) {
            String value = header.equals("Forwarded") ? "for=203.0.113.9" : "203.0.113.9";
            TestApi.Response spoofed = api.withHeader(header, value).get(project.adminKey(), "/v1/project");
            assertThat(spoofed.status()).as(header + " -> " + spoofed.body()).isEqualTo(403);
            assertThat(spoofed.errorCode()).isEqualTo("IP_NOT_ALLOWED");
        }
        // through the configured trusted proxy the same header is believed
        assertThat(api.viaProxy("203.0.113.9")
                        .get(project.adminKey(), "/v1/project")
                        .status())
                .isEqualTo(200);
    }
}
