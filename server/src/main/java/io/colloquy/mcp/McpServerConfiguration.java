package io.colloquy.mcp;

import io.colloquy.tenant.RequestContext;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStatelessServerTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /mcp}: the official MCP Java SDK's stateless Streamable HTTP transport, a servlet behind the same filters as
 * every route (the route table makes it a key-only route whose tool calls open their own tenant transactions). Each
 * POST carries one JSON-RPC message and gets its JSON answer in the same response; the server keeps no session, so
 * nothing of one caller outlives its request.
 */
@Configuration(proxyBeanMethods = false)
class McpServerConfiguration {
    static final String PATH = "/mcp";

    /** The SDK's own JSON settings for its protocol records (camelCase, as MCP names them). */
    private static final McpJsonMapper PROTOCOL_JSON =
            new JacksonMcpJsonMapper(JsonMapper.builder().build());

    @Bean
    HttpServletStatelessServerTransport mcpTransport() {
        return HttpServletStatelessServerTransport.builder()
                .jsonMapper(PROTOCOL_JSON)
                .messageEndpoint(PATH)
                // runs in the request's thread, inside the request filter, where its context is bound
                .contextExtractor(request -> RequestContext.current()
                        .map(context -> McpTransportContext.create(Map.of(McpTools.CONTEXT, context)))
                        .orElse(McpTransportContext.EMPTY))
                .build();
    }

    @Bean
    ServletRegistrationBean<HttpServletStatelessServerTransport> mcpServlet(
            HttpServletStatelessServerTransport transport) {
        ServletRegistrationBean<HttpServletStatelessServerTransport> servlet =
                new ServletRegistrationBean<>(transport, PATH);
        servlet.setName("mcp");
        return servlet;
    }

    @Bean(destroyMethod = "close")
    McpStatelessSyncServer mcpServer(HttpServletStatelessServerTransport transport, McpTools tools) {
        return McpServer.sync(transport)
                .jsonMapper(PROTOCOL_JSON)
                .serverInfo(new McpSchema.Implementation("colloquy", "Colloquy", "0.1.0"))
                .instructions("Colloquy stores the conversations (dialogues and their messages) and memories of an AI"
                        + " application, per namespace (one per end user). Every tool takes the namespace to act in.")
                .capabilities(
                        McpSchema.ServerCapabilities.builder().tools(false).build())
                // the tools validate their arguments themselves, answering the REST API's VALIDATION_FAILED
                .validateToolInputs(false)
                // tool calls run in the request's thread: its context, its deadline, no second thread pool
                .immediateExecution(true)
                .tools(tools.specifications(PROTOCOL_JSON))
                .build();
    }
}
