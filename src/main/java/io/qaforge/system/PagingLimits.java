package io.qaforge.system;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.domain.Pageable;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.util.UriUtils;

/**
 * {@code page} and {@code size} must be whole numbers whose product (the row offset) fits the database's integer
 * range; Spring would otherwise quietly read {@code page=abc} as 0, or fail deep inside the query with a 500.
 */
@Configuration
class PagingLimits implements WebMvcConfigurer, HandlerInterceptor {

    /** Comma-separated property paths and directions, as Spring Data reads a {@code sort}. */
    private static final Pattern SORT = Pattern.compile("[\\w.,]*");

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/api/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (handler instanceof HandlerMethod method && pageable(method)) {
            long page = whole(request, "page", 0);
            long size = whole(request, "size", 1);
            if (page * size > Integer.MAX_VALUE) {
                throw ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter",
                        "page × size (the first row's offset) must stay below " + Integer.MAX_VALUE);
            }
            // Spring Data decodes each sort once more: a stray '%' would fail there with a 500 (found by the API fuzzing).
            // Spring Data JPA 4 fails with a 500 too on a property with punctuation or spaces, before it would look it up.
            for (String sort : Objects.requireNonNullElse(request.getParameterValues("sort"), new String[0])) {
                try {
                    if (!SORT.matcher(UriUtils.decode(sort, StandardCharsets.UTF_8)).matches()) {
                        throw new IllegalArgumentException(sort);
                    }
                } catch (IllegalArgumentException e) {
                    throw ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter",
                            "sort must be a property name, optionally followed by ',asc' or ',desc', was '" + sort + "'");
                }
            }
        }
        return true;
    }

    private static boolean pageable(HandlerMethod method) {
        return Arrays.stream(method.getMethodParameters()).anyMatch(p -> Pageable.class.isAssignableFrom(p.getParameterType()));
    }

    private static long whole(HttpServletRequest request, String name, long min) {
        String value = request.getParameter(name);
        if (value == null || value.isBlank()) {
            return min;
        }
        try {
            long number = Long.parseLong(value.strip());
            if (number >= min && number <= Integer.MAX_VALUE) {
                return number;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter",
                name + " must be a whole number from " + min + " to " + Integer.MAX_VALUE + ", was '" + value + "'");
    }
}
