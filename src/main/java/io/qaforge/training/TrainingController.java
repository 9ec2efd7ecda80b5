package io.qaforge.training;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.qaforge.exam.Exams;
import io.qaforge.export.Dataset;
import io.qaforge.export.DatasetRepository;
import io.qaforge.export.ExportOptions;
import io.qaforge.export.HandWrittenPairs;
import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Users queue LoRA training runs on a job's (or dataset's) pairs, or evaluate base models on an exam, and follow them;
 * GPU workers do the work. A finished run gives its recall before / in context / after, every answer, and the adapter.
 */
@RestController
@RequestMapping("/api/trainings")
class TrainingController {

    static final String MODEL_ID = "[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?";
    static final String MODEL_ID_MESSAGE = "must be a Hugging Face model id such as Qwen/Qwen2.5-0.5B-Instruct";
    static final int MAX_COMPARED_MODELS = 20;

    /**
     * Name the data by {@code jobId} or {@code datasetId} (the union of its jobs); an evaluate-only run may name only an
     * exam. Without {@code examId} the exam is the jobs' held-out test split. A training run also answers a retention
     * exam closed book before and after ({@code retentionExamId}, default the built-in general-knowledge one).
     *
     * @param baseModel a Hugging Face model id ({@code owner/name}) the worker loads
     * @param params    hyperparameters passed to the worker (camelCase: epochs, learningRate, loraR, loraAlpha, maxLength,
     *                  packing, probe, neftuneNoiseAlpha, batchSize, gradientAccumulation, seed, ...; see TrainingParams)
     * @param handWrittenRepeat each hand-written train pair of the dataset trained on this many times per epoch (default 1),
     *                  so a small careful set is not drowned by thousands of generated pairs
     * @param examOverlap true when the dataset's hand-written pairs are meant to be the exam's questions too; without it a
     *                  run whose exam asks questions it trains on is refused, as its recall would measure memorised rows
     */
    record CreateTraining(UUID jobId, UUID datasetId, UUID examId,
                          @NotBlank @Size(max = 200) @Pattern(regexp = MODEL_ID, message = MODEL_ID_MESSAGE) String baseModel,
                          Boolean evaluateOnly, Map<String, Object> params, UUID retentionExamId,
                          @Min(1) @Max(ExportOptions.MAX_HAND_WRITTEN_REPEAT) Integer handWrittenRepeat, Boolean examOverlap) {
    }

    /** Several base models evaluated (before and in context, no training) on one exam: which one knows most already? */
    record CreateComparison(@NotEmpty @Size(max = MAX_COMPARED_MODELS)
                            List<@NotBlank @Size(max = 200) @Pattern(regexp = MODEL_ID, message = MODEL_ID_MESSAGE) String> baseModels,
                            UUID jobId, UUID datasetId, UUID examId, Map<String, Object> params) {
    }

    record ExamRef(UUID id, String name, int questions) {
    }

    record ArtifactView(String kind, String sha256, long bytes, Instant createdAt, String url) {
    }

    /**
     * @param recall   the worker's summary: before / in context / after (exact match, token F1, contained, judge),
     *                 by direction, and the recovery ratio (after − before) / (in context − before)
     * @param attempts claims so far that did not end in a release
     * @param round    its remediation round: 1, or one more than the run it {@code remediates} (see /rounds)
     * @param retention its retention exam, before and after, the drop and whether it passes the warning threshold;
     *                  null for an evaluation
     */
    record TrainingView(UUID id, UUID jobId, Set<UUID> jobIds, UUID datasetId, int handWrittenRepeat, ExamRef exam, String baseModel, Map<String, Object> params,
                        boolean evaluateOnly, UUID comparisonId, int round, UUID remediates, TrainingRun.Status status,
                        boolean cancelRequested, String workerId, int attempts, Map<String, Object> progress, Map<String, Object> recall,
                        Retention retention, Map<String, Object> metrics, Map<String, Object> report, List<ArtifactView> artifacts, String error, Instant createdAt, Instant startedAt,
                        Instant finishedAt, List<Map<String, Object>> history) {
    }

    /** One base model's row: its before and in-context summaries (the worker's recall) on the comparison's exam. */
    record ComparisonRow(UUID runId, String baseModel, TrainingRun.Status status, String error, Object before, Object inContext) {
    }

