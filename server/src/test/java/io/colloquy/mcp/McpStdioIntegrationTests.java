package io.colloquy.mcp;

import static io.colloquy.mcp.TestMcp.args;
import static io.colloquy.mcp.TestMcp.error;
import static io.colloquy.mcp.TestMcp.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./colloquy mcp --url URL}: the stdio bridge, started as its own process (the application's main, as the
 * launcher runs it) and driven by the official MCP Java SDK's stdio client against the running test server.
 */
@IntegrationTest
class McpStdioIntegrationTests {
    private static final String JAVA =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String CLASSPATH =
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));

    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    @Test
    void servesTheServersToolsOverStdioWithTheKeyFromTheEnvironment() {
        try (McpSyncClient client = stdioClient(project.adminKey())) {
            assertThat(client.listTools().tools())
                    .extracting(McpSchema.Tool::name)
                    .contains("create_dialogue", "append_messages", "recall", "forget");
            String id = ok(client, "create_dialogue", args("namespace", ns, "title", "from a desktop agent"))
                    .get("id")
                    .asString();
            ok(
                    client,
                    "append_messages",
                    args(
                            "namespace",
                            ns,
                            "dialogue_id",
                            id,
                            "messages",
                            List.of(Map.of("role", "user", "content", "hi"))));
            assertThat(ok(client, "get_dialogue", args("namespace", ns, "id", id)))
                    .isEqualTo(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + id)
                            .json());
            assertThat(error(client, "get_dialogue", args("namespace", ns, "id", "dlg_nope"))
                            .get("code")
                            .asString())
                    .isEqualTo("NOT_FOUND");
        }
    }

    @Test
    void aKeyTheServerRefusesIsAJsonRpcErrorCarryingTheContractsError() {
        try (McpSyncClient client = stdioClient("cq_key_00000000000000000000000000000000_wrong", false)) {
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(client::initialize);
            StringBuilder chain = new StringBuilder();
            for (Throwable t = refused; t != null; t = t.getCause()) {
                chain.append(t.getMessage()).append('\n');
            }
            assertThat(chain.toString()).contains("UNAUTHENTICATED");
        }
    }

    @Test
    void refusesToStartWithoutTheKeyInTheEnvironmentOrWithAKeyOnTheCommandLine() throws Exception {
        Run noKey = launch(Map.of(), "mcp", "--url", "http://127.0.0.1:" + port);
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.stderr()).contains("COLLOQUY_API_KEY");
        assertThat(noKey.stdout()).isEmpty();

        Run keyInArgv = launch(
                Map.of(McpStdioCommand.KEY_VARIABLE, project.adminKey()),
                "mcp",
                "--url",
                "http://127.0.0.1:" + port,
                "--key",
                project.adminKey());
        assertThat(keyInArgv.exit()).isEqualTo(2);
        assertThat(keyInArgv.stderr()).contains("never from the command line").doesNotContain(project.adminKey());
    }

    private McpSyncClient stdioClient(String key) {
        return stdioClient(key, true);
    }

    private McpSyncClient stdioClient(String key, boolean initialize) {
        ServerParameters bridge = ServerParameters.builder(JAVA)
                .args(
                        "-Xmx128m",
                        "-cp",
                        CLASSPATH,
                        ColloquyApplication.class.getName(),
                        "mcp",
                        "--url",
                        "http://127.0.0.1:" + port)
                .env(Map.of(McpStdioCommand.KEY_VARIABLE, key))
                .build();
        McpSyncClient client = McpClient.sync(new StdioClientTransport(
                        bridge, new JacksonMcpJsonMapper(JsonMapper.builder().build())))
                .requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(60))
                .build();
        if (initialize) {
            client.initialize();
        }
        return client;
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of(JAVA, "-Xmx128m", "-cp", CLASSPATH, ColloquyApplication.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove(McpStdioCommand.KEY_VARIABLE);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(
                process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
