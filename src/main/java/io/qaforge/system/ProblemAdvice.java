package io.qaforge.system;

import java.net.URI;
import java.util.List;

import org.apache.tomcat.util.http.fileupload.InvalidFileNameException;
import org.apache.tomcat.util.http.fileupload.impl.FileCountLimitExceededException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.data.core.PropertyReferenceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.jspecify.annotations.Nullable;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/** Every error leaves the API as RFC 9457 problem+json with a specific {@code type}. */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    private static final URI ABOUT_BLANK = URI.create("about:blank");

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ProblemDetail> apiProblem(ApiProblem problem) {
        return ResponseEntity.status(problem.status()).body(problem.toProblemDetail());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        if (e.getCause() != null && e.getCause().getCause() instanceof ApiProblem problem) {
            return apiProblem(problem);
        }
        return apiProblem(ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter",
                "Parameter '" + e.getName() + "' has an invalid value"));
    }

    /** An unknown {@code sort} property. */
    @ExceptionHandler(PropertyReferenceException.class)
    ResponseEntity<ProblemDetail> unknownSortProperty(PropertyReferenceException e) {
        return apiProblem(ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter",
                "sort: '" + e.getPropertyName() + "' is not a property of these results"));
    }

    /** Tomcat 11 refuses a query or form it cannot parse where Tomcat 10 skipped the bad parameter (a name missing before '='). */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> unreadableParameters(InvalidParameterException e) {
        return apiProblem(ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter",
                "The query string holds a parameter that cannot be read: a name missing before '=', or broken %-encoding"));
    }

    /** A body that claims to be multipart but is not (no boundary, no closing boundary, a broken part). */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ProblemDetail> malformedMultipart(MultipartException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidFileNameException) {
                return apiProblem(ApiProblem.badRequest(ProblemType.INVALID_FILE_NAME, "Invalid file name",
                        "The uploaded file's name contains a NUL character"));
            }
        }
        return apiProblem(ApiProblem.badRequest(ProblemType.MALFORMED_MULTIPART, "Malformed multipart body",
                "The body is not valid multipart/form-data (missing or unterminated boundary); send the file as a form part named 'file'"));
    }

    /** Anything unforeseen: a problem with no internals in it (the log has the stack trace). */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) throws Exception {
        if (e instanceof ErrorResponse) {
            throw e; // Spring's own resolvers answer these with their status.
        }
        if (e instanceof RequestRejectedException) {
            throw e; // the firewall refused a parameter or header as it was read: its handler answers (ApiSecurity)
        }
        log.error("Unexpected error", e);
        return apiProblem(new ApiProblem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemType.INTERNAL_ERROR, "Internal error",
                "The server failed to handle this request; it is logged. Try again, and report it if it persists."));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonBodyLimit.TooLarge tooLarge) {
                return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(JsonBodyLimit.problem(tooLarge.limit).toProblemDetail());
            }
        }
        return problem(status, ProblemType.MALFORMED_REQUEST_BODY, "Malformed request body",
                "The request body is not valid JSON of the expected shape");
    }

    /**
     * Spring reports every multipart limit as "upload too large"; the part-count and part-header limits are not about
     * size and get answers of their own, naming the limit.
     */
    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(MaxUploadSizeExceededException ex, HttpHeaders headers,
                                                                          HttpStatusCode status, WebRequest request) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof FileCountLimitExceededException count) {
                return problem(HttpStatus.BAD_REQUEST, ProblemType.TOO_MANY_PARTS, "Too many form parts",
                        "The form has more than " + count.getLimit() + " parts; send the file and its few fields only");
            }
            if (cause.getMessage() != null && cause.getMessage().startsWith("Header section has more than")) {
                return problem(HttpStatus.BAD_REQUEST, ProblemType.PART_HEADER_TOO_LARGE, "Form part header too large",
                        "A part's headers (usually its file name) are longer than the server accepts: " + cause.getMessage());
            }
        }
        return problem(HttpStatus.CONTENT_TOO_LARGE, ProblemType.UPLOAD_TOO_LARGE, "Upload too large",
                "The upload exceeds the configured limit" + (ex.getMaxUploadSize() > 0 ? " of " + ex.getMaxUploadSize() + " bytes" : ""));
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestPart(MissingServletRequestPartException ex, HttpHeaders headers,
                                                                     HttpStatusCode status, WebRequest request) {
        return problem(status, ProblemType.MISSING_FILE, "No file uploaded",
                "Send the document as multipart/form-data in the part named '" + ex.getRequestPartName() + "'");
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        // Query parameters bound into a record: a value of the wrong type is an invalid parameter, as for @RequestParam.
        var mismatch = ex.getBindingResult().getFieldErrors().stream().filter(error -> "typeMismatch".equals(error.getCode())).findFirst();
        if (mismatch.isPresent()) {
            return problem(status, ProblemType.INVALID_PARAMETER, "Invalid parameter", "Parameter '" + mismatch.get().getField() + "' has an invalid value");
        }
        List<String> errors = ex.getBindingResult().getFieldErrors().stream()
                .map(error -> error.getField() + ": " + error.getDefaultMessage())
                .toList();
        ResponseEntity<Object> response = problem(status, ProblemType.INVALID_REQUEST, "Invalid request", String.join("; ", errors));
        ((ProblemDetail) response.getBody()).setProperty("errors", errors);
        return response;
    }

    /**
     * Spring's own MVC errors (405, 415, ...) keep their status but get a type of their own instead of about:blank
     * (which Spring Framework 7 leaves out: a null type).
     */
    @Override
    protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (body instanceof ProblemDetail detail && (detail.getType() == null || ABOUT_BLANK.equals(detail.getType()))) {
            detail.setType(ProblemType.ofHttpStatus(status.value()));
        }
        return super.createResponseEntity(body, headers, status, request);
    }

    private static ResponseEntity<Object> problem(HttpStatusCode status, ProblemType type, String title, String detail) {
        return ResponseEntity.status(status).body(new ApiProblem(HttpStatus.valueOf(status.value()), type, title, detail).toProblemDetail());
    }
}
