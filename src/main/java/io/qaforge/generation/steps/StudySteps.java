package io.qaforge.generation.steps;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.document.Chunk;
import io.qaforge.generation.job.CallEstimates;
import io.qaforge.generation.job.JobPlanner;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.job.StudyStrategy;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.quality.Faithfulness;
import io.qaforge.generation.quality.Grounding;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.NewTasks;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.queue.TaskQueue;
import io.qaforge.system.Language;

/**
 * The study calls: a passage about the chunk in one strategy, and the judge's count of its claims the chunk supports.
 * A passage passes the passage gate ({@link Grounding#passageRejectReason}), then, where the job has a judge, waits for
 * its faithfulness: the share of its claims the chunk supports, at least {@link #MIN_FAITHFULNESS} to be accepted.
 */
@Component
class StudySteps {

    /** The least share of a passage's claims that the chunk must support: one unsupported claim in ten at most. */
    static final double MIN_FAITHFULNESS = 0.9;
    static final String UNFAITHFUL = "judge_unfaithful";

    private final JdbcClient db;
    private final NewTasks tasks;
    private final CallEstimates estimates;
    private final Providers providers;
    private final JsonMapper mapper;

    StudySteps(JdbcClient db, NewTasks tasks, CallEstimates estimates, Providers providers, JsonMapper mapper) {
        this.db = db;
        this.tasks = tasks;
        this.estimates = estimates;
        this.providers = providers;
        this.mapper = mapper;
    }

    /** @param facts the chunk's facts, for a relations or focal passage; empty for the others */
    Steps.Step study(JobSpec spec, TaskQueue.Claimed task, Chunk chunk, Language language, List<Steps.ListedFact> facts,
                     double minSupport) {
        StudyStrategy strategy = StudyStrategy.of(task.variant());
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < facts.size(); i++) {
            block.append('F').append(i + 1).append(". ").append(facts.get(i).text()).append('\n');
        }
        String prompt = StudyPrompts.study(spec.context(), chunk.getText(), strategy, block.toString().strip());
        Collection<String> prompts = new ArrayList<>(StudyPrompts.texts());
        prompts.add(spec.context());
        Grounding gate = new Grounding(chunk.getText(), language, facts.stream().map(Steps.ListedFact::text).toList(), prompts, minSupport);
        Long[] focus = strategy == StudyStrategy.FOCAL ? facts.stream().map(Steps.ListedFact::id).toArray(Long[]::new) : null;
        return new Steps.Step(spec.model(), task.temperature().doubleValue(), prompt, null, content -> {
            String passage = content.strip();
            String reason = gate.passageRejectReason(passage);
            return () -> write(task, spec, chunk.getTokens(), passage, reason, focus);
        });
    }

    Steps.Step judge(JobSpec spec, TaskQueue.Claimed task, Chunk chunk, boolean json) {
        var pending = db.sql("SELECT id, text FROM study_passage WHERE task_id = ? AND judge_verdict = 'pending'")
                .param(task.gradedTaskId()).query((rs, i) -> new Object[]{rs.getLong("id"), rs.getString("text")}).optional();
        String prompt = pending.map(p -> StudyPrompts.judge(spec.context(), chunk.getText(), (String) p[1], json)).orElse(null);
        return new Steps.Step(spec.params().judge().model(), 0, prompt, json ? StudyPrompts.JUDGE_SCHEMA : null, content -> {
            double faithfulness = Faithfulness.parse(mapper, content);
            return () -> db.sql("""
                            UPDATE study_passage SET judge_verdict = :verdict, faithfulness = :faithfulness, rejected_reason = :reason
                            WHERE task_id = :task AND judge_verdict = 'pending'""")
                    .param("verdict", faithfulness >= MIN_FAITHFULNESS ? "pass" : "fail")
                    .param("faithfulness", BigDecimal.valueOf(faithfulness).setScale(3, java.math.RoundingMode.HALF_UP))
                    .param("reason", faithfulness >= MIN_FAITHFULNESS ? null : UNFAITHFUL)
                    .param("task", task.gradedTaskId()).update();
        });
    }

    /** Stores the passage (rejected with its reason, or awaiting its judge) and queues the judge's call. */
    private void write(TaskQueue.Claimed task, JobSpec spec, int chunkTokens, String passage, String reason, Long[] focus) {
        JobPlanner.Judge judge = spec.params().judge();
        boolean judging = reason == null && judge != null;
        db.sql("""
                        INSERT INTO study_passage (job_id, task_id, chunk_id, strategy, text, temperature, model, rejected_reason,
                                                   judge_verdict, focus_fact_ids)
                        VALUES (:job, :task, :chunk, :strategy, :text, :temperature, :model, :reason, :verdict, :focus)""")
                .param("job", task.jobId()).param("task", task.id()).param("chunk", task.chunkId()).param("strategy", task.variant())
                .param("text", passage).param("temperature", task.temperature()).param("model", spec.model())
                .param("reason", reason).param("verdict", judging ? "pending" : null).param("focus", focus)
                .update();
        if (judging) {
            ProviderClient client = providers.client(judge.provider());
            CallEstimate call = estimates.studyJudgeCall(spec, client != null && client.config.structuredOutput(), chunkTokens);
            tasks.insert(List.of(new NewTasks.Row(task.jobId(), task.chunkId(), BigDecimal.ZERO.setScale(3), task.variant(),
                    TaskKind.STUDY_JUDGE, task.round(), judge.provider().equals(spec.provider()) ? null : judge.provider(), task.id(), 1,
                    call)));
        }
    }
}
