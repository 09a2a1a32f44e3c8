/**
 * Outbound webhooks: subscriptions, Standard Webhooks signing, the SSRF guard, and delivery of the audit
 * log with retries (docs/webhooks.md).
 */
@NullMarked
package io.colloquy.webhooks;

import org.jspecify.annotations.NullMarked;
