package io.qaforge.generation;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * What a user asks for in {@code POST /api/jobs}; unset fields take the reference recipe's defaults.
 *
 * @param temperatures      {@code {"count":9,"min":0.01,"max":1.2}} or an explicit list such as {@code [0.2, 0.7]}
 * @param tokensPerQuestion one question per this many chunk tokens (default 60); ignored when questionsPerChunk is set
 * @param prompts           template text per variant name, overriding (or adding to) the built-in ones
 * @param splitBy           {@code pair} (default) or {@code chunk}
 * @param chunkLimit        only the first N chunks (in document order), to try a job cheaply
 */
record JobRequest(
        @NotEmpty List<UUID> documentIds,
        @NotBlank @Size(max = JobRequest.CONTEXT_MAX_LENGTH) String context,
        @NotBlank String provider,
        @NotBlank String model,
        JsonNode temperatures,
        @Positive Integer tokensPerQuestion,
        @Positive Integer questionsPerChunk,
        List<String> variants,
        Map<String, String> prompts,
        @DecimalMin("0.0") @DecimalMax("1.0") Double testFraction,
        Long seed,
        String splitBy,
        @Positive Integer chunkLimit,
        Boolean dryRun,
        @Positive BigDecimal maxCostUsd,
        @Positive Long maxTokens) {

    static final int CONTEXT_MAX_LENGTH = 1000;
}
