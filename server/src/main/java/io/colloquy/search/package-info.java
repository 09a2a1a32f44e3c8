/**
 * Search over a namespace's encrypted messages and memories: keyword (blind index, ranked after decryption), semantic
 * and hybrid (in-process embeddings, sealed vectors); the context endpoint and the grounding check.
 */
@NullMarked
package io.colloquy.search;

import org.jspecify.annotations.NullMarked;
