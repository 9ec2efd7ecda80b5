package io.qaforge.document.extraction;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.io.RandomAccessRead;
import org.apache.pdfbox.io.RandomAccessStreamCache.StreamCacheCreateFunction;
import org.apache.pdfbox.pdfparser.PDFObjectStreamParser;
import org.apache.pdfbox.pdfparser.PDFParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PDFBox's parser, but with object streams read in linear time. PDFBox 3.0.8 reads each object stream with a new
 * parser whose cache of object keys starts empty and is first filled with the whole cross-reference table: work in
 * proportion to all the objects of the file for every object stream, quadratic over a large document (R's 2,415-page
 * reference manual spent more time there than reading its text; PDFBOX-6268, unreleased). Here every object stream
 * parser asks this parser, whose cache is filled once.
 */
final class PdfParser extends PDFParser {

    private static final Logger log = LoggerFactory.getLogger(PdfParser.class);

    /** Objects read from an object stream and not yet asked for, by the stream's object number (as in COSParser). */
    private final Map<Long, Map<COSObjectKey, COSBase>> decompressed = new HashMap<>();

    PdfParser(RandomAccessRead source, StreamCacheCreateFunction streamCache) throws IOException {
        super(source, "", null, null, streamCache);
    }

    /** What {@code COSParser.parseObjectStreamObject} does, with the object stream parser sharing this one's keys. */
    @Override
    protected COSBase parseObjectStreamObject(long objstmObjNr, COSObjectKey key) throws IOException {
        Map<COSObjectKey, COSBase> streamObjects = decompressed.computeIfAbsent(objstmObjNr, n -> new HashMap<>());
        COSBase object = streamObjects.remove(key);
        if (object != null) {
            return object;
        }
        if (document.getObjectFromPool(getObjectKey(objstmObjNr, 0)).getObject() instanceof COSStream stream) {
            try {
                Map<COSObjectKey, COSBase> all = new PDFObjectStreamParser(stream, document) {
                    @Override
                    protected COSObjectKey getObjectKey(long num, int gen) {
                        return PdfParser.this.getObjectKey(num, gen);
                    }
                }.parseAllObjects();
                object = all.remove(key);
                all.forEach(streamObjects::putIfAbsent);
            } catch (IOException e) {
                if (!isLenient()) {
                    throw e;
                }
                log.error("object stream {} could not be parsed due to an exception", objstmObjNr, e);
            }
        }
        return object;
    }
}
