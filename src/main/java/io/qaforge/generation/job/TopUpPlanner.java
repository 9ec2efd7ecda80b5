package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.steps.Splits;

/** Plans a remediation job from a finished one: what {@code Jobs.remediate} queues after an exam. */
@Component
public class TopUpPlanner {

    private final Providers providers;
    private final ChunkRepository chunks;
    private final RequestValidator validator;
    private final CallEstimates estimates;

    TopUpPlanner(Providers providers, ChunkRepository chunks, RequestValidator validator, CallEstimates estimates) {
        this.providers = providers;
        this.chunks = chunks;
        this.validator = validator;
        this.estimates = estimates;
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
    public JobPlanner.Plan plan(UUID parentId, JobSpec parent, Map<Long, List<Long>> factsByChunk, BigDecimal maxCostUsd,
                   Collection<BigDecimal> usedTemperatures) {
        JobParams p = parent.params();
        ProviderClient provider = providers.require(parent.provider(), parent.model());
        validator.requirePrices(maxCostUsd, parent.provider(), parent.model(), p.judge());
        boolean json = provider.config.structuredOutput();
        List<BigDecimal> temperatures = Temperatures.fresh(usedTemperatures, p.temperatures().size());
        var params = new JobParams(p.documentIds(), temperatures, p.tokensPerQuestion(), p.questionsPerChunk(), p.variants(), p.prompts(),
                0, p.seed(), p.facts() ? Splits.By.FACT : Splits.By.PAIR, null, p.strategy(),
                p.judge(), p.coverage(), p.mode(), p.language(), p.study());
        var spec = new JobSpec(null, parent.provider(), parent.model(), parent.context(), params);
        Map<Long, Integer> sizes = new HashMap<>();
        chunks.findSizesByIdIn(factsByChunk.keySet()).forEach(size -> sizes.put(size.getId(), size.getTokens()));
        Tally tally = new Tally();
        List<JobPlanner.PlannedTask> tasks = new ArrayList<>();
        for (var target : factsByChunk.entrySet()) {
            int chunkTokens = sizes.get(target.getKey());
            if (params.study() != null && params.facts()) {
                // Focal passages: centred on the facts the model missed (a recipe job has none to centre on).
                for (CallEstimates.StudyCall focal : estimates.focalCalls(spec, chunkTokens, target.getValue().size())) {
                    tasks.add(new JobPlanner.PlannedTask(target.getKey(), focal.temperature(), focal.strategy().label(), TaskKind.STUDY, 1,
                            focal.call()));
                    tally.add(focal.call(), 0, TaskKind.STUDY);
                    if (p.judge() != null) {
                        tally.add(estimates.studyJudgeCall(spec, json, chunkTokens), 0, TaskKind.STUDY_JUDGE);
                    }
                }
            }
            if (params.facts()) {
                int facts = target.getValue().size();
                List<String> directions = params.coverage().sweepDirections(temperatures.size());
                CallEstimate call = estimates.factPairsCall(spec, json, chunkTokens, facts, facts);
                for (int i = 0; i < temperatures.size(); i++) {
                    tasks.add(new JobPlanner.PlannedTask(target.getKey(), temperatures.get(i), directions.get(i), TaskKind.PAIRS, facts, call));
                }
                estimates.factJobChunk(spec, json, chunkTokens, facts, facts, temperatures.size(), tally);
            } else {
                int n = p.questionsPerChunk() != null ? p.questionsPerChunk()
                        : Math.max(1, Math.round((float) chunkTokens / (p.tokensPerQuestion() == null ? RequestValidator.DEFAULT_TOKENS_PER_QUESTION : p.tokensPerQuestion())));
                for (String variant : p.variants()) {
                    CallEstimate call = estimates.recipeCall(spec, json, variant, chunkTokens, n);
                    for (BigDecimal temperature : temperatures) {
                        tasks.add(new JobPlanner.PlannedTask(target.getKey(), temperature, variant, TaskKind.PAIRS, n, call));
                        tally.add(call, n, TaskKind.PAIRS);
                        if (p.judge() != null) {
                            tally.add(estimates.judgeCall(spec, json, chunkTokens, n), 0, TaskKind.JUDGE);
                        }
                    }
                }
            }
        }
        var request = new JobRequest(p.documentIds(), parent.context(), parent.provider(), parent.model(), null, null, null,
                null, null, null, null, null, null, null, maxCostUsd, null, null, null, null, p.batch() ? Mode.BATCH.column() : null,
                null, null);
        return new JobPlanner.Plan(request, params, tally.estimate(factsByChunk.size()), tasks, parentId,
                params.facts() ? factsByChunk : Map.of());
    }
}
