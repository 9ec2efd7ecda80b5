package io.qaforge.system;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A failure the caller can act on, answered as RFC 9457 problem+json.
 * The {@code slug} names the problem type ({@code /problems/<slug>}), stable across releases so clients can branch on it.
 */
public class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final String slug;
    private final String title;

    public ApiProblem(HttpStatus status, String slug, String title, String detail) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public static ApiProblem notFound(String what, Object id) {
        return new ApiProblem(HttpStatus.NOT_FOUND, "not-found", what + " not found", "No " + what.toLowerCase() + " with id " + id);
    }

    public static ApiProblem badRequest(String slug, String title, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, slug, title, detail);
    }

    public HttpStatus status() {
        return status;
    }

    public ProblemDetail toProblemDetail() {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, getMessage());
        problem.setType(typeUri(slug));
        problem.setTitle(title);
        return problem;
    }

    static URI typeUri(String slug) {
        return URI.create("/problems/" + slug);
    }
}
