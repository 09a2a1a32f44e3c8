package io.colloquy.client;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param data the items of this page
 * @param nextCursor the cursor of the next page, null on the last page
 * @param <T> the item type
 */
public record Page<T>(List<T> data, String nextCursor) {}
