package io.qaforge.generation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.document.DocumentRepository;
import io.qaforge.document.TokenCounter;
import io.qaforge.system.ApiProblem;

/**
 * Validates a job request and works out its tasks and what they will cost, without touching the database's state:
 * the estimate endpoint and job creation share it, so the number a user sees is the number the job reserves.
 */
@Component
class JobPlanner {

    static final int DEFAULT_TOKENS_PER_QUESTION = 60;
    static final double DEFAULT_TEST_FRACTION = 0.1;
    static final long DEFAULT_SEED = 42;
    /** Completion tokens one question/answer pair takes on average in the answers of current chat models. */
    static final int EXPECTED_TOKENS_PER_PAIR = 45;
    /** Chat formatting tokens around each message. */
    static final int MESSAGE_OVERHEAD_TOKENS = 8;
    /** Tasks (chunks × temperatures × variants) one job may have: ten times a million-token book at nine temperatures. */
    static final int MAX_TASKS = 200_000;

    record Params(List<UUID> documentIds, List<BigDecimal> temperatures, Integer tokensPerQuestion, Integer questionsPerChunk,
                  List<String> variants, Map<String, String> prompts, double testFraction, long seed, Splits.By splitBy,
                  Integer chunkLimit) {
    }

    record Estimate(int chunks, long requests, long questions, long promptTokens, long expectedCompletionTokens,
                    BigDecimal costUsd, boolean priced) {
    }

    record PlannedTask(long chunkId, BigDecimal temperature, String variant, int questions, int estTokens, BigDecimal estCost) {
    }

    record Plan(JobRequest request, Params params, Estimate estimate, List<PlannedTask> tasks) {
    }

    private final Providers providers;
    private final DocumentRepository documents;
    private final ChunkRepository chunks;
    private final TokenCounter tokens;

    JobPlanner(Providers providers, DocumentRepository documents, ChunkRepository chunks, TokenCounter tokens) {
        this.providers = providers;
        this.documents = documents;
        this.chunks = chunks;
        this.tokens = tokens;
    }

