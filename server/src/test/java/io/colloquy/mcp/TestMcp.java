package io.colloquy.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.TestApi;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** MCP clients for the tests: the official SDK's client over Streamable HTTP, and reading its results. */
final class TestMcp {
    private TestMcp() {}

    /** An initialized client of {@code /mcp} that sends {@code key}. */
    static McpSyncClient client(int port, String key) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(
                        "http://127.0.0.1:" + port)
                .endpoint("/mcp")
                .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + key))
                .build();
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(30))
                .initializationTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        return client;
    }

    /** Arguments from alternating names and values. */
    static Map<String, Object> args(Object... namesAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }

    static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    /** The JSON of a successful call. */
    static JsonNode ok(McpSyncClient client, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = call(client, tool, arguments);
        JsonNode json = json(result);
        assertThat(result.isError()).as(json.toString()).isFalse();
        return json;
    }

    /** The contract error body of a refused call ({@code {"error": {...}}}). */
    static JsonNode error(McpSyncClient client, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = call(client, tool, arguments);
        JsonNode json = json(result);
        assertThat(result.isError()).as(json.toString()).isTrue();
        return json.get("error");
    }

    static JsonNode json(McpSchema.CallToolResult result) {
        assertThat(result.content()).hasSize(1);
        return TestApi.JSON.readTree(((McpSchema.TextContent) result.content().getFirst()).text());
    }

    /** An error body without its request id, which differs from call to call. */
    static JsonNode withoutRequestId(JsonNode error) {
        tools.jackson.databind.node.ObjectNode copy = (tools.jackson.databind.node.ObjectNode) error.deepCopy();
        copy.remove("request_id");
        return copy;
    }
}
