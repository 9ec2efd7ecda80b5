package io.qaforge.export.stream;

import io.qaforge.export.HandWrittenPairs;

/**
 * One accepted pair as exported, with the provenance the flat format shows (a fact job's pairs also the facts they test
 * and their direction; null otherwise). Question and answer stay the UTF-8 bytes PostgreSQL sent, where it sent them:
 * every writer emits UTF-8, so decoding them into strings and back would be wasted work.
 */
public record QaPair(long chunkId, String split, Utf8 question, Utf8 answer, double temperature, String variant, int pageFrom, int pageTo,
              long[] factIds, String direction) {

    public QaPair(long chunkId, String split, Utf8 question, Utf8 answer, double temperature, String variant, int pageFrom, int pageTo) {
        this(chunkId, split, question, answer, temperature, variant, pageFrom, pageTo, null, null);
    }

    /** Written by a person, so it has no chunk, pages or temperature. */
    public boolean handWritten() {
        return HandWrittenPairs.VARIANT.equals(variant);
    }

    public String pages() {
        return pageFrom == pageTo ? Integer.toString(pageFrom) : pageFrom + "-" + pageTo;
    }
}
