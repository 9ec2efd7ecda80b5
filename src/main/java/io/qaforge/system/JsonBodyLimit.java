package io.qaforge.system;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps JSON request bodies (uploads have their own multipart limit): every JSON endpoint takes a few kilobytes, so a
 * multi-megabyte body is a mistake or an attack, refused before it is parsed into memory. A declared length is checked
 * at once; a chunked body is counted as it is read.
 */
@Component
class JsonBodyLimit extends OncePerRequestFilter {

    /**
     * @param maxJsonBody       the largest JSON request body accepted ({@code QAFORGE_MAX_JSON_BODY})
     * @param maxWorkerJsonBody the same for the worker API, whose {@code complete} carries every answer of an exam
     *                          (three phases each) and the report: megabytes for a large exam, from a token holder
     */
    @ConfigurationProperties("qaforge.http")
    record Properties(@DefaultValue("2MB") DataSize maxJsonBody, @DefaultValue("64MB") DataSize maxWorkerJsonBody) {
    }

    /** Raised while reading a body that turned out longer than the limit. */
    static final class TooLarge extends IOException {
        final long limit;

        TooLarge(long limit) {
            super("JSON body larger than " + limit + " bytes");
            this.limit = limit;
        }
    }

    private final long limit;
    private final long workerLimit;
    private final ProblemResponses problems;

    JsonBodyLimit(Properties properties, ProblemResponses problems) {
        this.limit = properties.maxJsonBody().toBytes();
        this.workerLimit = properties.maxWorkerJsonBody().toBytes();
        this.problems = problems;
    }

    static ApiProblem problem(long limit) {
        return new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, ProblemType.REQUEST_TOO_LARGE, "Request body too large",
                "JSON request bodies are limited to " + limit + " bytes (qaforge.http.max-json-body, or max-worker-json-body for the worker API)");
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String type = request.getContentType();
        return type == null || !MediaType.APPLICATION_JSON.isCompatibleWith(MediaType.parseMediaType(type));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = request.getServletPath().startsWith("/api/worker/") ? workerLimit : this.limit;
        if (request.getContentLengthLong() > limit) {
            problems.write(response, problem(limit));
            return;
        }
        chain.doFilter(new HttpServletRequestWrapper(request) {
            private ServletInputStream counted;

            @Override
            public ServletInputStream getInputStream() throws IOException {
                if (counted == null) {
                    counted = new Counted(super.getInputStream(), limit);
                }
                return counted;
            }
        }, response);
    }

    private static final class Counted extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        Counted(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                throw new TooLarge(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
