package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.document.DocumentRepository;
import io.qaforge.generation.job.JobPlanner.Judge;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.steps.Coverage;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.generation.steps.Splits;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Checks a job request and completes it with its defaults, without touching the database's state: what is wrong comes
 * back as a 4xx problem in the user's words, what is right as the job's specification and the chunks it covers.
 */
@Component
public class RequestValidator {

    static final int DEFAULT_TOKENS_PER_QUESTION = 60;
    public static final double DEFAULT_TEST_FRACTION = 0.1;
    static final long DEFAULT_SEED = 42;
    /** Calls one job may plan: ten times a million-token book at nine temperatures. */
    static final int MAX_TASKS = 200_000;
    static final List<String> FACT_VARIANTS = List.of("forward", "reverse", "top-up");

    /** A valid request: the job's specification, its chunks, and what sizes its calls. */
    record Valid(JobSpec spec, List<ChunkRepository.Size> chunks, int tokensPerQuestion, boolean json) {
    }

    private final Providers providers;
    private final DocumentRepository documents;
    private final ChunkRepository chunks;

    RequestValidator(Providers providers, DocumentRepository documents, ChunkRepository chunks) {
        this.providers = providers;
        this.documents = documents;
        this.chunks = chunks;
    }

    Valid validate(JobRequest request) {
        ProviderClient provider = providers.require(request.provider(), request.model());
        Strategy strategy = Strategy.parse(request.strategy());
        Mode mode = Mode.parse(request.mode());
        if (mode == Mode.BATCH && !provider.config.batch()) {
            throw ApiProblem.badRequest(ProblemType.BATCH_UNSUPPORTED, "Provider has no Batch API",
                    "Provider '" + request.provider() + "' does not take batches (qaforge.generation.providers."
                            + request.provider() + ".batch is false); use \"mode\": \"sync\"");
        }
        List<BigDecimal> temperatures = Temperatures.expand(request.temperatures());
        Judge judge = judge(request, strategy);
        Coverage coverage = coverage(request.coverage(), strategy);
        Splits.By splitBy = splitBy(request.splitBy(), strategy);
        String language = Languages.parse(request.language());
        Study study = Study.parse(request.study(), strategy);
        requirePrices(request.maxCostUsd(), request.provider(), request.model(), judge);
        int tokensPerQuestion = request.tokensPerQuestion() == null ? DEFAULT_TOKENS_PER_QUESTION : request.tokensPerQuestion();
        boolean json = provider.config.structuredOutput();
        List<ChunkRepository.Size> selected = chunks(request);

        List<String> variants;
        Map<String, String> templates = new LinkedHashMap<>();
        if (strategy == Strategy.FACTS) {
            if (request.variants() != null && !request.variants().isEmpty() || request.prompts() != null && !request.prompts().isEmpty()) {
                throw ApiProblem.badRequest(ProblemType.RECIPE_ONLY, "Variants and prompts are for recipe jobs",
                        "A fact job asks for pairs per fact and direction with its own prompts; "
                                + "set \"strategy\": \"recipe\" to use variants and prompt templates");
            }
            variants = FACT_VARIANTS;
            templates.put(Prompts.FACTS, Prompts.FACTS_TEMPLATE);
            templates.put(Prompts.PAIRS, Prompts.FACT_PAIRS_TEMPLATE);
        } else {
            variants = variants(request);
            templates.putAll(recipeTemplates(request, variants));
        }
        long planned = strategy == Strategy.FACTS
                ? (long) selected.size() * (1 + temperatures.size() * (judge == null ? 1 : 2))
                : (long) selected.size() * temperatures.size() * variants.size() * (judge == null ? 1 : 2);
        planned += study == null ? 0 : (long) selected.size() * study.perChunk() * (judge == null ? 1 : 2);
        if (planned > MAX_TASKS) {
            throw ApiProblem.badRequest(ProblemType.TOO_MANY_TASKS, "Too many tasks", "The job would make " + planned + " calls ("
                    + selected.size() + " chunks × " + (strategy == Strategy.FACTS ? "a facts call and " + temperatures.size()
                    + " temperatures" : temperatures.size() + " temperatures × " + variants.size() + " variants")
                    + (judge == null ? "" : ", each pair call graded by the judge") + "); at most " + MAX_TASKS
                    + " are allowed: use chunkLimit, fewer temperatures or variants, or several jobs");
        }
        var params = new JobParams(request.documentIds(), temperatures, request.questionsPerChunk() == null ? tokensPerQuestion : null,
                request.questionsPerChunk(), variants, templates,
                request.testFraction() == null ? DEFAULT_TEST_FRACTION : request.testFraction(),
                request.seed() == null ? DEFAULT_SEED : request.seed(), splitBy, request.chunkLimit(), strategy, judge, coverage, mode,
                language, study);
        var spec = new JobSpec(null, request.provider(), request.model(), request.context(), params);
        return new Valid(spec, selected, tokensPerQuestion, json);
    }

