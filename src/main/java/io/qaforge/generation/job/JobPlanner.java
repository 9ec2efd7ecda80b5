package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.generation.Estimate;
import io.qaforge.generation.steps.Prompts;

/**
 * Works out a valid job request's first tasks and what the whole job will cost, without touching the database's
 * state: the estimate endpoint and job creation share it, so the number a user sees is the number the job reserves.
 * A recipe job's tasks are all known up front; a fact job starts with one facts task per chunk, and its pair, judge
 * and top-up tasks are added as answers come in (each estimated the same way, by {@link CallEstimates}).
 */
@Component
public class JobPlanner {

    /** The model that grades a job's pairs, and the template it grades them with. */
    public record Judge(String provider, String model, String prompt) {
    }

    record PlannedTask(long chunkId, BigDecimal temperature, String variant, String kind, int questions, int estTokens,
                       BigDecimal estCost) {
    }

    /**
     * @param jobFacts a remediation job's facts (parent's fact ids by chunk); empty otherwise
     */
    public record Plan(JobRequest request, JobParams params, Estimate estimate, List<PlannedTask> tasks, UUID parentJobId,
                Map<Long, List<Long>> jobFacts) {
    }

    private final RequestValidator validator;
    private final CallEstimates estimates;

    JobPlanner(RequestValidator validator, CallEstimates estimates) {
        this.validator = validator;
        this.estimates = estimates;
    }

    public Plan plan(JobRequest request) {
        RequestValidator.Valid valid = validator.validate(request);
        JobSpec spec = valid.spec();
        JobParams params = spec.params();
        boolean json = valid.json();
        Tally tally = new Tally();
        List<PlannedTask> tasks = new ArrayList<>();
        for (ChunkRepository.Size chunk : valid.chunks()) {
            int n = request.questionsPerChunk() != null ? request.questionsPerChunk()
                    : Math.max(1, Math.round((float) chunk.getTokens() / valid.tokensPerQuestion()));
            if (params.facts()) {
                CallEstimates.Call facts = estimates.factsCall(spec, json, chunk.getTokens(), n);
                tasks.add(new PlannedTask(chunk.getId(), BigDecimal.ZERO.setScale(3), Prompts.FACTS, "facts", n, facts.tokens(), facts.cost()));
                tally.add(facts, n, "facts");
                estimates.factJobChunk(spec, json, chunk.getTokens(), n, n, params.temperatures().size(), tally);
            } else {
                for (String variant : params.variants()) {
                    CallEstimates.Call pairs = estimates.recipeCall(spec, json, variant, chunk.getTokens(), n);
                    for (BigDecimal temperature : params.temperatures()) {
                        tasks.add(new PlannedTask(chunk.getId(), temperature, variant, "pairs", n, pairs.tokens(), pairs.cost()));
                        tally.add(pairs, n, "pairs");
                        if (params.judge() != null) {
                            tally.add(estimates.judgeCall(spec, json, chunk.getTokens(), n), 0, "judge");
                        }
                    }
                }
            }
        }
        return new Plan(request, params, tally.estimate(valid.chunks().size()), tasks, null, Map.of());
    }
}
