package io.qaforge.hub;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * The token a push uses, the caller's or else the service's {@code HF_TOKEN} (never a worker's), checked with the Hub
 * before anything is stored, so a bad one is answered at once (401/403).
 */
@Component
class HubTokens {

    /** The repo to push to, with its owner, and the checked token that will push it. */
    record Access(String repoId, String token) {
        @Override
        public String toString() {
            return "Access[repoId=" + repoId + ", token hidden]";
        }
    }

    /** What a push request may name as its repo: {@code owner/name}, or {@code name} for a repo of the token's user. */
    static final String REPO_ID = "([A-Za-z0-9][\\w.-]*/)?[A-Za-z0-9][\\w.-]*";
    static final String REPO_ID_MESSAGE = "must be 'owner/name' or 'name' (letters, digits, '.', '-', '_')";

    private final HubClient hub;
    private final HubProperties properties;

    HubTokens(HubClient hub, HubProperties properties) {
        this.hub = hub;
        this.properties = properties;
    }

    /** The caller's token, else the service's own. */
    String token(String given) {
        String token = StringUtils.hasText(given) ? given.strip() : properties.token();
        if (!StringUtils.hasText(token)) {
            throw ApiProblem.badRequest(ProblemType.HUB_TOKEN_MISSING, "No Hub token",
                    "Send 'token' with a Hugging Face write token, or configure HF_TOKEN on the service");
        }
        // It goes into an HTTP header, which takes no other characters (found by the API fuzzing).
        if (!token.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_HUB_TOKEN, "Invalid Hub token",
                    "'token' holds characters no Hugging Face token has: send the token as the Hub shows it (letters and digits)");
        }
        return token;
    }

    /** @param repoId {@code owner/name}, or {@code name} for a repo of the token's user */
    Access writer(String repoId, String token) {
        HubClient.Whoami me = whoami(token);
        if (!repoId.contains("/") && me.name() == null) {
            throw ApiProblem.badRequest(ProblemType.INVALID_REPO_ID, "Repo owner needed", "The Hub did not name the token's user: send repoId as 'owner/name'");
        }
        return new Access(repoId.contains("/") ? repoId : me.name() + "/" + repoId, token);
    }

    private HubClient.Whoami whoami(String token) {
        HubClient.Whoami me;
        try {
            me = hub.whoami(token);
        } catch (HubException e) {
            throw switch (e.status()) {
                case 401 -> new ApiProblem(HttpStatus.UNAUTHORIZED, ProblemType.HUB_UNAUTHORIZED, "Hub token rejected",
                        "The Hugging Face Hub did not accept the token (" + e.getMessage() + ")");
                case 403 -> forbidden(e.getMessage());
                default -> new ApiProblem(HttpStatus.BAD_GATEWAY, ProblemType.HUB_UNAVAILABLE, "Hub unavailable",
                        "Could not check the token with the Hugging Face Hub at " + properties.endpoint() + ": " + e.getMessage());
            };
        }
        if ("read".equals(me.role())) {
            throw forbidden("The token can only read; pushing needs a token with write access");
        }
        return me;
    }

    private static ApiProblem forbidden(String detail) {
        return new ApiProblem(HttpStatus.FORBIDDEN, ProblemType.HUB_FORBIDDEN, "Hub token not allowed to push", detail);
    }
}
