/**
 * Team accounts (docs/accounts.md): users, their roles in projects (mapped onto the capabilities API keys have),
 * invitations with one-time set-up links, Argon2id passwords under a password policy, rate-limited sign-in with
 * back-off and alerts, and server-side sessions that authenticate API calls through the same request path as keys.
 */
@NullMarked
package io.colloquy.accounts;

import org.jspecify.annotations.NullMarked;
