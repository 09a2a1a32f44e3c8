package io.colloquy.web;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** A page of a list: {@code {"data": [...], "next_cursor": "..." | null}}. */
public record Page<T>(List<T> data, @Nullable String nextCursor) {}
