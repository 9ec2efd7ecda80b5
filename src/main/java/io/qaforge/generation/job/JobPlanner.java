package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.generation.Estimate;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

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

    record PlannedTask(long chunkId, BigDecimal temperature, String variant, TaskKind kind, int questions, CallEstimate estimate) {
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
        for (int index = 0; index < valid.chunks().size(); index++) {
            ChunkRepository.Size chunk = valid.chunks().get(index);
            int n = request.questionsPerChunk() != null ? request.questionsPerChunk()
                    : Math.max(1, Math.round((float) chunk.getTokens() / valid.tokensPerQuestion()));
            if (params.study() != null) {
                // A fact job's passages are queued with the chunk's facts (its relations passages use them), a recipe job's now.
                for (CallEstimates.StudyCall study : estimates.studyCalls(spec, json, chunk.getTokens(), index, params.facts() ? n : 0)) {
                    tally.add(study.call(), 0, TaskKind.STUDY);
                    if (params.judge() != null) {
                        tally.add(estimates.studyJudgeCall(spec, json, chunk.getTokens()), 0, TaskKind.STUDY_JUDGE);
                    }
                    if (!params.facts()) {
                        tasks.add(new PlannedTask(chunk.getId(), study.temperature(), study.strategy().label(), TaskKind.STUDY, 1,
                                study.call()));
                    }
                }
            }
            if (params.facts()) {
                CallEstimate facts = estimates.factsCall(spec, json, chunk.getTokens(), n);
                tasks.add(new PlannedTask(chunk.getId(), BigDecimal.ZERO.setScale(3), Prompts.FACTS, TaskKind.FACTS, n, facts));
                tally.add(facts, n, TaskKind.FACTS);
                estimates.factJobChunk(spec, json, chunk.getTokens(), n, n, params.temperatures().size(), tally);
            } else {
                for (String variant : params.variants()) {
                    CallEstimate pairs = estimates.recipeCall(spec, json, variant, chunk.getTokens(), n);
                    for (BigDecimal temperature : params.temperatures()) {
                        tasks.add(new PlannedTask(chunk.getId(), temperature, variant, TaskKind.PAIRS, n, pairs));
                        tally.add(pairs, n, TaskKind.PAIRS);
                        if (params.judge() != null) {
                            tally.add(estimates.judgeCall(spec, json, chunk.getTokens(), n), 0, TaskKind.JUDGE);
                        }
                    }
                }
            }
        }
        return new Plan(request, params, tally.estimate(valid.chunks().size()), tasks, null, Map.of());
    }

    /**
     * Refuses to start a priced plan whose estimate alone exceeds its budget: the job would stop short of what it was
     * asked for (a dry run still shows the estimate).
     */
    public static void requireWithinBudget(Plan plan) {
        BigDecimal budget = plan.request().maxCostUsd();
        Estimate estimate = plan.estimate();
        if (budget != null && estimate.priced() && estimate.costUsd().compareTo(budget) > 0) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.OVER_BUDGET, "Estimate over budget",
                    "The job is estimated at $" + estimate.costUsd().setScale(4, RoundingMode.HALF_UP) + ", above maxCostUsd $"
                            + budget + ": raise the budget, or ask for less (fewer chunks, questions or temperatures)");
        }
    }
}
