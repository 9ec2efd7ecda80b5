package io.qaforge.exam;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;


import io.qaforge.document.Document;
import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.PairFiles;
import io.qaforge.system.ProblemType;

/**
 * Exams: uploaded (JSON, or a CSV/JSONL file) or made from a job's held-out test pairs. A refused exam stores nothing:
 * every question is checked before the first is written, and all are written in one transaction.
 */
@RestController
class ExamController {

    static final int MAX_NAME = 200;

    /**
     * @param documentId a document that gives every question without a context of its own one: its whole text when it
     *                   fits {@link Contexts#WHOLE_DOCUMENT_MAX_TOKENS}, else the passages BM25 ranks highest for it
     */
    record CreateExam(@NotBlank @Size(max = MAX_NAME) String name,
                      @NotEmpty @Size(max = QuestionInput.MAX_QUESTIONS) List<QuestionInput> questions,
                      UUID documentId) {
    }

    record FromJob(@Size(max = MAX_NAME) String name) {
    }

    record ExamView(UUID id, String name, String source, int questionCount, List<UUID> jobIds, Instant createdAt) {
        static ExamView of(Exam exam) {
            return new ExamView(exam.getId(), exam.getName(), exam.getSource(), exam.getQuestionCount(), exam.getJobIds(), exam.getCreatedAt());
        }
    }

    /**
     * A question as a user reads it; the context can be a whole document, so only whether there is one and its source.
     *
     * @param contextSource where its in-context text came from (see {@link Exams.Question}); null without one
     */
    record QuestionView(long id, int ordinal, String question, String answer, Long factId, String direction, Long chunkId,
                        boolean hasContext, String contextSource) {
    }

    record ExamDetail(UUID id, String name, String source, int questionCount, List<UUID> jobIds, Instant createdAt,
                      List<QuestionView> questions) {
    }

    private final ExamRepository exams;
    private final ExamStore store;
    private final Contexts contexts;
    private final Jobs jobs;
    private final ExamFiles files;
    private final HarnessExport harness;

    ExamController(ExamRepository exams, ExamStore store, Contexts contexts, Jobs jobs, JsonMapper json, HarnessExport harness) {
        this.exams = exams;
        this.store = store;
        this.contexts = contexts;
        this.jobs = jobs;
        this.files = new ExamFiles(json);
        this.harness = harness;
    }

    @Operation(summary = "Create an exam from questions given as JSON")
    @PostMapping(value = "/api/exams", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ExamView> create(@Valid @RequestBody CreateExam request) {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < request.questions().size() && errors.size() < 10; i++) {
            QuestionInput question = request.questions().get(i);
            String problem = question == null ? "must be an object with question and answer" : question.problem();
            if (problem != null) {
                errors.add("questions[" + i + "]: " + problem);
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.INVALID_EXAM, "Invalid exam", String.join("; ", errors));
        }
        return created(request.name().strip(), "json", request.questions(), request.documentId());
    }

