package io.qaforge.document;

import java.util.Locale;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/** Whether pages are read by OCR: only those without a usable text layer, never, or every page. */
public enum OcrMode {
    AUTO, OFF, FORCE;

    public static OcrMode parse(String value) {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest(ProblemType.INVALID_OCR_MODE, "Invalid OCR mode", "ocr is 'auto', 'off' or 'force', was '" + value + "'");
        }
    }
}
