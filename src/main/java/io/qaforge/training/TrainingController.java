package io.qaforge.training;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;

/** Users queue LoRA training runs on a job's dataset and follow them; GPU workers do the training. */
@RestController
@RequestMapping("/api/trainings")
class TrainingController {

    /**
     * @param baseModel a Hugging Face model id ({@code owner/name}) the worker loads
     * @param params    hyperparameters passed to the worker (camelCase: epochs, learningRate, loraR, loraAlpha, maxLength,
     *                  packing, probe, neftuneNoiseAlpha, batchSize, gradientAccumulation, seed, ...; see TrainingParams)
     */
    record CreateTraining(@NotNull UUID jobId,
                          @NotBlank @Size(max = 200) @Pattern(regexp = MODEL_ID, message = "must be a Hugging Face model id such as Qwen/Qwen2.5-0.5B-Instruct")
                          String baseModel,
                          Map<String, Object> params) {
    }

    private static final String MODEL_ID = "[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?";

    record TrainingView(UUID id, UUID jobId, String baseModel, Map<String, Object> params, TrainingRun.Status status,
                        boolean cancelRequested, String workerId, Map<String, Object> progress, Map<String, Object> metrics,
                        Map<String, Object> report, String adapterUri, String error, Instant createdAt, Instant startedAt,
                        Instant finishedAt, List<Map<String, Object>> history) {

        static TrainingView of(TrainingRun run, List<Map<String, Object>> history) {
            return new TrainingView(run.getId(), run.getJobId(), run.getBaseModel(), run.getParams(), run.getStatus(),
                    run.isCancelRequested(), run.getWorkerId(), run.getProgress(), run.getMetrics(), run.getReport(),
                    run.getAdapterUri(), run.getError(), run.getCreatedAt(), run.getStartedAt(), run.getFinishedAt(), history);
        }
    }

    private final TrainingRunRepository runs;
    private final TrainingQueue queue;
    private final Jobs jobs;

    TrainingController(TrainingRunRepository runs, TrainingQueue queue, Jobs jobs) {
        this.runs = runs;
        this.queue = queue;
        this.jobs = jobs;
    }

    @PostMapping
    ResponseEntity<TrainingView> create(@Valid @RequestBody CreateTraining request) {
        Map<String, Object> params = TrainingParams.validate(request.params());
        jobs.requireExists(request.jobId());
        TrainingRun run = runs.save(new TrainingRun(request.jobId(), request.baseModel(), params));
        return ResponseEntity.created(URI.create("/api/trainings/" + run.getId())).body(TrainingView.of(run, List.of()));
    }

    @GetMapping
    Page<TrainingView> list(@PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return runs.findAll(pageable).map(run -> TrainingView.of(run, null));
    }

    /** The run with every progress report so far ({@code history}: the loss and learning-rate curves). */
    @GetMapping("/{id}")
    TrainingView get(@PathVariable UUID id) {
        return TrainingView.of(find(id), queue.history(id));
    }

    @PostMapping("/{id}/cancel")
    TrainingView cancel(@PathVariable UUID id) {
        TrainingRun run = find(id);
        if (!queue.cancel(id)) {
            throw new ApiProblem(HttpStatus.CONFLICT, "training-finished", "Training already finished",
                    "The run ended as " + run.getStatus() + "; there is nothing to cancel");
        }
        return get(id);
    }

    private TrainingRun find(UUID id) {
        return runs.findById(id).orElseThrow(() -> ApiProblem.notFound("Training run", id));
    }
}
