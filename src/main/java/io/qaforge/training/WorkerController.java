package io.qaforge.training;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;
import io.qaforge.export.Exporter;
import io.qaforge.system.ApiProblem;

/** The API GPU workers poll (guarded by the worker token): claim a run, report progress, finish or fail it. */
@RestController
@RequestMapping("/api/worker/trainings")
class WorkerController {

    record ClaimRequest(@NotBlank String workerId, @Min(10) @Max(3600) Integer leaseSeconds) {
    }

    record Claim(UUID id, UUID jobId, String baseModel, Map<String, Object> params, Map<String, String> datasetUrls,
                 Instant leaseUntil) {
    }

    record HeartbeatAnswer(boolean cancelRequested, Instant leaseUntil) {
    }

    record Completion(@NotBlank String workerId, Map<String, Object> metrics, Map<String, Object> report, String adapterUri) {
    }

    record Failure(@NotBlank String workerId, @NotBlank String reason) {
    }

    private static final int DEFAULT_LEASE_SECONDS = 120;


    private final TrainingQueue queue;
    private final TrainingRunRepository runs;
    private final Exporter exporter;

    WorkerController(TrainingQueue queue, TrainingRunRepository runs, Exporter exporter) {
        this.queue = queue;
        this.runs = runs;
        this.exporter = exporter;
    }

    @PostMapping("/claim")
    ResponseEntity<Claim> claim(@Valid @RequestBody ClaimRequest request) {
        int lease = request.leaseSeconds() == null ? DEFAULT_LEASE_SECONDS : request.leaseSeconds();
        return queue.claim(request.workerId(), lease)
                .flatMap(runs::findById)
                .map(run -> ResponseEntity.ok(new Claim(run.getId(), run.getJobId(), run.getBaseModel(), run.getParams(),
                        datasetUrls(run), run.getLeaseUntil())))
                .orElse(ResponseEntity.noContent().build());
    }

    /** Body: {@code workerId} plus the progress fields (step, totalSteps, loss, evalLoss, learningRate, ...), stored as sent. */
    @PostMapping("/{id}/heartbeat")
    HeartbeatAnswer heartbeat(@PathVariable UUID id, @RequestBody Map<String, Object> body) {
        Map<String, Object> progress = new HashMap<>(body);
        Object workerId = progress.remove("workerId");
        if (!(workerId instanceof String worker) || worker.isBlank()) {
            throw ApiProblem.badRequest("invalid-request", "Invalid request", "workerId: must not be blank");
        }
        return queue.heartbeat(id, worker, progress)
                .map(lease -> new HeartbeatAnswer(lease.cancelRequested(), lease.leaseUntil()))
                .orElseThrow(() -> leaseLost(id));
    }

    @PostMapping("/{id}/complete")
    ResponseEntity<Void> complete(@PathVariable UUID id, @Valid @RequestBody Completion completion) {
        if (!queue.complete(id, completion.workerId(), completion.metrics(), completion.report(), completion.adapterUri())) {
            throw leaseLost(id);
        }
        return ResponseEntity.ok().build();
    }

    @PostMapping("/{id}/fail")
    ResponseEntity<Void> fail(@PathVariable UUID id, @Valid @RequestBody Failure failure) {
        if (!queue.fail(id, failure.workerId(), failure.reason())) {
            throw leaseLost(id);
        }
        return ResponseEntity.ok().build();
    }

    /**
     * The run's job exported as chat-row JSONL, the same file a user downloads; the run's {@code pairsPerRow} and
     * {@code seed} params shape it as they would an export.
     */
    @GetMapping(value = "/{id}/dataset", produces = "application/x-ndjson")
    void dataset(@PathVariable UUID id, @RequestParam String split, HttpServletResponse response) throws IOException {
        TrainingRun run = runs.findById(id).orElseThrow(() -> ApiProblem.notFound("Training run", id));
        var options = new ExportOptions(ExportFormat.JSONL, split, (int) numberParam(run, "pairsPerRow", ExportOptions.DEFAULT_PAIRS_PER_ROW),
                numberParam(run, "seed", ExportOptions.DEFAULT_SEED), null, false);
        exporter.export(List.of(run.getJobId()), options, response.getOutputStream());
    }

    private static long numberParam(TrainingRun run, String name, long fallback) {
        return run.getParams().get(name) instanceof Number number ? number.longValue() : fallback;
    }

    private static Map<String, String> datasetUrls(TrainingRun run) {
        String base = ServletUriComponentsBuilder.fromCurrentContextPath().path("/api/worker/trainings/{id}/dataset").buildAndExpand(run.getId()).toUriString();
        return Map.of("train", base + "?split=train", "test", base + "?split=test");
    }

    private static ApiProblem leaseLost(UUID id) {
        return new ApiProblem(HttpStatus.CONFLICT, "lease-lost", "Lease lost",
                "Run " + id + " is not running under this worker any more (lease expired and taken over, cancelled, or finished)");
    }
}
