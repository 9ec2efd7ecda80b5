package io.qaforge.generation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.document.DocumentRepository;
import io.qaforge.document.TokenCounter;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Validates a job request and works out its first tasks and what the whole job will cost, without touching the
 * database's state: the estimate endpoint and job creation share it, so the number a user sees is the number the job
 * reserves. A recipe job's tasks are all known up front; a fact job starts with one facts task per chunk, and its pair,
 * judge and top-up tasks are added as answers come in (each estimated the same way, by {@link #call}).
 */
@Component
class JobPlanner {

    static final int DEFAULT_TOKENS_PER_QUESTION = 60;
    static final double DEFAULT_TEST_FRACTION = 0.1;
    static final long DEFAULT_SEED = 42;
    /** Completion tokens one question/answer pair takes on average in the answers of current chat models. */
    static final int EXPECTED_TOKENS_PER_PAIR = 45;
    /** Tokens of one listed fact, in a facts call's answer and in the prompts that carry it. */
    static final int EXPECTED_TOKENS_PER_FACT = 25;
    /** Completion tokens of one judge verdict line. */
    static final int EXPECTED_TOKENS_PER_VERDICT = 12;
    /** The share of asked-for pairs a fact job expects to accept (gate and judge): it sizes the expected top-ups. */
    static final double EXPECTED_YIELD = 0.7;
    /** Chat formatting tokens around each message. */
    static final int MESSAGE_OVERHEAD_TOKENS = 8;
    /** Calls one job may plan: ten times a million-token book at nine temperatures. */
    static final int MAX_TASKS = 200_000;
    static final List<String> FACT_VARIANTS = List.of("forward", "reverse", "top-up");

    /**
     * What a job was asked to do, kept with it. Jobs stored before fact jobs have no strategy, judge or coverage.
     *
     * @param prompts every template the job uses (recipe: by variant; fact job: {@code facts} and {@code pairs})
     */
    record Params(List<UUID> documentIds, List<BigDecimal> temperatures, Integer tokensPerQuestion, Integer questionsPerChunk,
                  List<String> variants, Map<String, String> prompts, double testFraction, long seed, Splits.By splitBy,
                  Integer chunkLimit, Strategy strategy, Judge judge, Coverage coverage, Mode mode) {

        boolean facts() {
            return strategy == Strategy.FACTS;
        }

        /** Jobs stored before batch mode have no mode: they ran synchronously. */
        boolean batch() {
            return mode == Mode.BATCH;
        }
    }

    /** The model that grades a job's pairs, and the template it grades them with. */
    record Judge(String provider, String model, String prompt) {
    }

    record PlannedTask(long chunkId, BigDecimal temperature, String variant, String kind, int questions, int estTokens,
                       BigDecimal estCost) {
    }

    /**
     * @param jobFacts a remediation job's facts (parent's fact ids by chunk); empty otherwise
     */
    record Plan(JobRequest request, Params params, Estimate estimate, List<PlannedTask> tasks, UUID parentJobId,
                Map<Long, List<Long>> jobFacts) {
    }

    /** One call's expected tokens and price (zero when unpriced). */
    record Call(int promptTokens, int completionTokens, BigDecimal cost, boolean priced) {
        int tokens() {
            return promptTokens + completionTokens;
        }
    }

    private final Providers providers;
    private final DocumentRepository documents;
    private final ChunkRepository chunks;
    private final TokenCounter tokens;
    private final Map<String, Integer> templateTokens = new java.util.concurrent.ConcurrentHashMap<>();

    JobPlanner(Providers providers, DocumentRepository documents, ChunkRepository chunks, TokenCounter tokens) {
        this.providers = providers;
        this.documents = documents;
        this.chunks = chunks;
        this.tokens = tokens;
    }

    Plan plan(JobRequest request) {
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
        if (planned > MAX_TASKS) {
            throw ApiProblem.badRequest(ProblemType.TOO_MANY_TASKS, "Too many tasks", "The job would make " + planned + " calls ("
                    + selected.size() + " chunks × " + (strategy == Strategy.FACTS ? "a facts call and " + temperatures.size()
                    + " temperatures" : temperatures.size() + " temperatures × " + variants.size() + " variants")
                    + (judge == null ? "" : ", each pair call graded by the judge") + "); at most " + MAX_TASKS
                    + " are allowed: use chunkLimit, fewer temperatures or variants, or several jobs");
        }
        var params = new Params(request.documentIds(), temperatures, request.questionsPerChunk() == null ? tokensPerQuestion : null,
                request.questionsPerChunk(), variants, templates,
                request.testFraction() == null ? DEFAULT_TEST_FRACTION : request.testFraction(),
                request.seed() == null ? DEFAULT_SEED : request.seed(), splitBy, request.chunkLimit(), strategy, judge, coverage, mode);
        var spec = new JobStore.Spec(null, request.provider(), request.model(), request.context(), params);

        Tally tally = new Tally();
        List<PlannedTask> tasks = new ArrayList<>();
        for (ChunkRepository.Size chunk : selected) {
            int n = request.questionsPerChunk() != null ? request.questionsPerChunk()
                    : Math.max(1, Math.round((float) chunk.getTokens() / tokensPerQuestion));
            if (strategy == Strategy.FACTS) {
                Call facts = factsCall(spec, json, chunk.getTokens(), n);
                tasks.add(new PlannedTask(chunk.getId(), BigDecimal.ZERO.setScale(3), Prompts.FACTS, "facts", n, facts.tokens(), facts.cost()));
                tally.add(facts, n, "facts");
                factJobChunk(spec, json, chunk.getTokens(), n, n, temperatures.size(), tally);
            } else {
                for (String variant : variants) {
                    Call pairs = recipeCall(spec, json, variant, chunk.getTokens(), n);
                    for (BigDecimal temperature : temperatures) {
                        tasks.add(new PlannedTask(chunk.getId(), temperature, variant, "pairs", n, pairs.tokens(), pairs.cost()));
                        tally.add(pairs, n, "pairs");
                        if (judge != null) {
                            tally.add(judgeCall(spec, json, chunk.getTokens(), n), 0, "judge");
                        }
                    }
                }
            }
        }
        return new Plan(request, params, tally.estimate(selected.size()), tasks, null, Map.of());
    }

    /**
     * A remediation job: more phrasings of some of a job's facts (fact jobs) or chunks (recipe jobs), at temperatures
     * the parent did not use, in both directions, with the parent's documents, provider, model, context, prompts, judge
     * and coverage. Its own pairs all train (the parent's test split stays the exam), and none may be a near-duplicate of
     * the parent's test questions.
     *
     * @param factsByChunk     the targeted facts of a fact job, by chunk; the chunks of a recipe job with no facts
     * @param usedTemperatures what the parent (and the jobs it tops up) asked at, for the new job to avoid
     */
    Plan planTopUp(UUID parentId, JobStore.Spec parent, Map<Long, List<Long>> factsByChunk, BigDecimal maxCostUsd,
                   Collection<BigDecimal> usedTemperatures) {
        Params p = parent.params();
        ProviderClient provider = providers.require(parent.provider(), parent.model());
        requirePrices(maxCostUsd, parent.provider(), parent.model(), p.judge());
        boolean json = provider.config.structuredOutput();
        List<BigDecimal> temperatures = Temperatures.fresh(usedTemperatures, p.temperatures().size());
        var params = new Params(p.documentIds(), temperatures, p.tokensPerQuestion(), p.questionsPerChunk(), p.variants(), p.prompts(),
                0, p.seed(), p.facts() ? Splits.By.FACT : Splits.By.PAIR, null, p.facts() ? Strategy.FACTS : Strategy.RECIPE,
                p.judge(), p.coverage(), p.mode());
        var spec = new JobStore.Spec(null, parent.provider(), parent.model(), parent.context(), params);
        Map<Long, Integer> sizes = new HashMap<>();
        chunks.findSizesByIdIn(factsByChunk.keySet()).forEach(size -> sizes.put(size.getId(), size.getTokens()));
        Tally tally = new Tally();
        List<PlannedTask> tasks = new ArrayList<>();
        for (var target : factsByChunk.entrySet()) {
            int chunkTokens = sizes.get(target.getKey());
            if (params.facts()) {
                int facts = target.getValue().size();
                List<String> directions = params.coverage().sweepDirections(temperatures.size());
                Call call = factPairsCall(spec, json, chunkTokens, facts, facts);
                for (int i = 0; i < temperatures.size(); i++) {
                    tasks.add(new PlannedTask(target.getKey(), temperatures.get(i), directions.get(i), "pairs", facts, call.tokens(), call.cost()));
                }
                factJobChunk(spec, json, chunkTokens, facts, facts, temperatures.size(), tally);
            } else {
                int n = p.questionsPerChunk() != null ? p.questionsPerChunk()
                        : Math.max(1, Math.round((float) chunkTokens / (p.tokensPerQuestion() == null ? DEFAULT_TOKENS_PER_QUESTION : p.tokensPerQuestion())));
                for (String variant : p.variants()) {
                    Call call = recipeCall(spec, json, variant, chunkTokens, n);
                    for (BigDecimal temperature : temperatures) {
                        tasks.add(new PlannedTask(target.getKey(), temperature, variant, "pairs", n, call.tokens(), call.cost()));
                        tally.add(call, n, "pairs");
                        if (p.judge() != null) {
                            tally.add(judgeCall(spec, json, chunkTokens, n), 0, "judge");
                        }
                    }
                }
            }
        }
        var request = new JobRequest(p.documentIds(), parent.context(), parent.provider(), parent.model(), null, null, null,
                null, null, null, null, null, null, null, maxCostUsd, null, null, null, null, p.batch() ? Mode.BATCH.column() : null);
        return new Plan(request, params, tally.estimate(factsByChunk.size()), tasks, parentId,
                params.facts() ? factsByChunk : Map.of());
    }

    /** A fact job's calls for one chunk after its facts step: the sweep, the judge, the expected top-up rounds. */
    private void factJobChunk(JobStore.Spec spec, boolean json, int chunkTokens, int facts, int perCall, int temperatures, Tally tally) {
        Judge judge = spec.params().judge();
        Call sweep = factPairsCall(spec, json, chunkTokens, facts, perCall);
        for (int i = 0; i < temperatures; i++) {
            tally.add(sweep, perCall, "pairs");
            if (judge != null) {
                tally.add(judgeCall(spec, json, chunkTokens, perCall), 0, "judge");
            }
        }
        for (int asked : spec.params().coverage().expectedTopUps(temperatures, EXPECTED_YIELD)) {
            tally.add(factPairsCall(spec, json, chunkTokens, facts, asked * facts), asked * facts, "topUp");
            if (judge != null) {
                tally.add(judgeCall(spec, json, chunkTokens, asked * facts), 0, "judge");
            }
        }
    }

    Call factsCall(JobStore.Spec spec, boolean json, int chunkTokens, int facts) {
        int prompt = overhead(Prompts.facts(Prompts.FACTS_TEMPLATE, spec.context(), "", facts, json)) + chunkTokens;
        return price(spec, spec.provider(), spec.model(), prompt, facts * EXPECTED_TOKENS_PER_FACT);
    }

    /** A fact job's pair call: its template, the chunk, the facts it carries and the pairs it asks for. */
    Call factPairsCall(JobStore.Spec spec, boolean json, int chunkTokens, int facts, int pairs) {
        int prompt = overhead(Prompts.factPairs(Prompts.FACT_PAIRS_TEMPLATE, spec.context(), "", "", "", json))
                + chunkTokens + facts * (EXPECTED_TOKENS_PER_FACT + 8);
        return price(spec, spec.provider(), spec.model(), prompt, pairs * EXPECTED_TOKENS_PER_PAIR);
    }

    Call judgeCall(JobStore.Spec spec, boolean json, int chunkTokens, int pairs) {
        Judge judge = spec.params().judge();
        int prompt = overhead(Prompts.judge(judge.prompt(), spec.context(), "", "", json)) + chunkTokens
                + pairs * (EXPECTED_TOKENS_PER_PAIR + 6);
        return price(spec, judge.provider(), judge.model(), prompt, pairs * EXPECTED_TOKENS_PER_VERDICT);
    }

    private Call recipeCall(JobStore.Spec spec, boolean json, String variant, int chunkTokens, int n) {
        // The template's own tokens once per variant, plus the chunk's (counted at ingestion with the same encoding).
        int prompt = overhead(Prompts.render(Prompts.template(variant, spec.params().prompts()), spec.context(), "", n, json)) + chunkTokens;
        return price(spec, spec.provider(), spec.model(), prompt, n * EXPECTED_TOKENS_PER_PAIR);
    }

    private int overhead(String prompt) {
        return templateTokens.computeIfAbsent(prompt, text -> MESSAGE_OVERHEAD_TOKENS + tokens.count(text));
    }

    /** At the batch price where the job runs in batches and this provider takes them (a judge's may not). */
    private Call price(JobStore.Spec spec, String providerName, String model, int promptTokens, int completionTokens) {
        GenerationProperties.Price price = providers.price(providerName, model);
        boolean batch = spec.params().batch() && providers.batches(providerName);
        return new Call(promptTokens, completionTokens,
                price == null ? BigDecimal.ZERO : price.cost(promptTokens, completionTokens, batch), price != null);
    }

    /** The calls of a plan, added up by kind. */
    private static final class Tally {
        long questions, promptTokens, completionTokens, factCalls, pairCalls, judgeCalls, topUpCalls;
        BigDecimal cost = BigDecimal.ZERO;
        boolean priced = true;

        void add(Call call, int pairs, String kind) {
            switch (kind) {
                case "facts" -> factCalls++;
                case "pairs" -> pairCalls++;
                case "judge" -> judgeCalls++;
                default -> topUpCalls++;
            }
            questions += kind.equals("facts") ? 0 : pairs;
            promptTokens += call.promptTokens();
            completionTokens += call.completionTokens();
            cost = cost.add(call.cost());
            priced &= call.priced();
        }

        long calls() {
            return factCalls + pairCalls + judgeCalls + topUpCalls;
        }

        Estimate estimate(int chunks) {
            return new Estimate(chunks, calls(), questions, promptTokens, completionTokens, cost.setScale(6, RoundingMode.HALF_UP),
                    priced, factCalls, pairCalls, judgeCalls, topUpCalls);
        }
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

    private void requirePrices(BigDecimal maxCostUsd, String provider, String model, Judge judge) {
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
