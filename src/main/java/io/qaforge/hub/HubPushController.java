package io.qaforge.hub;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.qaforge.export.Dataset;
import io.qaforge.export.DatasetRepository;
import io.qaforge.export.HandWrittenPairs;
import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;
import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Pushes to the Hugging Face Hub as tracked operations: 202 with the push, then {@code GET /api/hub-pushes/{id}}.
 * The token is checked with the Hub before anything is stored, so a bad one is answered at once (401/403).
 */
@RestController
class HubPushController {

    record PushRequest(
            @NotBlank @Size(max = 200) @Pattern(regexp = HubTokens.REPO_ID, message = HubTokens.REPO_ID_MESSAGE) String repoId,
            @JsonProperty("private") Boolean privateRepo,
            String token,
            String format,
            @Pattern(regexp = "[a-z0-9][a-z0-9.+-]*", message = "must be a Hub license id such as cc-by-4.0") String license,
            Integer pairsPerRow,
            Long seed,
            @Size(max = 10_000) String system) {

        @Override
        public String toString() {
            return "PushRequest[repoId=" + repoId + ", token hidden]";
        }
    }

    /** @param format the export format of a dataset push; {@code adapter} or {@code merged} for a training run's model push */
    record PushView(UUID id, HubPush.Status status, UUID jobId, UUID datasetId, UUID trainingId, String repoId,
                    @JsonProperty("private") boolean privateRepo, String format, String repoUrl, String commitUrl, String error,
                    Instant createdAt, Instant finishedAt) {

        static PushView of(HubPush push, HubProperties properties) {
            HubClient.RepoType type = push.getTrainingId() == null ? HubClient.RepoType.DATASET : HubClient.RepoType.MODEL;
            return new PushView(push.getId(), push.getStatus(), push.getJobId(), push.getDatasetId(), push.getTrainingId(), push.getRepoId(),
                    push.isPrivateRepo(), push.getFormat(), type.url(properties.endpoint(), push.getRepoId()), push.getCommitUrl(),
                    push.getError(), push.getCreatedAt(), push.getFinishedAt());
        }
    }

    private final HubPusher pusher;
    private final HubTokens tokens;
    private final HubProperties properties;
    private final HubPushRepository pushes;
    private final DatasetRepository datasets;
    private final HandWrittenPairs handWritten;
    private final Jobs jobs;

    HubPushController(HubPusher pusher, HubTokens tokens, HubProperties properties, HubPushRepository pushes, DatasetRepository datasets,
                      HandWrittenPairs handWritten, Jobs jobs) {
        this.handWritten = handWritten;
        this.pusher = pusher;
        this.tokens = tokens;
        this.properties = properties;
        this.pushes = pushes;
        this.datasets = datasets;
        this.jobs = jobs;
    }

    @Operation(summary = "Push a job's pairs to a Hugging Face Hub dataset repo (train/test files and a dataset card)")
    @PostMapping("/api/jobs/{id}/hub-push")
    ResponseEntity<PushView> pushJob(@PathVariable UUID id, @Valid @RequestBody PushRequest request) {
        jobs.requireExists(id);
        return push(id, null, List.of(id), request);
    }

    @Operation(summary = "Push a dataset (the union of its jobs, and its hand-written pairs) to a Hugging Face Hub dataset repo")
    @PostMapping("/api/datasets/{id}/hub-push")
    ResponseEntity<PushView> pushDataset(@PathVariable UUID id, @Valid @RequestBody PushRequest request) {
        Dataset dataset = datasets.findById(id).orElseThrow(() -> ApiProblem.notFound("Dataset", id));
        return push(null, id, dataset.getJobIds(), request);
    }

    @GetMapping("/api/hub-pushes/{id}")
    PushView get(@PathVariable UUID id) {
        return view(pushes.findById(id).orElseThrow(() -> ApiProblem.notFound("Hub push", id)));
    }

    private ResponseEntity<PushView> push(UUID jobId, UUID datasetId, Collection<UUID> jobIds, PushRequest request) {
        ExportFormat format = HubFormats.parse(request.format());
        int pairsPerRow = request.pairsPerRow() == null ? ExportOptions.DEFAULT_PAIRS_PER_ROW : request.pairsPerRow();
        long seed = request.seed() == null ? ExportOptions.DEFAULT_SEED : request.seed();
        String system = new ExportOptions(format, "all", pairsPerRow, seed, request.system(), false).system();
        String token = tokens.token(request.token());
        if (jobs.acceptedPairs(jobIds).isEmpty() && (datasetId == null || handWritten.counts(datasetId).isEmpty())) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.NOTHING_TO_PUSH, "Nothing to push", "There are no accepted pairs to push yet");
        }
        HubTokens.Access access = tokens.writer(request.repoId(), token);
        boolean privateRepo = request.privateRepo() == null || request.privateRepo();
        HubPush push = HubPush.ofData(jobId, datasetId, access.repoId(), privateRepo, format.extension());
        pusher.start(push, new HubPusher.Target(HubClient.RepoType.DATASET, access.repoId(), privateRepo, access.token()),
                pusher.dataset(jobIds, datasetId, access.repoId(), new HubPusher.DatasetPlan(format,
                        request.license() == null ? "cc-by-4.0" : request.license(), pairsPerRow, seed, system)));
        return ResponseEntity.accepted()
                .location(ServletUriComponentsBuilder.fromCurrentContextPath().path("/api/hub-pushes/{id}").build(push.getId()))
                .body(view(push));
    }

    private PushView view(HubPush push) {
        return PushView.of(push, properties);
    }
}
