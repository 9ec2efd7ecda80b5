package io.qaforge.export.stream;

import java.io.IOException;
import java.util.List;

/**
 * Encodes each packed row in its file format as the pairs are read, before the shuffle, while PostgreSQL is still
 * sending: the shuffle then keeps the encoded bytes, and the replay only copies them out in order.
 */
public interface RowEncoder {

    /** The row's bytes, valid until the next call: the buffer is reused. */
    RowBuffer encode(List<QaPair> row) throws IOException;
}
