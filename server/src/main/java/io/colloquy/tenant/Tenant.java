package io.colloquy.tenant;

import java.util.UUID;

/**
 * The tenant a namespace-scoped request acts in: the project of its key and the namespace of its path,
 * parsed once by the request filter. Controllers of {@code /v1/namespaces/{ns}/...} receive it as an
 * argument (see {@link RequestContextArguments}).
 */
public record Tenant(UUID projectId, Namespace namespace) {}