    record ComparisonView(UUID id, ExamRef exam, List<ComparisonRow> runs) {
    }

    private final TrainingRunRepository runs;
    private final TrainingQueue queue;
    private final Artifacts artifacts;
    private final Jobs jobs;
    private final DatasetRepository datasets;
    private final HandWrittenPairs handWritten;
    private final Exams exams;
    private final TrainingProperties properties;

    TrainingController(TrainingRunRepository runs, TrainingQueue queue, Artifacts artifacts, Jobs jobs, DatasetRepository datasets,
                       HandWrittenPairs handWritten, Exams exams, TrainingProperties properties) {
        this.handWritten = handWritten;
        this.runs = runs;
        this.queue = queue;
        this.artifacts = artifacts;
        this.jobs = jobs;
        this.datasets = datasets;
        this.exams = exams;
        this.properties = properties;
    }

    @Operation(summary = "Queue a training run (or, evaluateOnly, a base model's exam) on a job, a dataset or an exam")
    @PostMapping
    ResponseEntity<TrainingView> create(@Valid @RequestBody CreateTraining request) {
        Map<String, Object> params = TrainingParams.validate(request.params());
        boolean evaluateOnly = Boolean.TRUE.equals(request.evaluateOnly());
        TrainingRun.Source source = source(request.jobId(), request.datasetId(), request.examId(), evaluateOnly, false,
                request.retentionExamId(), request.handWrittenRepeat() == null ? 1 : request.handWrittenRepeat());
        if (!evaluateOnly && !Boolean.TRUE.equals(request.examOverlap())) {
            refuseExamOverlap(source);
        }
        TrainingRun run = new TrainingRun(source, request.baseModel(), params, evaluateOnly, null);
        queue.insert(run);
        return ResponseEntity.created(URI.create("/api/trainings/" + run.getId())).body(view(run, List.of()));
    }

    @Operation(summary = "Evaluate several base models (before and in context, no training) on one exam: one run each")
    @PostMapping("/compare")
    @Transactional
    ResponseEntity<ComparisonView> compare(@Valid @RequestBody CreateComparison request) {
        Map<String, Object> params = TrainingParams.validate(request.params());
        Set<String> models = new LinkedHashSet<>(request.baseModels());
        if (models.size() < request.baseModels().size()) {
            throw ApiProblem.badRequest(ProblemType.INVALID_REQUEST, "Invalid request", "baseModels: each model once");
        }
        TrainingRun.Source source = source(request.jobId(), request.datasetId(), request.examId(), true, true, null, 1);
        UUID comparison = UUID.randomUUID();
        models.forEach(model -> queue.insert(new TrainingRun(source, model, params, true, comparison)));
        return ResponseEntity.created(URI.create("/api/trainings/comparisons/" + comparison)).body(comparison(comparison));
    }

    @GetMapping("/comparisons/{id}")
    ComparisonView comparison(@PathVariable UUID id) {
        List<TrainingRun> members = runs.findByComparisonIdOrderByCreatedAt(id);
        if (members.isEmpty()) {
            throw ApiProblem.notFound("Comparison", id);
        }
        List<ComparisonRow> rows = members.stream().map(run -> new ComparisonRow(run.getId(), run.getBaseModel(), run.getStatus(), run.getError(),
                run.getRecall() == null ? null : run.getRecall().get("before"), run.getRecall() == null ? null : run.getRecall().get("inContext"))).toList();
        return new ComparisonView(id, exam(members.getFirst().getExamId()), rows);
    }

    @GetMapping
    Page<TrainingView> list(@PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return runs.findAll(pageable).map(run -> view(run, null));
    }

    /** The run with its recall summary and every progress report so far ({@code history}: the loss and learning-rate curves). */
    @GetMapping("/{id}")
    TrainingView get(@PathVariable UUID id) {
        return view(find(id), queue.history(id));
    }

