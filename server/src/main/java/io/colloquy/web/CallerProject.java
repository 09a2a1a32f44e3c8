package io.colloquy.web;

import java.util.UUID;

/**
 * The project a request runs in, as a controller argument for the features below the tenant core (which cannot
 * name the request context): resolved from the one request context, never from client input.
 */
public record CallerProject(UUID id) {}
