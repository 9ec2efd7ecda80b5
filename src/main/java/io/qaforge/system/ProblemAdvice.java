package io.qaforge.system;

import java.net.URI;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/** Every error leaves the API as RFC 9457 problem+json with a specific {@code type}. */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {

    private static final URI ABOUT_BLANK = URI.create("about:blank");

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ProblemDetail> apiProblem(ApiProblem problem) {
        return ResponseEntity.status(problem.status()).body(problem.toProblemDetail());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        return apiProblem(ApiProblem.badRequest("invalid-parameter", "Invalid parameter",
                "Parameter '" + e.getName() + "' has an invalid value"));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        return problem(status, "malformed-request-body", "Malformed request body",
                "The request body is not valid JSON of the expected shape");
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(MaxUploadSizeExceededException ex, HttpHeaders headers,
                                                                          HttpStatusCode status, WebRequest request) {
        return problem(HttpStatus.PAYLOAD_TOO_LARGE, "upload-too-large", "Upload too large",
                "The upload exceeds the configured limit" + (ex.getMaxUploadSize() > 0 ? " of " + ex.getMaxUploadSize() + " bytes" : ""));
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestPart(MissingServletRequestPartException ex, HttpHeaders headers,
                                                                     HttpStatusCode status, WebRequest request) {
        return problem(status, "missing-file", "No file uploaded",
                "Send the document as multipart/form-data in the part named '" + ex.getRequestPartName() + "'");
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        // Query parameters bound into a record: a value of the wrong type is an invalid parameter, as for @RequestParam.
        var mismatch = ex.getBindingResult().getFieldErrors().stream().filter(error -> "typeMismatch".equals(error.getCode())).findFirst();
        if (mismatch.isPresent()) {
            return problem(status, "invalid-parameter", "Invalid parameter", "Parameter '" + mismatch.get().getField() + "' has an invalid value");
        }
        List<String> errors = ex.getBindingResult().getFieldErrors().stream()
                .map(error -> error.getField() + ": " + error.getDefaultMessage())
                .toList();
        ResponseEntity<Object> response = problem(status, "invalid-request", "Invalid request", String.join("; ", errors));
        ((ProblemDetail) response.getBody()).setProperty("errors", errors);
        return response;
    }

    /** Spring's own MVC errors (405, 415, ...) keep their status but get a type of their own instead of about:blank. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (body instanceof ProblemDetail detail && ABOUT_BLANK.equals(detail.getType())) {
            detail.setType(ApiProblem.typeUri("http-" + status.value()));
        }
        return super.createResponseEntity(body, headers, status, request);
    }

    private static ResponseEntity<Object> problem(HttpStatusCode status, String slug, String title, String detail) {
        return ResponseEntity.status(status).body(new ApiProblem(HttpStatus.valueOf(status.value()), slug, title, detail).toProblemDetail());
    }
}
