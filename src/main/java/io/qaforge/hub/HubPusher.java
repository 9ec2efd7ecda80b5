package io.qaforge.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;
import io.qaforge.export.ExportSummary;
import io.qaforge.export.Exporter;
import io.qaforge.export.HandWrittenPairs;
import io.qaforge.export.StudyExport;
import io.qaforge.generation.Jobs;
import io.qaforge.system.Leases;
import io.qaforge.system.Sha256;

/**
 * Runs pushes in the background: write the repo's files to a temp directory (a dataset's exports and card, or a
 * model's files and card), then create the repo, preupload, LFS and commit. The token is a parameter of the running
 * push and nothing else; while a push runs its row's heartbeat is kept fresh, and a push whose heartbeat went stale
 * (its service died) is failed as interrupted: with its token gone, no other replica could take it over.
 */
@Component
class HubPusher implements Leases.Beating {

    /** Where a push goes; the token is kept out of {@link #toString()}. */
    record Target(HubClient.RepoType type, String repoId, boolean privateRepo, String token) {
        @Override
        public String toString() {
            return "Target[" + type + " " + repoId + ", token hidden]";
        }
    }

    /** What a dataset push writes. */
    record DatasetPlan(ExportFormat format, String license, int pairsPerRow, long seed, String system) {
    }

    /** Writes one push's files into {@code dir}, adds each to {@code files}, and returns the commit's summary. */
    interface Content {
        String write(Path dir, List<HubClient.UploadFile> files) throws IOException;
    }

    private static final Duration HEARTBEAT = Duration.ofSeconds(20);
    private static final Leases.Table PUSHES = Leases.Table.lastBeat("hub_push", "heartbeat_at", Duration.ofSeconds(90));
    private static final String UNFINISHED = "status IN ('QUEUED', 'RUNNING')";
    private static final Logger log = LoggerFactory.getLogger(HubPusher.class);

    private final HubClient hub;
    private final JdbcClient jdbc;
    private final Exporter exporter;
    private final HandWrittenPairs handWritten;
    private final Jobs jobs;
    private final AsyncTaskExecutor executor;
    private final StudyExport study;
    private final Leases leases;
    private final Leases.Heartbeat<UUID> heartbeat = Leases.heartbeat("hub-push-leases", HEARTBEAT, this::beat);

    HubPusher(HubClient hub, JdbcClient jdbc, Exporter exporter, HandWrittenPairs handWritten, Jobs jobs,
              @Qualifier("applicationTaskExecutor") AsyncTaskExecutor executor, StudyExport study, Leases leases) {
        this.study = study;
        this.leases = leases;
        this.hub = hub;
        this.handWritten = handWritten;
        this.jdbc = jdbc;
        this.exporter = exporter;
        this.jobs = jobs;
        this.executor = executor;
    }

