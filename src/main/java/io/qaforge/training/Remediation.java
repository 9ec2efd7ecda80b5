package io.qaforge.training;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.qaforge.exam.Exams;
import io.qaforge.generation.Estimate;
import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * A remediation round: the exam questions a trained run missed lead back to the facts they ask about (or, for jobs
 * without facts, the chunks they came from); a top-up job per source job generates more of exactly those, and a new
 * run of the same base model, params and exam trains on the run's jobs plus the top-ups once they have finished.
 */
@Component
class Remediation {

    /** From a worker that reports no key facts, an answer this close to the reference (token F1) still counts as recalled. */
    static final double MIN_TOKEN_F1 = 0.5;
    static final String MISSED_RULE = "a question is missed when its answer after training was judged wrong; without a judge's verdict,"
            + " when it lacks the reference's key facts (its numbers, names or distinguishing words); from a worker that reports"
            + " no key facts, when it neither matches the reference exactly, nor contains it, nor reaches token F1 " + MIN_TOKEN_F1;

    /** What a round would generate for one of the run's jobs: more of these facts and chunks, at this estimate. */
    record TopUp(UUID sourceJobId, UUID jobId, int facts, int chunks, BigDecimal maxCostUsd, Estimate estimate) {
    }

    /**
     * @param scored     exam questions answered after training; the rest lay past the run's evalLimit
     * @param missed     scored questions missed by {@link #MISSED_RULE}
     * @param noSource   missed questions that name no fact or generated pair of the run's jobs (an uploaded exam
     *                   without factIds): nothing can be generated for them
     * @param costUsd    the top-ups' estimated cost together; priced: whether every model involved has a price
     */
    record Plan(UUID runId, int round, UUID trainingRunId, String missedRule, int examQuestions, int scored, int missed, int noSource,
                int facts, int chunks, List<TopUp> topUps, BigDecimal costUsd, boolean priced) {
    }

    /**
     * One round of a lineage, with the recall its worker reported (null until it has).
     *
     * @param retention the retention exam before and after this round's training: a round that buys recall with
     *                  forgetting shows it here
     */
    record Round(int round, UUID runId, UUID remediates, TrainingRun.Status status, String error, List<UUID> topUpJobIds,
                 Long trainPairs, Object before, Object inContext, Object after, Object recoveryRatio, Object retention) {
    }

    private final TrainingRunRepository runs;
    private final TrainingQueue queue;
    private final Exams exams;
    private final Jobs jobs;
    private final JdbcClient jdbc;

    Remediation(TrainingRunRepository runs, TrainingQueue queue, Exams exams, Jobs jobs, JdbcClient jdbc) {
        this.runs = runs;
        this.queue = queue;
        this.exams = exams;
        this.jobs = jobs;
        this.jdbc = jdbc;
    }

    static boolean missed(Results.Answer after) {
        if (after.judge() != null) {
            return !after.judge();
        }
        if (after.keyFacts() != null) {
            return !after.keyFacts();
        }
        return !(after.exactMatch() || after.contained() || after.tokenF1() >= MIN_TOKEN_F1);
    }

    /** What remediating the run would queue and cost; queues nothing. */
    Plan estimate(UUID runId) {
        TrainingRun run = find(runId);
        requireNotRemediated(runId);
        Targets targets = targets(run);
        List<TopUp> topUps = new ArrayList<>();
        targets.byJob().forEach((job, target) -> topUps.add(new TopUp(job, null, target.facts().size(), target.chunks().size(), null,
                jobs.estimateRemediation(job, target.facts(), target.chunks()))));
        return plan(run, null, targets, topUps);
    }

    /**
     * Queues the top-up jobs and the next round's run, all or nothing. A run is remediated once: while its next round
     * is queued, running or done, asking again is refused and names that round (remediate the latest round instead);
     * only a next round that failed or was cancelled makes room for another.
     *
     * @param maxCostUsd the budget of all top-ups together (shared in proportion to their estimates), or null
     */
    @Transactional
    Plan remediate(UUID runId, BigDecimal maxCostUsd) {
        TrainingRun run = find(runId);
        // Two concurrent requests for the same run: the second waits here and then sees the first's round.
        jdbc.sql("SELECT id FROM training_run WHERE id = ? FOR UPDATE").param(runId).query(UUID.class).list();
        requireNotRemediated(runId);
        Targets targets = targets(run);
        Map<UUID, Estimate> estimates = new LinkedHashMap<>();
        targets.byJob().forEach((job, target) -> estimates.put(job, jobs.estimateRemediation(job, target.facts(), target.chunks())));
        Map<UUID, BigDecimal> budgets = shareBudget(maxCostUsd, estimates);
        List<TopUp> topUps = new ArrayList<>();
        targets.byJob().forEach((job, target) -> topUps.add(new TopUp(job, jobs.remediate(job, target.facts(), target.chunks(), budgets.get(job)),
                target.facts().size(), target.chunks().size(), budgets.get(job), estimates.get(job))));
        // Checked again, not trusted: what the next round's worker gets must pass today's rules.
        Map<String, Object> params = TrainingParams.validate(run.getParams());
        TrainingRun next = run.nextRound(new TreeSet<>(topUps.stream().map(TopUp::jobId).toList()), params);
        queue.insert(next);
        return plan(run, next.getId(), targets, topUps);
    }

