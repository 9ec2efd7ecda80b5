package io.qaforge.system;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;

/**
 * Every problem type the service answers with, listed once. The slug ({@code /problems/<slug>}) is the name in lower
 * case with dashes; it is stable across releases, since clients branch on it and failed documents and pushes store it.
 */
public enum ProblemType {
    ALREADY_REMEDIATED,
    ARCHIVE_TOO_LARGE,
    ARTIFACT_TOO_LARGE,
    BATCH_UNSUPPORTED,
    CORRUPT_ARCHIVE,
    CORRUPT_DOCUMENT,
    CORRUPT_PDF,
    DOCUMENT_IN_USE,
    DOCUMENT_NOT_READY,
    DOCUMENT_PROCESSING,
    DOCUMENT_TEXT_TOO_LARGE,
    DOCUMENT_TOO_COMPLEX,
    DTD_NOT_ACCEPTED,
    EMPTY_FILE,
    ENCRYPTED_DOCUMENT,
    ENCRYPTED_PDF,
    EVALUATE_ONLY,
    EXAM_IN_USE,
    EXAM_OVERLAP,
    EXTRACTION_CRASHED,
    EXTRACTION_FAILED,
    HEARTBEAT_TOO_LARGE,
    HUB_ERROR,
    HUB_FORBIDDEN,
    HUB_TOKEN_MISSING,
    HUB_UNAUTHORIZED,
    HUB_UNAVAILABLE,
    HUB_UNREACHABLE,
    INTERNAL_ERROR,
    INVALID_ARTIFACT,
    INVALID_ARTIFACT_KIND,
    INVALID_BUDGET,
    INVALID_COVERAGE,
    INVALID_EXAM,
    INVALID_EXAM_FILE,
    INVALID_EXPORT_FORMAT,
    INVALID_FILE_NAME,
    INVALID_FORMAT,
    INVALID_HAND_WRITTEN_REPEAT,
    INVALID_HEADER,
    INVALID_HUB_TOKEN,
    INVALID_JUDGE,
    INVALID_LANGUAGE,
    INVALID_METHOD,
    INVALID_MODE,
    INVALID_OCR_MODE,
    INVALID_PAIRS_FILE,
    INVALID_PAIRS_PER_ROW,
    INVALID_PARAMETER,
    INVALID_PATH,
    INVALID_PROMPT,
    INVALID_REPO_ID,
    INVALID_REQUEST,
    INVALID_RESULTS,
    INVALID_SPLIT,
    INVALID_STRATEGY,
    INVALID_STUDY,
    INVALID_TEMPERATURES,
    INVALID_TEXT,
    INVALID_TITLE,
    INVALID_TRAINING_PARAMS,
    INVALID_TRAINING_SOURCE,
    JOB_CANCELLED,
    JOB_FINISHED,
    JOB_NOT_FINISHED,
    LEASE_LOST,
    MALFORMED_MULTIPART,
    MALFORMED_REQUEST_BODY,
    MISSING_FILE,
    NOTHING_REMEDIABLE,
    NOTHING_TO_PUSH,
    NOTHING_TO_REMEDIATE,
    NOT_A_FACT_JOB,
    NOT_FOUND,
    NO_ADAPTER,
    NO_CHUNKS,
    NO_EXAM,
    NO_MERGED,
    NO_PRICE,
    NO_RESULTS,
    NO_TEST_PAIRS,
    NO_TEXT,
    NO_TEXT_LAYER,
    OCR_UNAVAILABLE,
    ORIGINAL_MISSING,
    OVER_BUDGET,
    PAGE_TEXT_TOO_LARGE,
    PART_HEADER_TOO_LARGE,
    PROVIDER_NOT_CONFIGURED,
    RECIPE_ONLY,
    REQUEST_TOO_LARGE,
    RUN_NOT_COMPLETED,
    TOO_MANY_EVENT_STREAMS,
    TOO_MANY_PAGES,
    TOO_MANY_PARTS,
    TOO_MANY_TARGETS,
    TOO_MANY_TASKS,
    TRAINING_FINISHED,
    UNAUTHORIZED,
    UNKNOWN_CHUNK,
    UNKNOWN_DOCUMENT,
    UNKNOWN_FACT,
    UNKNOWN_JOB,
    UNKNOWN_MODEL,
    UNKNOWN_OCR_LANGUAGE,
    UNKNOWN_PROVIDER,
    UNKNOWN_VARIANT,
    UNSUPPORTED_MEDIA_TYPE,
    UPLOAD_TOO_LARGE;

    private final String slug = name().toLowerCase(Locale.ROOT).replace('_', '-');

    public String slug() {
        return slug;
    }

    URI uri() {
        return URI.create("/problems/" + slug);
    }

    /** The type of an error Spring or the servlet container answers with its own status (405, 415, ...). */
    static URI ofHttpStatus(int status) {
        return URI.create("/problems/http-" + status);
    }

    /** The type a relayed slug names. */
    public static ProblemType ofSlug(String slug) {
        return Arrays.stream(values()).filter(type -> type.slug.equals(slug)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No problem type " + slug));
    }
}
