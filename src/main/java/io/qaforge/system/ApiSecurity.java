package io.qaforge.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.util.StringUtils;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer tokens on the API, decided by Spring Security on the same decoded, normalised path the router matches, behind
 * its strict firewall: {@code /api;x/...}, {@code /%61pi/...}, encoded slashes and dot segments can no longer reach a
 * controller while slipping past the check. The API token opens {@code /api/**}, the worker token only
 * {@code /api/worker/**}; a token that is not configured leaves its paths open (a local, single-user setup).
 * Prometheus metrics sit behind the API token unless {@code QAFORGE_METRICS_PUBLIC=true}; health and docs stay open.
 */
@Configuration
class ApiSecurity {

    private static final String API = "API";
    private static final String WORKER = "WORKER";

    @Bean
    SecurityFilterChain apiFilterChain(HttpSecurity http, SecurityProperties tokens, ProblemResponses problems) throws Exception {
        http.csrf(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(new BearerTokens(tokens), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(paths -> {
                    // Error and async dispatches only continue a request that was already let through.
                    paths.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC).permitAll();
                    if (StringUtils.hasText(tokens.workerToken())) {
                        paths.requestMatchers("/api/worker/**").hasAuthority(WORKER);
                    } else {
                        paths.requestMatchers("/api/worker/**").permitAll();
                    }
                    if (StringUtils.hasText(tokens.apiToken())) {
                        paths.requestMatchers("/api/**").hasAuthority(API);
                        if (!tokens.metricsPublic()) {
                            paths.requestMatchers("/actuator/prometheus").hasAuthority(API);
                        }
                    }
                    paths.anyRequest().permitAll();
                })
                .exceptionHandling(errors -> errors
                        .authenticationEntryPoint((request, response, e) -> unauthorized(problems, request, response))
                        .accessDeniedHandler((request, response, e) -> unauthorized(problems, request, response)));
        return http.build();
    }

    /**
     * Whatever the strict firewall refuses gets a 400 problem, not a 500: paths (path parameters, encoded separators, dot
     * segments, NUL, ...) as the request comes in; parameter and header names or values (control or unassigned Unicode
     * characters) only when they are read, by a controller, whose advice hands the refusal back up to this handler.
     */
    @Bean
    RequestRejectedHandler requestRejectedHandler(ProblemResponses problems) {
        return (request, response, rejected) -> problems.write(response, refusal(String.valueOf(rejected.getMessage())));
    }

    /** The firewall tells what it refused only in its message ("... because the parameter name ... is not allowed"). */
    private static ApiProblem refusal(String reason) {
        if (reason.contains("parameter")) {
            return ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter", "A parameter name or value holds characters "
                    + "this API does not accept (control characters or characters Unicode does not assign): send plain names");
        }
        if (reason.contains("header")) {
            return ApiProblem.badRequest(ProblemType.INVALID_HEADER, "Invalid header", "A header name or value holds characters this API "
                    + "does not accept (control characters or characters Unicode does not assign)");
        }
        if (reason.contains("HTTP method")) {
            return ApiProblem.badRequest(ProblemType.INVALID_METHOD, "Invalid method", "The HTTP method is not one this API answers "
                    + "(GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)");
        }
        return ApiProblem.badRequest(ProblemType.INVALID_PATH, "Invalid path",
                "The request path contains characters or segments this API does not accept (';', encoded '/' or '\\', "
                        + "'..', '//', control characters): send the plain path");
    }

    private static void unauthorized(ProblemResponses problems, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        String which = request.getServletPath().startsWith("/api/worker/") ? "worker" : "API";
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        problems.write(response, new ApiProblem(HttpStatus.UNAUTHORIZED, ProblemType.UNAUTHORIZED, "Unauthorized",
                "Send 'Authorization: Bearer <token>' with the " + which + " token"));
    }

    /** Turns a matching bearer token into the authorities it grants; any other request stays anonymous. */
    private static final class BearerTokens extends OncePerRequestFilter {

        private final SecurityProperties tokens;

        BearerTokens(SecurityProperties tokens) {
            this.tokens = tokens;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String header = request.getHeader(HttpHeaders.AUTHORIZATION);
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
                List<SimpleGrantedAuthority> granted = new ArrayList<>(2);
                if (matches(presented, tokens.apiToken())) {
                    granted.add(new SimpleGrantedAuthority(API));
                }
                if (matches(presented, tokens.workerToken())) {
                    granted.add(new SimpleGrantedAuthority(WORKER));
                }
                if (!granted.isEmpty()) {
                    var context = SecurityContextHolder.createEmptyContext();
                    context.setAuthentication(new TokenAuthentication(granted));
                    SecurityContextHolder.setContext(context);
                }
            }
            chain.doFilter(request, response);
        }

        /** Constant time: how long the comparison takes says nothing about how much of the token was right. */
        private static boolean matches(byte[] presented, String expected) {
            return StringUtils.hasText(expected) && MessageDigest.isEqual(presented, expected.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final class TokenAuthentication extends AbstractAuthenticationToken {

        TokenAuthentication(List<SimpleGrantedAuthority> authorities) {
            super(authorities);
            setAuthenticated(true);
        }

        @Override
        public Object getCredentials() {
            return "";
        }

        @Override
        public Object getPrincipal() {
            return "bearer";
        }
    }
}
