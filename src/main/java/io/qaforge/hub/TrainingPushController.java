package io.qaforge.hub;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;
import io.qaforge.training.Trainings;

/**
 * Pushes what a training run delivered (its adapter, or with {@code merged} the merged model) to a Hub model repo with
 * a model card, as a tracked push like a dataset's. The token is the caller's (or the service's HF_TOKEN): a worker's
 * credentials never take part.
 */
@RestController
class TrainingPushController {

    record ModelPushRequest(
            @NotBlank @Size(max = 200) @Pattern(regexp = HubTokens.REPO_ID, message = HubTokens.REPO_ID_MESSAGE) String repoId,
            @JsonProperty("private") Boolean privateRepo,
            String token,
            Boolean merged,
            @Pattern(regexp = "[a-z0-9][a-z0-9.+-]*", message = "must be a Hub license id such as apache-2.0") String license) {

        @Override
        public String toString() {
            return "ModelPushRequest[repoId=" + repoId + ", token hidden]";
        }
    }

    private final HubPusher pusher;
    private final HubTokens tokens;
    private final HubProperties properties;
    private final HubPushRepository pushes;
    private final Trainings trainings;
    private final Jobs jobs;

    TrainingPushController(HubPusher pusher, HubTokens tokens, HubProperties properties, HubPushRepository pushes, Trainings trainings, Jobs jobs) {
        this.pusher = pusher;
        this.tokens = tokens;
        this.properties = properties;
        this.pushes = pushes;
        this.trainings = trainings;
        this.jobs = jobs;
    }

    @Operation(summary = "Push a training run's adapter (or merged model) to a Hugging Face Hub model repo with a model card")
    @PostMapping("/api/trainings/{id}/hub-push")
    ResponseEntity<HubPushController.PushView> push(@PathVariable UUID id, @Valid @RequestBody ModelPushRequest request) {
        String token = tokens.token(request.token());
        Trainings.Run run = trainings.find(id).orElseThrow(() -> ApiProblem.notFound("Training run", id));
        boolean merged = Boolean.TRUE.equals(request.merged());
        String kind = merged ? "merged" : "adapter";
        if (!run.artifacts().contains(kind)) {
            throw new ApiProblem(HttpStatus.CONFLICT, merged ? ProblemType.NO_MERGED : ProblemType.NO_ADAPTER, "No " + kind, "Run " + id + " has no " + kind + " to push"
                    + (merged ? " (train with merge: true for one)" : " (yet): it is " + run.status()));
        }
        HubTokens.Access access = tokens.writer(request.repoId(), token);
        boolean privateRepo = request.privateRepo() == null || request.privateRepo();
        HubPush push = HubPush.ofTraining(id, access.repoId(), privateRepo, kind);
        pusher.start(push, new HubPusher.Target(HubClient.RepoType.MODEL, access.repoId(), privateRepo, access.token()),
                content(run, kind, access.repoId(), request.license()));
        return ResponseEntity.accepted()
                .location(ServletUriComponentsBuilder.fromCurrentContextPath().path("/api/hub-pushes/{id}").build(push.getId()))
                .body(HubPushController.PushView.of(push, properties));
    }

    /** The delivered zip's files at the repo's root, and a README.md model card in place of any the zip held. */
    private HubPusher.Content content(Trainings.Run run, String kind, String repoId, String license) {
        return (dir, files) -> {
            Path zip = dir.resolve(kind + ".zip");
            try (OutputStream out = Files.newOutputStream(zip)) {
                trainings.copyArtifact(run.id(), kind, out);
            }
            Path root = Files.createDirectory(dir.resolve("repo"));
            try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
                for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
                    Path file = root.resolve(entry.getName()).normalize();
                    if (!file.startsWith(root) || entry.getName().equals("README.md")) {
                        continue; // outside the repo (a crafted name), or the card, which is written below
                    }
                    if (entry.isDirectory()) {
                        continue;
                    }
                    Files.createDirectories(file.getParent());
                    Files.copy(entries, file);
                    files.add(HubPusher.upload(root.relativize(file).toString().replace('\\', '/'), file));
                }
            }
            Files.delete(zip);
            Path card = Files.writeString(root.resolve("README.md"), ModelCard.render(facts(run, kind, repoId, license)));
            files.add(HubPusher.upload("README.md", card));
            return "Upload qaforge " + (kind.equals("merged") ? "merged model" : "adapter") + " (training run " + run.id() + ")";
        };
    }

    private ModelCard.Facts facts(Trainings.Run run, String kind, String repoId, String license) {
        List<UUID> jobIds = run.jobIds().stream().sorted().toList();
        List<ModelCard.Document> documents = jobIds.isEmpty() ? List.of()
                : jobs.describe(jobIds).documents().stream().map(d -> new ModelCard.Document(d.name(), d.pages())).toList();
        List<String> datasets = pushes.datasetRepos(jobIds.size() == 1 ? jobIds.getFirst() : null, run.datasetId());
        return new ModelCard.Facts(properties.endpoint().toString(), repoId, kind.equals("merged"), run.baseModel(), license, datasets, documents,
                jobIds.stream().map(UUID::toString).toList(), run.id().toString(), run.examName(), run.examQuestions(), run.recall(),
                run.params(), run.round());
    }
}
