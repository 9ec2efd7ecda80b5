package io.qaforge.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer-token guard for {@code /api/**}: the API token for users, the worker token for {@code /api/worker/**}.
 * A token that is not configured leaves its paths open (a local, single-user setup); health and docs stay open always.
 */
@Component
class ApiTokenFilter extends OncePerRequestFilter {

    private final SecurityProperties security;
    private final ObjectMapper json;

    ApiTokenFilter(SecurityProperties security, ObjectMapper json) {
        this.security = security;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith(request.getContextPath() + "/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean workerPath = request.getRequestURI().startsWith(request.getContextPath() + "/api/worker/");
        String expected = workerPath ? security.workerToken() : security.apiToken();
        if (!StringUtils.hasText(expected) || matches(request.getHeader(HttpHeaders.AUTHORIZATION), expected)) {
            chain.doFilter(request, response);
            return;
        }
        var problem = new ApiProblem(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
                "Send 'Authorization: Bearer <token>' with the " + (workerPath ? "worker" : "API") + " token").toProblemDetail();
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    private static boolean matches(String header, String expected) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant-time comparison: the time taken says nothing about how much of the token was right.
        return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
