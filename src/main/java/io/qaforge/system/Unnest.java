package io.qaforge.system;

import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Batch inserts as one statement: each column of the rows sent as an array and zipped back into rows by
 * {@code INSERT … SELECT … FROM unnest(?::type[], …)}, one round trip however many rows.
 */
public final class Unnest {

    private Unnest() {
    }

    /** One field of every row, in the rows' order. */
    public static <R, T> T[] column(List<R> rows, Function<R, T> field, IntFunction<T[]> array) {
        return rows.stream().map(field).toArray(array);
    }
}
