package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.qaforge.generation.JobStatus;
import io.qaforge.generation.queue.NewTasks;
import io.qaforge.generation.queue.TaskQueue;

/**
 * Creates jobs and changes them on a user's request (cancel, retry, resume); {@link JobViews} reads them. Plain JDBC
 * rather than JPA: the counters are bumped by concurrent workers with {@code UPDATE ... SET x = x + ?}, which an entity
 * saved back would silently overwrite.
 */
@Component
public class JobStore {

    private final JdbcClient db;
    private final TransactionTemplate transaction;
    private final TaskQueue queue;
    private final NewTasks tasks;
    private final JsonMapper json;

    JobStore(JdbcClient db, TransactionTemplate transaction, TaskQueue queue, NewTasks tasks, JsonMapper json) {
        this.db = db;
        this.transaction = transaction;
        this.queue = queue;
        this.tasks = tasks;
        this.json = json;
    }

    /** The job, its documents, its facts (a remediation job's) and its first tasks in one transaction: whole or not at all. */
    public UUID create(JobPlanner.Plan plan) {
        UUID id = UUID.randomUUID();
        JobRequest request = plan.request();
        transaction.executeWithoutResult(tx -> {
            db.sql("""
                            INSERT INTO job (id, status, provider, model, context, params, estimate, max_cost_usd, max_tokens, parent_job_id,
                                             mode)
                            VALUES (?, 'QUEUED', ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)""")
                    .params(id, request.provider(), request.model(), request.context(), write(plan.params()), write(plan.estimate()),
                            request.maxCostUsd(), request.maxTokens(), plan.parentJobId(),
                            (plan.params().batch() ? Mode.BATCH : Mode.SYNC).column())
                    .update();
            db.sql("INSERT INTO job_document (job_id, document_id) SELECT ?, d FROM unnest(?::uuid[]) d ON CONFLICT DO NOTHING")
                    .params(id, request.documentIds().stream().distinct().map(UUID::toString).toArray(String[]::new)).update();
            List<Long> chunks = new ArrayList<>();
            List<Long> facts = new ArrayList<>();
            plan.jobFacts().forEach((chunk, factIds) -> factIds.forEach(fact -> {
                chunks.add(chunk);
                facts.add(fact);
            }));
            db.sql("INSERT INTO job_fact (job_id, chunk_id, fact_id) SELECT ?, * FROM unnest(?::bigint[], ?::bigint[])")
                    .params(id, chunks.toArray(Long[]::new), facts.toArray(Long[]::new)).update();
            tasks.insert(plan.tasks().stream().map(task -> new NewTasks.Row(id, task.chunkId(), task.temperature(), task.variant(),
                    task.kind(), 0, null, null, task.questions(), task.estimate())).toList());
        });
        return id;
    }

    /** Stops a job: its pending and running tasks are cancelled; results of calls in flight are not stored. */
    boolean cancel(UUID id) {
        return Boolean.TRUE.equals(transaction.execute(tx -> {
            if (!db.sql("SELECT EXISTS (SELECT 1 FROM job WHERE id = ? AND status = ANY(?))")
                    .params(id, JobStatus.names(JobStatus.CANCELLABLE)).query(Boolean.class).single()) {
                return false;
            }
            // Task rows before the job row, the order every writer takes them in.
            db.sql("UPDATE task SET status = 'CANCELLED', leased_by = NULL, lease_until = NULL "
                    + "WHERE job_id = ? AND status IN ('PENDING', 'RUNNING')").param(id).update();
            return db.sql("UPDATE job SET status = 'CANCELLED', finished_at = now() WHERE id = ? AND status = ANY(?)")
                    .params(id, JobStatus.names(JobStatus.CANCELLABLE)).update() > 0;
        }));
    }

    /** Failed tasks get fresh attempts and the job queues again; answers how many tasks were reset. */
    int retryFailed(UUID id) {
        return transaction.execute(tx -> {
            int reset = db.sql("""
                            UPDATE task SET status = 'PENDING', attempts = 0, next_attempt_at = now(), finished_at = NULL
                            WHERE job_id = ? AND status = 'FAILED'""")
                    .param(id).update();
            requeue(id);
            return reset;
        });
    }

    /** Sets a new budget (null leaves a limit as it is) and queues the job again. */
    void resume(UUID id, BigDecimal maxCostUsd, Long maxTokens) {
        transaction.executeWithoutResult(tx -> {
            db.sql("UPDATE job SET max_cost_usd = coalesce(?, max_cost_usd), max_tokens = coalesce(?, max_tokens) WHERE id = ?")
                    .params(maxCostUsd, maxTokens, id).update();
            requeue(id);
        });
    }

    private void requeue(UUID id) {
        db.sql("""
                        UPDATE job SET status = 'QUEUED', finished_at = NULL, error = NULL
                        WHERE id = ? AND status = ANY(?) AND EXISTS (SELECT 1 FROM task WHERE job_id = ? AND status = 'PENDING')""")
                .params(id, JobStatus.names(JobStatus.RESUMABLE), id).update();
        queue.settle(id);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
