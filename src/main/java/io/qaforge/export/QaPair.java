package io.qaforge.export;

/** One accepted pair as exported, with the provenance the flat format shows. */
record QaPair(long chunkId, String split, String question, String answer, double temperature, String variant, int pageFrom, int pageTo) {

    String pages() {
        return pageFrom == pageTo ? Integer.toString(pageFrom) : pageFrom + "-" + pageTo;
    }
}
