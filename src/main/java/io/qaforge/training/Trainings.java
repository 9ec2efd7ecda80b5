package io.qaforge.training;

import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.stereotype.Component;

import io.qaforge.exam.Exams;

/** What other features may ask about training runs: a run as it ended, and what its worker delivered. */
@Component
public class Trainings {

    /**
     * @param recall    the worker's recall summary (before / inContext / after, byDirection, recoveryRatio), or null
     * @param artifacts the kinds delivered: {@code adapter}, and {@code merged} when trained with merge
     * @param round     1, or the remediation round it is (trained again with top-ups for what the previous round missed)
     */
    public record Run(UUID id, String baseModel, String status, Set<UUID> jobIds, UUID datasetId, String examName, Integer examQuestions,
                      Map<String, Object> params, Map<String, Object> recall, List<String> artifacts, int round) {
    }

    private final TrainingRunRepository runs;
    private final Artifacts artifacts;
    private final Exams exams;

    Trainings(TrainingRunRepository runs, Artifacts artifacts, Exams exams) {
        this.runs = runs;
        this.artifacts = artifacts;
        this.exams = exams;
    }

    public Optional<Run> find(UUID id) {
        return runs.findById(id).map(run -> {
            Optional<Exams.Summary> exam = run.getExamId() == null ? Optional.empty() : exams.find(run.getExamId());
            return new Run(run.getId(), run.getBaseModel(), run.getStatus().name(), run.getJobIds(), run.getDatasetId(),
                    exam.map(Exams.Summary::name).orElse(null), exam.map(Exams.Summary::questions).orElse(null), run.getParams(),
                    run.getRecall(), artifacts.list(id).stream().map(Artifacts.Stored::kind).toList(), run.getRound());
        });
    }

    /** Streams a delivered artifact (a zip) to {@code out}; false when the run has none of that kind. */
    public boolean copyArtifact(UUID runId, String kind, OutputStream out) {
        return artifacts.copy(runId, kind, out);
    }
}