    @Operation(summary = "Create an exam from an uploaded CSV or JSONL file (question, answer, optional factId, direction, context)")
    @PostMapping(value = "/api/exams", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<ExamView> upload(@RequestParam("file") MultipartFile file, @RequestParam(value = "name", required = false) String name,
                                    @RequestParam(value = "documentId", required = false) UUID documentId) throws IOException {
        String examName = name == null || name.isBlank() ? fileStem(file.getOriginalFilename()) : name.strip();
        if (examName.length() > MAX_NAME) {
            throw ApiProblem.badRequest(ProblemType.INVALID_EXAM, "Invalid exam", "name is limited to " + MAX_NAME + " characters");
        }
        PairFiles.Parsed<QuestionInput> parsed = files.read(file);
        return created(examName, parsed.format(), parsed.rows(), documentId);
    }

    @Operation(summary = "Make an exam of a finished job's held-out test pairs, each with its source text as context")
    @PostMapping("/api/jobs/{id}/exam")
    ResponseEntity<ExamView> fromJob(@PathVariable UUID id, @Valid @RequestBody(required = false) FromJob request) {
        jobs.requireExists(id);
        if (!store.notReady(List.of(id)).isEmpty()) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.JOB_NOT_FINISHED, "Job not finished",
                    "Job " + id + " is still generating or ended without a dataset; its test split is not final yet");
        }
        String name = request == null || request.name() == null || request.name().isBlank() ? Exams.defaultName(List.of(id)) : request.name().strip();
        Exam exam = store.fromTestSplit(List.of(id), name).orElseThrow(() -> new ApiProblem(HttpStatus.CONFLICT, ProblemType.NO_TEST_PAIRS,
                "No test pairs", "Job " + id + " has no accepted test pairs to make an exam of (its test fraction may be 0)"));
        return ResponseEntity.created(URI.create("/api/exams/" + exam.getId())).body(ExamView.of(exam));
    }

    @GetMapping("/api/exams")
    Page<ExamView> list(@PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return exams.findAll(pageable).map(ExamView::of);
    }

    @GetMapping("/api/exams/{id}")
    ExamDetail get(@PathVariable UUID id) {
        Exam exam = find(id);
        List<QuestionView> questions = store.questions(id).stream()
                .map(q -> new QuestionView(q.id(), q.ordinal(), q.question(), q.answer(), q.factId(), q.direction(), q.chunkId(),
                        q.context() != null, q.contextSource()))
                .toList();
        return new ExamDetail(exam.getId(), exam.getName(), exam.getSource(), exam.getQuestionCount(), exam.getJobIds(), exam.getCreatedAt(), questions);
    }

    @Operation(summary = "Download the exam as an evaluation-harness task: format=lm-eval (a zip for lm_eval --include_path) "
            + "or format=lighteval (a zip with a file for lighteval --custom-tasks)")
    @GetMapping("/api/exams/{id}/export")
    void export(@PathVariable UUID id, @RequestParam String format, HttpServletResponse response) throws IOException {
        HarnessExport.requireFormat(format);
        Exam exam = find(id);
        List<Exams.Question> questions = store.questions(id);
        response.setContentType("application/zip");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                .filename(HarnessExport.taskName(exam) + "-" + format + ".zip").build().toString());
        harness.export(format, exam, questions, response.getOutputStream());
    }

    @DeleteMapping("/api/exams/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        find(id);
        store.delete(id);
        return ResponseEntity.noContent().build();
    }

    /** A question without a passage of its own takes the document's (whole, or the passages BM25 ranks highest for it). */
    private ResponseEntity<ExamView> created(String name, String source, List<QuestionInput> questions, UUID documentId) {
        List<QuestionInput> stripped = questions.stream().map(QuestionInput::stripped).toList();
        List<Contexts.Context> fromDocument = documentId == null ? null
                : contexts.forQuestions(stripped.stream().map(QuestionInput::question).toList(), List.of(readyDocument(documentId)));
        List<ExamStore.NewQuestion> rows = new ArrayList<>();
        for (int i = 0; i < stripped.size(); i++) {
            QuestionInput q = stripped.get(i);
            Contexts.Context context = q.context() != null ? new Contexts.Context(q.context(), Contexts.UPLOADED)
                    : fromDocument == null ? null : fromDocument.get(i);
            rows.add(new ExamStore.NewQuestion(q.question(), q.answer(), q.factId(), q.direction(), null, null, context));
        }
        Exam exam = store.create(name, source, List.of(), rows);
        return ResponseEntity.created(URI.create("/api/exams/" + exam.getId())).body(ExamView.of(exam));
    }

    private UUID readyDocument(UUID documentId) {
        Document document = contexts.document(documentId)
                .orElseThrow(() -> ApiProblem.badRequest(ProblemType.UNKNOWN_DOCUMENT, "Unknown document", "No document with id " + documentId));
        if (document.getStatus() != Document.Status.READY) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.DOCUMENT_NOT_READY, "Document not ready",
                    "Document " + documentId + " is " + document.getStatus() + ": its text is known once it is READY");
        }
        return documentId;
    }

    private Exam find(UUID id) {
        return exams.findById(id).orElseThrow(() -> ApiProblem.notFound("Exam", id));
    }

    private static String fileStem(String fileName) {
        if (fileName == null || fileName.isBlank()) {
            return "Uploaded exam";
        }
        String base = fileName.replaceAll(".*[/\\\\]", "");
        String stem = base.contains(".") ? base.substring(0, base.lastIndexOf('.')) : base;
        stem = stem.isBlank() ? base : stem;
        return stem.length() > MAX_NAME ? stem.substring(0, MAX_NAME) : stem;
    }
}
