/**
 * The MCP server at {@code /mcp} (stateless Streamable HTTP, the official MCP Java SDK): tools over the dialogues,
 * memories and search features, each call one tenant request of the calling API key; and {@code ./colloquy mcp}, the
 * stdio bridge to it for desktop agents.
 */
@NullMarked
package io.colloquy.mcp;

import org.jspecify.annotations.NullMarked;