    /** A run has at most one live next round: one queued, running or done. */
    private void requireNotRemediated(UUID runId) {
        runs.findFirstByRemediatesAndStatusNotInOrderByCreatedAt(runId, List.of(TrainingRun.Status.FAILED, TrainingRun.Status.CANCELLED))
                .ifPresent(next -> {
                    throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.ALREADY_REMEDIATED, "Already remediated",
                            "Run " + runId + " was remediated by round " + next.getRound() + " (run " + next.getId() + ", " + next.getStatus()
                                    + "); remediate that round once it has completed, or cancel it to queue another");
                });
    }

    /** Every round of the run's lineage, from the first. */
    List<Round> rounds(UUID runId) {
        find(runId);
        List<UUID> ids = jdbc.sql("""
                WITH RECURSIVE up AS (
                    SELECT id, remediates FROM training_run WHERE id = ?
                    UNION ALL
                    SELECT r.id, r.remediates FROM training_run r JOIN up ON r.id = up.remediates),
                down AS (
                    SELECT id FROM up WHERE remediates IS NULL
                    UNION ALL
                    SELECT r.id FROM training_run r JOIN down ON r.remediates = down.id)
                SELECT id FROM down""").param(runId).query(UUID.class).list();
        Map<UUID, TrainingRun> lineage = new HashMap<>();
        runs.findAllById(ids).forEach(run -> lineage.put(run.getId(), run));
        return lineage.values().stream()
                .sorted(Comparator.comparingInt(TrainingRun::getRound).thenComparing(TrainingRun::getCreatedAt))
                .map(run -> round(run, lineage.get(run.getRemediates())))
                .toList();
    }

    private Round round(TrainingRun run, TrainingRun previous) {
        Set<UUID> topUps = new TreeSet<>(run.getJobIds());
        if (previous != null) {
            topUps.removeAll(previous.getJobIds());
        } else {
            topUps.clear();
        }
        Map<String, Object> recall = run.getRecall() == null ? Map.of() : run.getRecall();
        Long trainPairs = run.isEvaluateOnly() || run.getJobIds().isEmpty() ? null : jobs.acceptedPairs(run.getJobIds()).getOrDefault("train", 0L);
        return new Round(run.getRound(), run.getId(), run.getRemediates(), run.getStatus(), run.getError(), List.copyOf(topUps), trainPairs,
                recall.get("before"), recall.get("inContext"), recall.get("after"), recall.get("recoveryRatio"), recall.get("retention"));
    }

    private record Target(Set<Long> facts, Set<Long> chunks) {
    }

    private record Targets(int examQuestions, int scored, int missed, int noSource, Map<UUID, Target> byJob) {
    }

    /**
     * The missed questions' facts and chunks, by the run's job they came from: a test-split question through its pair
     * (its facts in a fact job, else its chunk), an uploaded one through its factId.
     */
    private Targets targets(TrainingRun run) {
        if (run.getStatus() != TrainingRun.Status.SUCCEEDED) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.RUN_NOT_COMPLETED, "Run not completed",
                    "Run " + run.getId() + " is " + run.getStatus() + "; only a run that completed has answers to remediate");
        }
        if (run.isEvaluateOnly()) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.EVALUATE_ONLY, "Nothing was trained",
                    "Run " + run.getId() + " only evaluated the base model; remediation tops up the data of a trained run");
        }
        Map<Long, Results.Answer> after = new HashMap<>();
        queue.results(run.getId()).stream().filter(r -> r.phase().equals("after")).forEach(r -> after.put(r.questionId(), r.scored()));
        if (run.getExamId() == null || after.isEmpty()) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.NO_RESULTS, "No results",
                    "Run " + run.getId() + " has no answers after training to tell what it missed (its worker reported no per-question results)");
        }
        List<Exams.Question> questions = exams.questions(run.getExamId());
        List<Exams.Question> missed = questions.stream().filter(q -> after.containsKey(q.id()) && missed(after.get(q.id()))).toList();
        if (missed.isEmpty()) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.NOTHING_TO_REMEDIATE, "Nothing to remediate",
                    "The run missed none of the " + after.size() + " questions it answered (" + MISSED_RULE + ")");
        }

        record Source(UUID jobId, long chunkId, List<Long> factIds) {
        }
        Map<Long, Source> pairs = new HashMap<>();
        Map<UUID, Boolean> factJobs = new HashMap<>();
        for (UUID job : run.getJobIds()) {
            factJobs.put(job, jobs.anyFactJob(List.of(job)));
            jobs.testPairs(job).forEach(p -> pairs.put(p.id(), new Source(job, p.chunkId(), p.factIds())));
        }
        Map<Long, UUID> factOwners = jobs.jobsOfFacts(run.getJobIds(),
                missed.stream().filter(q -> q.factId() != null).map(Exams.Question::factId).toList());
        Map<UUID, Target> byJob = new TreeMap<>();
        int noSource = 0;
        for (Exams.Question q : missed) {
            Source pair = q.pairId() == null ? null : pairs.get(q.pairId());
            if (pair != null && factJobs.get(pair.jobId()) && !pair.factIds().isEmpty()) {
                target(byJob, pair.jobId()).facts().addAll(pair.factIds());
            } else if (pair != null) {
                target(byJob, pair.jobId()).chunks().add(pair.chunkId());
            } else if (q.factId() != null && factOwners.containsKey(q.factId())) {
                target(byJob, factOwners.get(q.factId())).facts().add(q.factId());
            } else {
                noSource++;
            }
        }
        if (byJob.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.NOTHING_REMEDIABLE, "Nothing remediable",
                    "None of the " + missed.size() + " missed questions names a fact or a generated pair of the run's jobs (an uploaded"
                            + " exam needs factIds of those jobs' facts), so there is nothing to generate more of");
        }
        return new Targets(questions.size(), after.size(), missed.size(), noSource, byJob);
    }

    private static Target target(Map<UUID, Target> byJob, UUID job) {
        return byJob.computeIfAbsent(job, j -> new Target(new TreeSet<>(), new TreeSet<>()));
    }

    /**
     * The budget split over the top-ups in proportion to their estimates; refused when the estimate alone exceeds it,
     * since the round would then stop short of the targets it was queued for.
     */
    private static Map<UUID, BigDecimal> shareBudget(BigDecimal maxCostUsd, Map<UUID, Estimate> estimates) {
        Map<UUID, BigDecimal> budgets = new HashMap<>();
        if (maxCostUsd == null) {
            return budgets;
        }
        BigDecimal total = total(estimates.values());
        if (estimates.values().stream().allMatch(Estimate::priced) && total.compareTo(maxCostUsd) > 0) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.OVER_BUDGET, "Estimate over budget",
                    "The top-ups are estimated at $" + total.setScale(4, RoundingMode.HALF_UP) + ", above maxCostUsd $" + maxCostUsd
                            + ": raise the budget, or leave it out to remediate without one");
        }
        estimates.forEach((job, estimate) -> budgets.put(job, estimates.size() == 1 || total.signum() == 0 ? maxCostUsd
                : maxCostUsd.multiply(estimate.costUsd()).divide(total, 6, RoundingMode.DOWN).max(SMALLEST_BUDGET)));
        return budgets;
    }

    private static final BigDecimal SMALLEST_BUDGET = new BigDecimal("0.000001");

    private static BigDecimal total(Collection<Estimate> estimates) {
        return estimates.stream().map(Estimate::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private Plan plan(TrainingRun run, UUID next, Targets targets, List<TopUp> topUps) {
        List<Estimate> estimates = topUps.stream().map(TopUp::estimate).toList();
        return new Plan(run.getId(), run.getRound() + 1, next, MISSED_RULE, targets.examQuestions(), targets.scored(), targets.missed(),
                targets.noSource(), topUps.stream().mapToInt(TopUp::facts).sum(), topUps.stream().mapToInt(TopUp::chunks).sum(), topUps,
                total(estimates), estimates.stream().allMatch(Estimate::priced));
    }

    private TrainingRun find(UUID id) {
        return runs.findById(id).orElseThrow(() -> ApiProblem.notFound("Training run", id));
    }
}
