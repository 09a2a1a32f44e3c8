/** Projects, namespaces, the tenant context and the one transaction per request that sets it. */
@NullMarked
package io.colloquy.tenancy;

import org.jspecify.annotations.NullMarked;
