package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/**
 * What a user asks for in {@code POST /api/jobs}; unset fields take the defaults the README describes. Every number and
 * every list has a bound (the README's limits table): estimates stay exact and a request cannot make the planner build
 * millions of tasks.
 *
 * @param temperatures      {@code {"count":9,"min":0.01,"max":1.2}} or an explicit list such as {@code [0.2, 0.7]}
 * @param tokensPerQuestion one question per this many chunk tokens (default 60); ignored when questionsPerChunk is set
 * @param prompts           template text per variant name, overriding (or adding to) the built-in ones
 * @param splitBy           {@code fact} (default for fact jobs: held-out phrasings of each fact, leaks removed),
 *                          {@code pair} (default for recipe jobs) or {@code chunk}
 * @param chunkLimit        only the first N chunks (in document order), to try a job cheaply
 * @param strategy          {@code facts} (default: a facts step per chunk, pairs per fact and direction, coverage
 *                          top-ups) or {@code recipe} (chunk × temperature × variant, as the reference recipe)
 * @param judge             {@code true}, {@code false} or {@code {"provider": …, "model": …}}; on by default for fact
 *                          jobs, with the job's own provider and model
 * @param coverage          accepted phrasings per fact, and how many of them in the reverse direction (fact jobs)
 * @param mode              {@code sync} (default) or {@code batch}: through the provider's Batch API, at its batch price
 */
public record JobRequest(
        @NotEmpty @Size(max = MAX_DOCUMENTS) List<UUID> documentIds,
        @NotBlank @Size(max = CONTEXT_MAX_LENGTH) String context,
        @NotBlank @Size(max = 100) String provider,
        @NotBlank @Size(max = 200) String model,
        JsonNode temperatures,
        @Positive @Max(100_000) Integer tokensPerQuestion,
        @Positive @Max(MAX_QUESTIONS_PER_CHUNK) Integer questionsPerChunk,
        @Size(max = MAX_VARIANTS) List<String> variants,
        @Size(max = MAX_VARIANTS) Map<String, @Size(max = MAX_TEMPLATE_CHARS) String> prompts,
        @DecimalMin("0.0") @DecimalMax("1.0") Double testFraction,
        Long seed,
        @Size(max = 20) String splitBy,
        @Positive @Max(1_000_000) Integer chunkLimit,
        Boolean dryRun,
        @Positive @DecimalMax(MAX_COST_USD) BigDecimal maxCostUsd,
        @Positive @Max(MAX_TOKENS) Long maxTokens,
        @Size(max = 20) String strategy,
        JsonNode judge,
        @Valid Coverage coverage,
        @Size(max = 20) String mode) {

    record Coverage(@Positive @Max(MAX_PHRASINGS) Integer phrasings, @PositiveOrZero @Max(MAX_PHRASINGS) Integer reverse) {
    }

    public static final int CONTEXT_MAX_LENGTH = 1000;
    static final int MAX_DOCUMENTS = 100;
    static final int MAX_QUESTIONS_PER_CHUNK = 100;
    static final int MAX_VARIANTS = 20;
    static final int MAX_TEMPLATE_CHARS = 20_000;
    /** Below what {@code numeric(14, 6)} holds. */
    public static final String MAX_COST_USD = "1000000";
    static final long MAX_TOKENS = 1_000_000_000_000L;
    public static final int MAX_PHRASINGS = 100;
}
