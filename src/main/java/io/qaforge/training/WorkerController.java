package io.qaforge.training;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.qaforge.exam.Exams;
import io.qaforge.generation.Jobs;
import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;
import io.qaforge.export.Exporter;
import io.qaforge.export.StudyExport;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * The API GPU workers poll (guarded by the worker token): claim a run, fetch its data and exam, report progress,
 * deliver the adapter, then complete, fail or release it. The URLs a claim names are built here from the address the
 * worker's own claim reached, never from anything a run's creator sent: the worker sends its token to them.
 */
@RestController
@RequestMapping("/api/worker/trainings")
class WorkerController {

    record ClaimRequest(@NotBlank String workerId, @Min(10) @Max(3600) Integer leaseSeconds) {
    }

    /**
     * @param datasetUrls null for an evaluate-only run, which trains on nothing
     * @param examUrl     null when the run has no exam (its jobs have no test pairs)
     * @param retentionExamUrl questions to answer closed book before and after training (phases {@code retentionBefore},
     *                    {@code retentionAfter}) to measure forgetting; null for an evaluation
     * @param attempt     how many times the run was claimed, this claim included (releases not counted)
     */
    record Claim(UUID id, UUID jobId, String baseModel, Map<String, Object> params, Map<String, String> datasetUrls, String examUrl,
                 String retentionExamUrl, String artifactUrl, boolean evaluateOnly, int attempt, Instant leaseUntil) {
    }

    record HeartbeatAnswer(boolean cancelRequested, Instant leaseUntil) {
    }

    /** One answer as the worker scored it; {@code judge} is null when not judged, {@code keyFacts} from older workers. */
    record ResultRow(String questionId, String phase, String answer, Boolean keyFacts, Boolean exactMatch, Double tokenF1, Boolean contained,
                     Boolean judge) {
    }

    record Completion(@NotBlank String workerId, Map<String, Object> metrics, Map<String, Object> report, List<ResultRow> results,
                      Map<String, Object> recall) {
    }

    record Failure(@NotBlank String workerId, @NotBlank String reason) {
    }

    record Release(@NotBlank String workerId) {
    }

    record WorkerExam(UUID examId, String name, List<WorkerQuestion> questions) {
    }

    /**
     * @param contextSource where {@code context} came from: {@code uploaded}, {@code document}, {@code chunk} or {@code retrieved}
     * @param passages      for {@code retrieved}: the passages {@code context} joins, best first, so that the worker keeps
     *                      those that fit its model's window; null otherwise
     */
    record WorkerQuestion(String id, String question, String answer, Long factId, String direction, String context, String contextSource,
                          List<String> passages) {
    }

    private static final int DEFAULT_LEASE_SECONDS = 120;
    private static final Set<String> PHASES = Set.of("before", "inContext", "after");
    private static final Set<String> RETENTION_PHASES = Set.of("retentionBefore", "retentionAfter");

    private final TrainingQueue queue;
    private final TrainingRunRepository runs;
    private final Exporter exporter;
    private final Exams exams;
    private final Jobs jobs;
    private final Artifacts artifacts;
    private final TrainingProperties properties;
    private final StudyExport study;

    WorkerController(TrainingQueue queue, TrainingRunRepository runs, Exporter exporter, Exams exams, Jobs jobs, Artifacts artifacts,
                     TrainingProperties properties, StudyExport study) {
        this.study = study;
        this.queue = queue;
        this.runs = runs;
        this.exporter = exporter;
        this.exams = exams;
        this.jobs = jobs;
        this.artifacts = artifacts;
        this.properties = properties;
    }

    @PostMapping("/claim")
    ResponseEntity<Claim> claim(@Valid @RequestBody ClaimRequest request) {
        int lease = request.leaseSeconds() == null ? DEFAULT_LEASE_SECONDS : request.leaseSeconds();
        return queue.claim(request.workerId(), lease, properties.maxAttempts())
                .flatMap(runs::findById)
                .map(run -> {
                    String base = runUrl(run.getId());
                    Map<String, String> datasetUrls = run.isEvaluateOnly() || run.getJobIds().isEmpty() && run.getDatasetId() == null ? null
                            : Map.of("train", base + "/dataset?split=train", "test", base + "/dataset?split=test");
                    return ResponseEntity.ok(new Claim(run.getId(), run.getJobId(), run.getBaseModel(), TrainingParams.forWorker(run.getParams()),
                            datasetUrls, run.getExamId() == null ? null : base + "/exam",
                            run.getRetentionExamId() == null ? null : base + "/retention-exam", base + "/artifacts", run.isEvaluateOnly(),
                            run.getAttempts(), run.getLeaseUntil()));
                })
                .orElse(ResponseEntity.noContent().build());
    }