    @Operation(summary = "Every exam question the run answered, with the model's answer and scores per phase, and recall by fact")
    @GetMapping("/{id}/results")
    Results.View results(@PathVariable UUID id) {
        TrainingRun run = find(id);
        if (run.getExamId() == null) {
            return Results.of(id, null, List.of(), List.of());
        }
        return Results.of(id, exams.find(run.getExamId()).orElse(null), exams.questions(run.getExamId(), jobs.documentIds(run.getJobIds())),
                queue.results(id));
    }

    @Operation(summary = "Download the adapter: a zip that PeftModel.from_pretrained loads once unzipped")
    @GetMapping("/{id}/adapter")
    void adapter(@PathVariable UUID id, HttpServletResponse response) throws IOException {
        download(find(id), "adapter", response);
    }

    @Operation(summary = "Download the merged model (trained with merge: true): a zip AutoModelForCausalLM loads once unzipped")
    @GetMapping("/{id}/merged")
    void merged(@PathVariable UUID id, HttpServletResponse response) throws IOException {
        download(find(id), "merged", response);
    }

    @PostMapping("/{id}/cancel")
    TrainingView cancel(@PathVariable UUID id) {
        TrainingRun run = find(id);
        if (!queue.cancel(id)) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.TRAINING_FINISHED, "Training already finished",
                    "The run ended as " + run.getStatus() + "; there is nothing to cancel");
        }
        return get(id);
    }

    /**
     * The jobs a run trains on and the exam it is scored on. Without an exam named, the jobs' test split is made one
     * now if they have finished (else when a worker claims the run); an evaluation needs one, so it must exist by then.
     * A training run answers a retention exam before and after; an evaluation has no after, so it names none.
     */
    private TrainingRun.Source source(UUID jobId, UUID datasetId, UUID examId, boolean evaluateOnly, boolean examNow, UUID retentionExamId,
                                      int handWrittenRepeat) {
        if (jobId != null && datasetId != null) {
            throw invalidSource("name a jobId or a datasetId, not both");
        }
        if (jobId == null && datasetId == null && !(evaluateOnly && examId != null)) {
            throw invalidSource(evaluateOnly ? "an evaluation needs an examId, or a jobId or datasetId whose test split is the exam"
                    : "a training run needs a jobId or a datasetId (the pairs it trains on)");
        }
        Set<UUID> jobIds = Set.of();
        if (jobId != null) {
            jobs.requireExists(jobId);
            jobIds = Set.of(jobId);
        } else if (datasetId != null) {
            Dataset dataset = datasets.findById(datasetId).orElseThrow(() -> ApiProblem.notFound("Dataset", datasetId));
            jobIds = dataset.getJobIds();
            if (jobIds.isEmpty() && handWritten.counts(datasetId).isEmpty()) {
                throw invalidSource("dataset " + datasetId + " holds no jobs and no hand-written pairs");
            }
        }
        if (handWrittenRepeat != 1 && (datasetId == null || handWritten.counts(datasetId).getOrDefault("train", 0L) == 0)) {
            throw invalidSource("handWrittenRepeat weights a dataset's hand-written train pairs; name a datasetId that holds some");
        }
        UUID exam = examId;
        if (examId != null) {
            exams.find(examId).orElseThrow(() -> ApiProblem.notFound("Exam", examId));
        } else if (queue.ready(jobIds)) {
            exam = exams.ofTestSplit(jobIds).orElse(null);
            if (exam == null && evaluateOnly) {
                throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.NO_EXAM, "No exam",
                        "The jobs have no test pairs to examine the model on; name an exam (examId)");
            }
        } else if (examNow) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.JOB_NOT_FINISHED, "Job not finished",
                    "The jobs are still generating, so their test split is not final: wait for them, or name an exam (examId)");
        }
        if (evaluateOnly && retentionExamId != null) {
            throw invalidSource("an evaluation has no \"after\" to measure forgetting against; retentionExamId is for training runs");
        }
        UUID retention = evaluateOnly ? null : retentionExamId == null ? exams.defaultRetentionExam()
                : exams.find(retentionExamId).map(Exams.Summary::id).orElseThrow(() -> ApiProblem.notFound("Exam", retentionExamId));
        return new TrainingRun.Source(jobId, datasetId, jobIds, exam, retention, handWrittenRepeat);
    }

    /**
     * Recall on questions the model was trained on measures memorised rows, not what it learned: a run whose exam asks
     * any of its hand-written train questions (compared without case or spacing) is refused, naming them.
     */
    private void refuseExamOverlap(TrainingRun.Source source) {
        if (source.datasetId() == null || source.examId() == null) {
            return;
        }
        Set<String> trained = new HashSet<>();
        handWritten.trainQuestions(source.datasetId()).forEach(q -> trained.add(comparable(q)));
        List<String> overlap = exams.questions(source.examId()).stream().map(Exams.Question::question)
                .filter(q -> trained.contains(comparable(q))).toList();
        if (!overlap.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.EXAM_OVERLAP, "The exam asks questions the run trains on", overlap.size()
                    + " of the exam's questions are hand-written train pairs of dataset " + source.datasetId() + ", so recall would measure "
                    + "memorised rows: " + overlap.stream().limit(10).map(q -> "\"" + q + "\"").collect(Collectors.joining("; "))
                    + (overlap.size() > 10 ? " (and " + (overlap.size() - 10) + " more)" : "")
                    + ". Use another exam, or send examOverlap: true if the same pairs are meant to be both");
        }
    }

    private static String comparable(String question) {
        return question.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    private void download(TrainingRun run, String kind, HttpServletResponse response) throws IOException {
        Artifacts.Stored stored = artifacts.find(run.getId(), kind).orElseThrow(() -> new ApiProblem(HttpStatus.NOT_FOUND,
                kind.equals("merged") ? ProblemType.NO_MERGED : ProblemType.NO_ADAPTER,
                "No " + kind, "Run " + run.getId() + " has no " + kind + (run.isEvaluateOnly() ? ": it only evaluated the base model"
                : kind.equals("merged") ? ": it was not trained with merge: true" : " (yet): it is " + run.getStatus())));
        response.setContentType("application/zip");
        response.setContentLengthLong(stored.bytes());
        response.setHeader(HttpHeaders.ETAG, "\"" + stored.sha256() + "\"");
        response.setHeader("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(stored.sha256())) + ":");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                .filename(fileStem(run) + "-" + kind + ".zip").build().toString());
        artifacts.copy(run.getId(), kind, response.getOutputStream());
    }

    /** {@code qaforge-<model name>-<first 8 of the run id>}: readable, and distinct per run. */
    private static String fileStem(TrainingRun run) {
        String model = run.getBaseModel().substring(run.getBaseModel().indexOf('/') + 1).toLowerCase(Locale.ROOT);
        return "qaforge-" + model + "-" + run.getId().toString().substring(0, 8);
    }

    private TrainingView view(TrainingRun run, List<Map<String, Object>> history) {
        List<ArtifactView> delivered = new ArrayList<>();
        for (Artifacts.Stored a : artifacts.list(run.getId())) {
            delivered.add(new ArtifactView(a.kind(), a.sha256(), a.bytes(), a.createdAt(), "/api/trainings/" + run.getId() + "/" + a.kind()));
        }
        return new TrainingView(run.getId(), run.getJobId(), run.getJobIds(), run.getDatasetId(), run.getHandWrittenRepeat(), exam(run.getExamId()), run.getBaseModel(),
                run.getParams(), run.isEvaluateOnly(), run.getComparisonId(), run.getRound(), run.getRemediates(), run.getStatus(),
                run.isCancelRequested(), run.getWorkerId(), run.getAttempts(), run.getProgress(), run.getRecall(), retention(run),
                run.getMetrics(), run.getReport(), delivered, run.getError(),
                run.getCreatedAt(), run.getStartedAt(), run.getFinishedAt(), history);
    }

    private Retention retention(TrainingRun run) {
        ExamRef exam = exam(run.getRetentionExamId());
        return exam == null ? null : Retention.of(exam.id(), exam.name(), run.getRecall(), properties.retentionDropWarning());
    }

    private ExamRef exam(UUID examId) {
        return examId == null ? null : exams.find(examId).map(e -> new ExamRef(e.id(), e.name(), e.questions())).orElse(null);
    }

    private TrainingRun find(UUID id) {
        return runs.findById(id).orElseThrow(() -> ApiProblem.notFound("Training run", id));
    }

    private static ApiProblem invalidSource(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_TRAINING_SOURCE, "What to train on is unclear", detail);
    }
}
