package io.colloquy.client;

import java.time.Instant;

/**
 * A signed link to a namespace's export, usable without the API key until it expires.
 *
 * @param url the link
 * @param expiresAt when it stops working
 */
public record ExportLink(String url, Instant expiresAt) {}