    /** Body: {@code workerId} plus the progress fields (step, totalSteps, loss, evalLoss, learningRate, ...), stored as sent. */
    @PostMapping("/{id}/heartbeat")
    HeartbeatAnswer heartbeat(@PathVariable UUID id, @RequestBody Map<String, Object> body) {
        Map<String, Object> progress = new HashMap<>(body);
        Object workerId = progress.remove("workerId");
        if (!(workerId instanceof String worker) || worker.isBlank()) {
            throw ApiProblem.badRequest(ProblemType.INVALID_REQUEST, "Invalid request", "workerId: must not be blank");
        }
        return queue.heartbeat(id, worker, progress)
                .map(lease -> new HeartbeatAnswer(lease.cancelRequested(), lease.leaseUntil()))
                .orElseThrow(() -> Artifacts.leaseLost(id));
    }

    /**
     * The questions the run is scored on, each with the text its in-context phase puts in the prompt; a question that
     * came without one takes it from the run's documents (whole, or the passages BM25 ranks highest for it).
     */
    @GetMapping("/{id}/exam")
    WorkerExam exam(@PathVariable UUID id) {
        TrainingRun run = find(id);
        Exams.Summary exam = run.getExamId() == null ? null : exams.find(run.getExamId()).orElse(null);
        if (exam == null) {
            throw new ApiProblem(HttpStatus.NOT_FOUND, ProblemType.NO_EXAM, "No exam", "Run " + id + " has no exam: its jobs have no test pairs");
        }
        return new WorkerExam(exam.id(), exam.name(), exams.questions(exam.id(), jobs.documentIds(run.getJobIds())).stream()
                .map(q -> new WorkerQuestion(Long.toString(q.id()), q.question(), q.answer(), q.factId(), q.direction(), q.context(),
                        q.contextSource(), q.passages()))
                .toList());
    }

    /** The general-knowledge questions the run answers closed book before and after training, to measure forgetting. */
    @GetMapping("/{id}/retention-exam")
    WorkerExam retentionExam(@PathVariable UUID id) {
        TrainingRun run = find(id);
        Exams.Summary exam = run.getRetentionExamId() == null ? null : exams.find(run.getRetentionExamId()).orElse(null);
        if (exam == null) {
            throw new ApiProblem(HttpStatus.NOT_FOUND, ProblemType.NO_EXAM, "No retention exam", "Run " + id + " only evaluates: it has no retention exam");
        }
        return new WorkerExam(exam.id(), exam.name(), exams.questions(exam.id()).stream()
                .map(q -> new WorkerQuestion(Long.toString(q.id()), q.question(), q.answer(), null, null, null, null, null)).toList());
    }

