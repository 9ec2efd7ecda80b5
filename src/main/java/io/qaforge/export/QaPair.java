package io.qaforge.export;

/**
 * One accepted pair as exported, with the provenance the flat format shows (a fact job's pairs also the facts they test
 * and their direction; null otherwise). Question and answer stay the UTF-8 bytes PostgreSQL sent, where it sent them:
 * every writer emits UTF-8, so decoding them into strings and back would be wasted work.
 */
record QaPair(long chunkId, String split, Utf8 question, Utf8 answer, double temperature, String variant, int pageFrom, int pageTo,
              long[] factIds, String direction) {

    QaPair(long chunkId, String split, Utf8 question, Utf8 answer, double temperature, String variant, int pageFrom, int pageTo) {
        this(chunkId, split, question, answer, temperature, variant, pageFrom, pageTo, null, null);
    }

    /** Written by a person, so it has no chunk, pages or temperature. */
    boolean handWritten() {
        return HandWrittenPairs.VARIANT.equals(variant);
    }

    String pages() {
        return pageFrom == pageTo ? Integer.toString(pageFrom) : pageFrom + "-" + pageTo;
    }
}
