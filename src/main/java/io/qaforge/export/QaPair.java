package io.qaforge.export;

/**
 * One accepted pair as exported, with the provenance the flat format shows. Question and answer stay the UTF-8 bytes
 * PostgreSQL sent: every writer emits UTF-8, so decoding them into strings and back would be wasted work.
 */
record QaPair(long chunkId, String split, byte[] question, byte[] answer, double temperature, String variant, int pageFrom, int pageTo) {

    String pages() {
        return pageFrom == pageTo ? Integer.toString(pageFrom) : pageFrom + "-" + pageTo;
    }
}
