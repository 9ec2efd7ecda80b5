package io.qaforge.document.text;

import java.util.Arrays;
import java.util.BitSet;

/**
 * A document's cleaned text and where each page starts in it.
 *
 * @param pageStarts character offset of each page's first character, ascending; page {@code i + 1} starts at {@code pageStarts[i]}
 * @param ocrPages   pages read by OCR, by 0-based index
 */
public record CleanText(String text, int[] pageStarts, BitSet ocrPages) {

    public int pages() {
        return pageStarts.length;
    }

    /** 1-based page holding the character at {@code offset}. */
    public int pageAt(int offset) {
        int index = Arrays.binarySearch(pageStarts, offset);
        if (index < 0) {
            index = -index - 2;
        }
        // Empty pages share their start offset with the next one: report the last page starting there.
        while (index + 1 < pageStarts.length && pageStarts[index + 1] <= offset) {
            index++;
        }
        return Math.max(0, index) + 1;
    }

    /** Whether any page from {@code pageFrom} to {@code pageTo} (1-based, inclusive) was read by OCR. */
    public boolean ocr(int pageFrom, int pageTo) {
        int next = ocrPages.nextSetBit(pageFrom - 1);
        return next >= 0 && next <= pageTo - 1;
    }
}
