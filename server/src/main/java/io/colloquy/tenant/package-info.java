/**
 * The request path's core: the one request context, the one transaction per request that sets the tenant
 * context (project, namespace) in the database, namespaces and idempotency.
 */
@NullMarked
package io.colloquy.tenant;

import org.jspecify.annotations.NullMarked;
