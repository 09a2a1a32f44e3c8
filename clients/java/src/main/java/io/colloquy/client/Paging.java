package io.colloquy.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Lazy iteration over a paginated listing: the next page is fetched only when the items of the last are used up. */
final class Paging<T> implements Iterator<T> {
    private final Function<String, Page<T>> fetch;
    private Iterator<T> current;
    private String cursor;
    private boolean last;

    private Paging(Function<String, Page<T>> fetch) {
        this.fetch = fetch;
    }

    /** A lazy stream over every item; {@code fetch} gets the cursor (null for the first page). */
    static <T> Stream<T> stream(Function<String, Page<T>> fetch) {
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(new Paging<>(fetch), Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    @Override
    public boolean hasNext() {
        while (current == null || !current.hasNext()) {
            if (last) {
                return false;
            }
            Page<T> page = fetch.apply(cursor);
            current = page.data().iterator();
            cursor = page.nextCursor();
            last = cursor == null;
        }
        return true;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }
}
