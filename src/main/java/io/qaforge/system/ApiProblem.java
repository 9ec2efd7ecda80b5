package io.qaforge.system;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A failure the caller can act on, answered as RFC 9457 problem+json.
 * Its {@link ProblemType} names the problem ({@code /problems/<slug>}), stable across releases so clients can branch on it.
 */
public class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final ProblemType type;
    private final String title;

    public ApiProblem(HttpStatus status, ProblemType type, String title, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public static ApiProblem notFound(String what, Object id) {
        return new ApiProblem(HttpStatus.NOT_FOUND, ProblemType.NOT_FOUND, what + " not found", "No " + what.toLowerCase() + " with id " + id);
    }

    public static ApiProblem badRequest(ProblemType type, String title, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, type, title, detail);
    }

    public HttpStatus status() {
        return status;
    }

    public ProblemType type() {
        return type;
    }

    public ProblemDetail toProblemDetail() {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, getMessage());
        problem.setType(type.uri());
        problem.setTitle(title);
        return problem;
    }
}