    Plan plan(JobRequest request) {
        ProviderClient provider = providers.require(request.provider(), request.model());
        List<BigDecimal> temperatures = Temperatures.expand(request.temperatures());
        List<String> variants = variants(request);
        Map<String, String> overrides = request.prompts() == null ? Map.of() : request.prompts();
        overrides.forEach((variant, text) -> {
            if (text == null || !text.contains("{chunk}")) {
                throw ApiProblem.badRequest("invalid-prompt", "Invalid prompt template",
                        "The template for variant '" + variant + "' must contain {chunk} (and may use {context} and {n})");
            }
        });
        // The job keeps the full text of every template it uses: its prompts stay on record (dataset cards, reruns)
        // even when the built-in templates change in a later release.
        Map<String, String> templates = new LinkedHashMap<>();
        for (String variant : variants) {
            String template = Prompts.template(variant, overrides);
            if (template == null) {
                throw ApiProblem.badRequest("unknown-variant", "Unknown prompt variant", "No template for variant '" + variant
                        + "': use one of " + String.join(", ", Prompts.BUILT_IN) + " or give its text in 'prompts'");
            }
            templates.put(variant, template);
        }
        Splits.By splitBy = splitBy(request.splitBy());
        List<ChunkRepository.Size> selected = chunks(request);
        long planned = (long) selected.size() * temperatures.size() * variants.size();
        if (planned > MAX_TASKS) {
            throw ApiProblem.badRequest("too-many-tasks", "Too many tasks", "The job would have " + planned + " tasks ("
                    + selected.size() + " chunks × " + temperatures.size() + " temperatures × " + variants.size()
                    + " variants); at most " + MAX_TASKS + " are allowed: use chunkLimit, fewer temperatures or variants, or several jobs");
        }
        GenerationProperties.Price price = provider.config.prices().get(request.model());
        if (request.maxCostUsd() != null && price == null) {
            throw ApiProblem.badRequest("no-price", "No price for this model",
                    "maxCostUsd needs a price for '" + request.model() + "' in qaforge.generation.providers."
                            + request.provider() + ".prices");
        }
        int tokensPerQuestion = request.tokensPerQuestion() == null ? DEFAULT_TOKENS_PER_QUESTION : request.tokensPerQuestion();
        boolean json = provider.config.structuredOutput();

        Map<String, Integer> overhead = new HashMap<>();
        List<PlannedTask> tasks = new ArrayList<>((int) planned);
        long questions = 0, promptTokens = 0, completionTokens = 0;
        BigDecimal cost = BigDecimal.ZERO;
        for (ChunkRepository.Size chunk : selected) {
            int n = request.questionsPerChunk() != null ? request.questionsPerChunk()
                    : Math.max(1, Math.round((float) chunk.getTokens() / tokensPerQuestion));
            for (String variant : variants) {
                // The template's own tokens once per variant, plus the chunk's (counted at ingestion with the same encoding).
                int prompt = overhead.computeIfAbsent(variant + "/" + n, key -> MESSAGE_OVERHEAD_TOKENS
                        + tokens.count(Prompts.render(templates.get(variant), request.context(), "", n, json)))
                        + chunk.getTokens();
                int completion = n * EXPECTED_TOKENS_PER_PAIR;
                BigDecimal taskCost = price == null ? BigDecimal.ZERO : price.cost(prompt, completion);
                for (BigDecimal temperature : temperatures) {
                    tasks.add(new PlannedTask(chunk.getId(), temperature, variant, n, prompt + completion, taskCost));
                    questions += n;
                    promptTokens += prompt;
                    completionTokens += completion;
                    cost = cost.add(taskCost);
                }
            }
        }
        var params = new Params(request.documentIds(), temperatures, request.questionsPerChunk() == null ? tokensPerQuestion : null,
                request.questionsPerChunk(), variants, templates,
                request.testFraction() == null ? DEFAULT_TEST_FRACTION : request.testFraction(),
                request.seed() == null ? DEFAULT_SEED : request.seed(), splitBy, request.chunkLimit());
        var estimate = new Estimate(selected.size(), tasks.size(), questions, promptTokens, completionTokens,
                cost.setScale(6, RoundingMode.HALF_UP), price != null);
        return new Plan(request, params, estimate, tasks);
    }

    private static List<String> variants(JobRequest request) {
        if (request.variants() == null || request.variants().isEmpty()) {
            return Prompts.DEFAULT_VARIANTS;
        }
        var distinct = new LinkedHashSet<String>();
        for (String variant : request.variants()) {
            if (variant == null || !variant.matches("[a-z0-9_-]{1,40}")) {
                throw ApiProblem.badRequest("unknown-variant", "Invalid prompt variant",
                        "Variant names are 1-40 characters of a-z, 0-9, '_' and '-'");
            }
            distinct.add(variant);
        }
        return List.copyOf(distinct);
    }

    private static Splits.By splitBy(String value) {
        if (value == null || value.isBlank()) {
            return Splits.By.PAIR;
        }
        try {
            return Splits.By.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("invalid-split", "Invalid splitBy", "splitBy is 'pair' or 'chunk', was '" + value + "'");
        }
    }

    private List<ChunkRepository.Size> chunks(JobRequest request) {
        List<ChunkRepository.Size> selected = new ArrayList<>();
        documents.requireReady(request.documentIds());
        for (UUID id : new LinkedHashSet<>(request.documentIds())) {
            if (id == null || !documents.existsById(id)) {
                throw new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "unknown-document", "Unknown document",
                        "No document with id " + id);
            }
            selected.addAll(chunks.findSizesByDocumentIdOrderByOrdinal(id));
        }
        if (request.chunkLimit() != null && selected.size() > request.chunkLimit()) {
            selected = selected.subList(0, request.chunkLimit());
        }
        if (selected.isEmpty()) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "no-chunks", "Nothing to generate from",
                    "The documents have no chunks of text");
        }
        return selected;
    }
}