    /** Stores the push, queued, and runs it on a thread of its own. */
    void start(HubPush push, Target target, Content content) {
        jdbc.sql("""
                        INSERT INTO hub_push (id, job_id, dataset_id, training_id, repo_id, private, format, status, created_at, heartbeat_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(push.getId(), push.getJobId(), push.getDatasetId(), push.getTrainingId(), push.getRepoId(), push.isPrivateRepo(),
                        push.getFormat(), push.getStatus().name(), OffsetDateTime.ofInstant(push.getCreatedAt(), ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(push.getCreatedAt(), ZoneOffset.UTC))
                .update();
        heartbeat.hold(push.getId());
        executor.execute(() -> {
            try {
                jdbc.sql("UPDATE hub_push SET status = 'RUNNING', heartbeat_at = now() WHERE id = ?").param(push.getId()).update();
                String commitUrl = run(target, content);
                jdbc.sql("UPDATE hub_push SET status = 'SUCCEEDED', commit_url = ?, finished_at = now() WHERE id = ?")
                        .params(commitUrl, push.getId()).update();
                log.info("Hub push {} to {} succeeded", push.getId(), target.repoId());
            } catch (HubException e) {
                log.warn("Hub push {} to {} failed: {}", push.getId(), target.repoId(), e.getMessage());
                fail(push.getId(), e.type().slug() + ": " + e.getMessage());
            } catch (Exception e) {
                log.error("Hub push {} to {} failed", push.getId(), target.repoId(), e);
                fail(push.getId(), "internal-error: " + e.getMessage());
            } finally {
                heartbeat.drop(push.getId());
            }
        });
    }

    private void fail(UUID id, String error) {
        jdbc.sql("UPDATE hub_push SET status = 'FAILED', error = ?, finished_at = now() WHERE id = ?").params(error, id).update();
    }

    private String run(Target target, Content content) throws IOException {
        Path dir = Files.createTempDirectory("qaforge-push-");
        try {
            List<HubClient.UploadFile> files = new ArrayList<>();
            String summary = content.write(dir, files);
            hub.createRepo(target.token(), target.type(), target.repoId(), target.privateRepo());
            Map<String, String> modes = hub.preupload(target.token(), target.type(), target.repoId(), files);
            List<HubClient.UploadFile> regular = files.stream().filter(f -> modes.getOrDefault(f.path(), "regular").equals("regular")).toList();
            List<HubClient.UploadFile> lfs = files.stream().filter(f -> "lfs".equals(modes.get(f.path()))).toList();
            hub.uploadLfs(target.token(), target.type(), target.repoId(), lfs);
            return hub.commit(target.token(), target.type(), target.repoId(), summary, regular, lfs);
        } finally {
            try (Stream<Path> leftovers = Files.walk(dir)) {
                for (Path file : leftovers.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * A dataset repo: each split exported to its file, the study passages (if the jobs wrote any) to theirs as the
     * {@code documents} config beside the pairs' {@code qa}, and the dataset card; {@code handWrittenOf} null for a job's.
     */
    Content dataset(Collection<UUID> jobIds, UUID handWrittenOf, String repoId, DatasetPlan plan) {
        return (dir, files) -> {
            Map<String, Long> rows = new LinkedHashMap<>();
            Map<String, Long> pairs = new LinkedHashMap<>();
            String extension = plan.format().extension();
            for (String split : List.of("train", "test")) {
                ExportOptions options = new ExportOptions(plan.format(), split, plan.pairsPerRow(), plan.seed(), plan.system(), false);
                Path file = dir.resolve(split + "." + extension);
                ExportSummary summary = exporter.export(jobIds, handWrittenOf, options, file);
                if (summary.rows() == 0) {
                    Files.delete(file); // an empty split is left out rather than declared empty
                    continue;
                }
                rows.put(split, summary.rows());
                pairs.put(split, summary.pairs());
                files.add(upload("data/" + split + "-00000-of-00001." + extension, file));
            }
            Path documents = dir.resolve("documents." + extension);
            long passages = study.write(jobIds, plan.format(), documents);
            if (passages > 0) {
                // The same format as the pairs: datasets reads a repo's configs with one builder.
                files.add(upload("data/" + DatasetCard.DOCUMENTS + "-00000-of-00001." + extension, documents));
            }
            Path card = Files.writeString(dir.resolve("README.md"),
                    DatasetCard.render(facts(jobIds, handWrittenOf, repoId, plan, rows, pairs, passages)));
            files.add(upload("README.md", card));
            return "Upload qaforge dataset (" + rows.values().stream().mapToLong(Long::longValue).sum() + " rows)";
        };
    }

    static HubClient.UploadFile upload(String path, Path file) throws IOException {
        return new HubClient.UploadFile(path, file, Files.size(file), Sha256.hex(file));
    }

    /** What the card tells: the jobs as generation describes them, and the files just written. */
    private DatasetCard.Facts facts(Collection<UUID> jobIds, UUID handWrittenOf, String repoId, DatasetPlan plan, Map<String, Long> rows,
                                    Map<String, Long> pairs, long passages) {
        Jobs.Description jobs = this.jobs.describe(jobIds);
        List<DatasetCard.Document> documents = jobs.documents().stream()
                .map(d -> new DatasetCard.Document(d.name(), d.sha256(), d.pages())).toList();
        return new DatasetCard.Facts(repoId, plan.license(), plan.format().extension(), rows, pairs,
                plan.pairsPerRow(), plan.system(), documents, jobs.models(), jobs.contexts(), jobs.temperatures(), jobs.variants(),
                jobs.prompts(), jobIds.stream().map(UUID::toString).sorted().toList(), jobs.grounding(),
                handWrittenOf == null ? Map.of() : handWritten.counts(handWrittenOf), passages, this.jobs.diversity(jobIds));
    }

    private void beat(Set<UUID> held) {
        leases.renew(PUSHES, held, HEARTBEAT, UNFINISHED, Map.of());
        int interrupted = failInterrupted();
        if (interrupted > 0) {
            log.warn("Failed {} Hub push(es) interrupted by a stopped service", interrupted);
        }
    }

    /** Pushes whose process stopped beating (it died or was restarted) cannot finish: their token is gone with it. */
    int failInterrupted() {
        return leases.takeExpired(PUSHES, UNFINISHED, """
                        status = 'FAILED', finished_at = now(),
                        error = 'interrupted: the service stopped during the push; start it again'""",
                HEARTBEAT, Integer.MAX_VALUE, "id", UUID.class).size();
    }

    @Override
    public Leases.Heartbeat<UUID> heartbeat() {
        return heartbeat;
    }
}