    /** The judge a request asks for: on by default for fact jobs, with the job's own provider and model. */
    private Judge judge(JobRequest request, Strategy strategy) {
        JsonNode spec = request.judge();
        if (spec == null || spec.isNull()) {
            return strategy == Strategy.FACTS ? new Judge(request.provider(), request.model(), Prompts.JUDGE_TEMPLATE) : null;
        }
        if (spec.isBoolean()) {
            return spec.booleanValue() ? new Judge(request.provider(), request.model(), Prompts.JUDGE_TEMPLATE) : null;
        }
        if (!spec.isObject() || spec.size() > 2 || !spec.path("provider").isString() || !spec.path("model").isString()) {
            throw ApiProblem.badRequest(ProblemType.INVALID_JUDGE, "Invalid judge",
                    "judge is true, false or {\"provider\": \"...\", \"model\": \"...\"}");
        }
        String provider = spec.get("provider").asString(), model = spec.get("model").asString();
        providers.require(provider, model);
        return new Judge(provider, model, Prompts.JUDGE_TEMPLATE);
    }

    private static Coverage coverage(JobRequest.Coverage requested, Strategy strategy) {
        if (requested == null) {
            return strategy == Strategy.FACTS ? Coverage.DEFAULT : null;
        }
        if (strategy != Strategy.FACTS) {
            throw ApiProblem.badRequest(ProblemType.INVALID_COVERAGE, "Coverage is for fact jobs", "A recipe job has no facts to cover");
        }
        int phrasings = requested.phrasings() == null ? Coverage.DEFAULT.phrasings() : requested.phrasings();
        int reverse = requested.reverse() == null ? Math.min(Coverage.DEFAULT.reverse(), phrasings) : requested.reverse();
        if (reverse > phrasings) {
            throw ApiProblem.badRequest(ProblemType.INVALID_COVERAGE, "Invalid coverage",
                    "coverage.reverse (" + reverse + ") counts among the phrasings (" + phrasings + ") and cannot exceed them");
        }
        return new Coverage(phrasings, reverse);
    }

    void requirePrices(BigDecimal maxCostUsd, String provider, String model, Judge judge) {
        if (maxCostUsd == null) {
            return;
        }
        requirePrice(provider, model);
        if (judge != null) {
            requirePrice(judge.provider(), judge.model());
        }
    }

    private void requirePrice(String provider, String model) {
        if (providers.price(provider, model) == null) {
            throw ApiProblem.badRequest(ProblemType.NO_PRICE, "No price for this model",
                    "maxCostUsd needs a price for '" + model + "' in qaforge.generation.providers." + provider + ".prices");
        }
    }

    private static Map<String, String> recipeTemplates(JobRequest request, List<String> variants) {
        Map<String, String> overrides = request.prompts() == null ? Map.of() : request.prompts();
        overrides.forEach((variant, text) -> {
            if (text == null || !text.contains("{chunk}")) {
                throw ApiProblem.badRequest(ProblemType.INVALID_PROMPT, "Invalid prompt template",
                        "The template for variant '" + variant + "' must contain {chunk} (and may use {context} and {n})");
            }
        });
        // The job keeps the full text of every template it uses: its prompts stay on record (dataset cards, reruns)
        // even when the built-in templates change in a later release.
        Map<String, String> templates = new LinkedHashMap<>();
        for (String variant : variants) {
            String template = Prompts.template(variant, overrides);
            if (template == null) {
                throw ApiProblem.badRequest(ProblemType.UNKNOWN_VARIANT, "Unknown prompt variant", "No template for variant '" + variant
                        + "': use one of " + String.join(", ", Prompts.BUILT_IN) + " or give its text in 'prompts'");
            }
            templates.put(variant, template);
        }
        return templates;
    }

    private static List<String> variants(JobRequest request) {
        if (request.variants() == null || request.variants().isEmpty()) {
            return Prompts.DEFAULT_VARIANTS;
        }
        var distinct = new LinkedHashSet<String>();
        for (String variant : request.variants()) {
            if (variant == null || !variant.matches("[a-z0-9_-]{1,40}")) {
                throw ApiProblem.badRequest(ProblemType.UNKNOWN_VARIANT, "Invalid prompt variant",
                        "Variant names are 1-40 characters of a-z, 0-9, '_' and '-'");
            }
            distinct.add(variant);
        }
        return List.copyOf(distinct);
    }

    private static Splits.By splitBy(String value, Strategy strategy) {
        if (value == null || value.isBlank()) {
            return strategy == Strategy.FACTS ? Splits.By.FACT : Splits.By.PAIR;
        }
        Splits.By by;
        try {
            by = Splits.By.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest(ProblemType.INVALID_SPLIT, "Invalid splitBy", "splitBy is 'fact', 'pair' or 'chunk', was '" + value + "'");
        }
        if (by == Splits.By.FACT && strategy != Strategy.FACTS) {
            throw ApiProblem.badRequest(ProblemType.INVALID_SPLIT, "Invalid splitBy", "splitBy 'fact' needs a fact job (strategy 'facts')");
        }
        return by;
    }

    private List<ChunkRepository.Size> chunks(JobRequest request) {
        List<ChunkRepository.Size> selected = new ArrayList<>();
        documents.requireReady(request.documentIds());
        for (UUID id : new LinkedHashSet<>(request.documentIds())) {
            if (id == null || !documents.existsById(id)) {
                throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.UNKNOWN_DOCUMENT, "Unknown document",
                        "No document with id " + id);
            }
            selected.addAll(chunks.findSizesByDocumentIdOrderByOrdinal(id));
        }
        if (request.chunkLimit() != null && selected.size() > request.chunkLimit()) {
            selected = selected.subList(0, request.chunkLimit());
        }
        if (selected.isEmpty()) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.NO_CHUNKS, "Nothing to generate from",
                    "The documents have no chunks of text");
        }
        return selected;
    }
}