    /** The adapter (or merged model) zip, streamed into storage; a second upload of a kind replaces the first. */
    @PutMapping("/{id}/artifacts/{kind}")
    ResponseEntity<Artifacts.Stored> upload(@PathVariable UUID id, @PathVariable String kind, @RequestParam String workerId,
                                            HttpServletRequest request) throws IOException {
        if (!Artifacts.KINDS.contains(kind)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_ARTIFACT_KIND, "Invalid artifact kind", "kind must be one of " + Artifacts.KINDS + ", not " + kind);
        }
        find(id);
        try (InputStream body = request.getInputStream()) {
            return ResponseEntity.status(HttpStatus.CREATED).body(artifacts.store(id, workerId, kind, request.getContentLengthLong(), body));
        }
    }

    @PostMapping("/{id}/complete")
    ResponseEntity<Void> complete(@PathVariable UUID id, @Valid @RequestBody Completion completion) {
        TrainingRun run = find(id);
        List<TrainingQueue.Result> results = results(run, completion.results());
        if (queue.complete(id, completion.workerId(), completion.metrics(), completion.report(), completion.recall(), results)
                == TrainingQueue.Completion.LEASE_LOST) {
            throw Artifacts.leaseLost(id);
        }
        return ResponseEntity.ok().build();
    }

    @PostMapping("/{id}/fail")
    ResponseEntity<Void> fail(@PathVariable UUID id, @Valid @RequestBody Failure failure) {
        if (!queue.fail(id, failure.workerId(), failure.reason())) {
            throw Artifacts.leaseLost(id);
        }
        return ResponseEntity.ok().build();
    }

    /** The worker is shutting down: the run is queued again at once, and this claim is not counted as a lost attempt. */
    @PostMapping("/{id}/release")
    ResponseEntity<Void> release(@PathVariable UUID id, @Valid @RequestBody Release release) {
        if (!queue.release(id, release.workerId())) {
            throw Artifacts.leaseLost(id);
        }
        return ResponseEntity.ok().build();
    }

    /**
     * The run's jobs exported as chat-row JSONL (their union, with its dataset's hand-written pairs), the same file a user
     * downloads; the run's {@code pairsPerRow} and {@code seed} params shape it as they would an export, and its
     * {@code handWrittenRepeat} writes each hand-written train pair that many times (the one place a source is weighted).
     * The train split also carries the jobs' study passages as text rows ({@code {"text", "strategy", "chunkId"}}), after
     * the chat rows.
     */
    @GetMapping(value = "/{id}/dataset", produces = "application/x-ndjson")
    void dataset(@PathVariable UUID id, @RequestParam String split, HttpServletResponse response) throws IOException {
        TrainingRun run = find(id);
        var options = new ExportOptions(ExportFormat.JSONL, split, (int) numberParam(run, "pairsPerRow", ExportOptions.DEFAULT_PAIRS_PER_ROW),
                numberParam(run, "seed", ExportOptions.DEFAULT_SEED), null, false, run.getHandWrittenRepeat());
        exporter.export(run.getJobIds(), run.getDatasetId(), options, response.getOutputStream());
        if (options.split().equals("train")) {
            study.write(run.getJobIds(), ExportFormat.JSONL, response.getOutputStream());
        }
    }

    /**
     * Every row names a phase and a question of the exam that phase asks (the run's exam, or its retention exam in the
     * retention phases), once; anything else is refused whole.
     */
    private List<TrainingQueue.Result> results(TrainingRun run, List<ResultRow> rows) {
        if (rows == null || rows.isEmpty()) {
            return List.of();
        }
        Set<Long> questions = questionIds(run.getExamId()), retention = questionIds(run.getRetentionExamId());
        Set<String> seen = new HashSet<>();
        List<TrainingQueue.Result> results = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ResultRow row = rows.get(i);
            Long question = row == null ? null : questionId(row.questionId());
            boolean retained = row != null && row.phase() != null && RETENTION_PHASES.contains(row.phase());
            String problem = row == null ? "must be an object"
                    : row.phase() == null || !PHASES.contains(row.phase()) && !retained
                    ? "phase must be one of before, inContext, after, retentionBefore, retentionAfter"
                    : question == null || !(retained ? retention : questions).contains(question)
                    ? "questionId " + row.questionId() + " is not a question of the run's " + (retained ? "retention exam" : "exam")
                    : row.answer() == null || row.exactMatch() == null || row.tokenF1() == null || row.contained() == null
                    ? "answer, exactMatch, tokenF1 and contained are required"
                    : !seen.add(question + "/" + row.phase()) ? "a second answer to question " + question + " in phase " + row.phase()
                    : null;
            if (problem != null) {
                throw ApiProblem.badRequest(ProblemType.INVALID_RESULTS, "Invalid results", "results[" + i + "]: " + problem);
            }
            results.add(new TrainingQueue.Result(question, row.phase(), row.answer(), row.keyFacts(), row.exactMatch(), row.tokenF1(),
                    row.contained(), row.judge()));
        }
        return results;
    }

    private Set<Long> questionIds(UUID examId) {
        Set<Long> ids = new HashSet<>();
        if (examId != null) {
            exams.questions(examId).forEach(q -> ids.add(q.id()));
        }
        return ids;
    }

    private static Long questionId(String id) {
        try {
            return id == null ? null : Long.valueOf(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private TrainingRun find(UUID id) {
        return runs.findById(id).orElseThrow(() -> ApiProblem.notFound("Training run", id));
    }

    private static long numberParam(TrainingRun run, String name, long fallback) {
        return run.getParams().get(name) instanceof Number number ? number.longValue() : fallback;
    }

    private static String runUrl(UUID id) {
        return ServletUriComponentsBuilder.fromCurrentContextPath().path("/api/worker/trainings/{id}").buildAndExpand(id).toUriString();
    }
}
