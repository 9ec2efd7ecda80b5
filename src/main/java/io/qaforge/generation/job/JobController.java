package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Positive;
import io.swagger.v3.oas.annotations.Operation;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import io.qaforge.generation.Estimate;
import io.qaforge.generation.JobStatus;
import io.qaforge.generation.queue.GenerationEngine;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

@RestController
@RequestMapping("/api/jobs")
public class JobController {

    record EstimateView(Estimate estimate, List<BigDecimal> temperatures, List<String> variants) {
        static EstimateView of(JobPlanner.Plan plan) {
            return new EstimateView(plan.estimate(), plan.params().temperatures(), plan.params().variants());
        }
    }

    record Budget(@Positive @DecimalMax(JobRequest.MAX_COST_USD) BigDecimal maxCostUsd, @Positive @Max(JobRequest.MAX_TOKENS) Long maxTokens) {
    }

    record RetryView(int tasksReset, JobViews.View job) {
    }

    private final JobPlanner planner;
    private final JobStore jobs;
    private final JobViews views;
    private final JobEvents events;
    private final GenerationEngine engine;

    JobController(JobPlanner planner, JobStore jobs, JobViews views, JobEvents events, GenerationEngine engine) {
        this.planner = planner;
        this.jobs = jobs;
        this.views = views;
        this.events = events;
        this.engine = engine;
    }

    @Operation(summary = "Create a generation job", description = "201 with the job and its estimate; with dryRun, 200 with the estimate only")
    @PostMapping
    ResponseEntity<?> create(@Valid @RequestBody JobRequest request) {
        JobPlanner.Plan plan = planner.plan(request);
        if (Boolean.TRUE.equals(request.dryRun())) {
            return ResponseEntity.ok(EstimateView.of(plan));
        }
        JobPlanner.requireWithinBudget(plan);
        UUID id = jobs.create(plan);
        engine.wake();
        return ResponseEntity.created(URI.create("/api/jobs/" + id)).body(view(id));
    }

    @Operation(summary = "What a job would cost, without creating it")
    @PostMapping("/estimate")
    EstimateView estimate(@Valid @RequestBody JobRequest request) {
        return EstimateView.of(planner.plan(request));
    }

    @Operation(summary = "All jobs, newest first")
    @GetMapping
    Page<JobViews.View> list(@PageableDefault(size = 20) Pageable pageable) {
        return views.list(pageable);
    }

    @GetMapping("/{id}")
    JobViews.View get(@PathVariable UUID id) {
        return view(id);
    }

    @Operation(summary = "The job's progress as Server-Sent Events",
            description = "a 'job' event at once and then each second while it changes, until the job ends; 503 when too many streams are open")
    @GetMapping(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable UUID id) {
        return events.subscribe(view(id));
    }

    @PostMapping("/{id}/cancel")
    JobViews.View cancel(@PathVariable UUID id) {
        view(id);
        if (!jobs.cancel(id)) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.JOB_FINISHED, "Job already finished", "Job " + id + " has already ended");
        }
        return view(id);
    }

    @Operation(summary = "Give the job's failed tasks fresh attempts", description = "also resumes a job stopped by a job-wide failure")
    @PostMapping("/{id}/retry-failed")
    RetryView retryFailed(@PathVariable UUID id) {
        requireResumable(view(id));
        int reset = jobs.retryFailed(id);
        engine.wake();
        return new RetryView(reset, view(id));
    }

    @Operation(summary = "Set a new budget and resume a job that ended BUDGET_EXHAUSTED")
    @PostMapping("/{id}/resume")
    JobViews.View resume(@PathVariable UUID id, @Valid @RequestBody Budget budget) {
        requireResumable(view(id));
        jobs.resume(id, budget.maxCostUsd(), budget.maxTokens());
        engine.wake();
        return view(id);
    }

    @Operation(summary = "The job's pairs, accepted and rejected, with their provenance")
    @GetMapping("/{id}/pairs")
    Page<JobViews.PairView> pairs(@PathVariable UUID id,
                                  @RequestParam(required = false) String split,
                                  @RequestParam(required = false) BigDecimal temperature,
                                  @RequestParam(required = false) String variant,
                                  @RequestParam(required = false) Long chunkId,
                                  @RequestParam(required = false) Boolean rejected,
                                  @RequestParam(required = false) Long factId,
                                  @PageableDefault(size = 50) Pageable pageable) {
        view(id);
        if (split != null && !List.of("train", "test").contains(split.toLowerCase(Locale.ROOT))) {
            throw ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter", "split is 'train' or 'test'");
        }
        requirePageSize(pageable);
        return views.pairs(id, new JobViews.PairQuery(split == null ? null : split.toLowerCase(Locale.ROOT), temperature,
                variant, chunkId, rejected, factId), pageable);
    }

    @Operation(summary = "A fact job's facts with their coverage",
            description = "in document order, of one chunk with chunkId; forward and reverse count the accepted pairs that test each fact")
    @GetMapping("/{id}/facts")
    Page<JobViews.FactView> facts(@PathVariable UUID id, @RequestParam(required = false) Long chunkId,
                                  @PageableDefault(size = 50) Pageable pageable) {
        JobViews.View job = view(id);
        requirePageSize(pageable);
        if (job.coverage() == null) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.NOT_A_FACT_JOB, "Not a fact job",
                    "Job " + id + " uses the recipe strategy: it lists no facts");
        }
        return views.facts(id, chunkId, job.coverage().target(), pageable);
    }

    @Operation(summary = "The pairs that test one of a job's facts, accepted and rejected")
    @GetMapping("/{id}/facts/{factId}/pairs")
    Page<JobViews.PairView> factPairs(@PathVariable UUID id, @PathVariable long factId,
                                      @RequestParam(required = false) Boolean rejected,
                                      @PageableDefault(size = 50) Pageable pageable) {
        view(id);
        requirePageSize(pageable);
        if (!views.teaches(id, factId)) {
            throw ApiProblem.notFound("Fact", factId);
        }
        return views.pairs(id, new JobViews.PairQuery(null, null, null, null, rejected, factId), pageable);
    }

    private static void requirePageSize(Pageable pageable) {
        if (pageable.getPageSize() > 1000) {
            throw ApiProblem.badRequest(ProblemType.INVALID_PARAMETER, "Invalid parameter", "size is at most 1000");
        }
    }

    private JobViews.View view(UUID id) {
        return views.view(id).orElseThrow(() -> ApiProblem.notFound("Job", id));
    }

    private static void requireResumable(JobViews.View job) {
        if (job.status() == JobStatus.CANCELLED) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.JOB_CANCELLED, "Job cancelled", "A cancelled job cannot be resumed");
        }
    }
}
