package io.qaforge.export.api;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.export.Dataset;
import io.qaforge.export.DatasetRepository;
import io.qaforge.export.ExportOptions;
import io.qaforge.export.Exporter;
import io.qaforge.export.HandWrittenPairs;
import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Datasets: named unions of jobs, and of pairs users wrote by hand (an uploaded file), exported (and pushed to the Hub)
 * as one.
 */
@RestController
@RequestMapping("/api/datasets")
class DatasetController {

    static final int MAX_NAME = 200;
    static final int MAX_JOBS = 1000;

    record DatasetRequest(@NotBlank @Size(max = MAX_NAME) String name, @NotEmpty @Size(max = MAX_JOBS) List<UUID> jobIds) {
    }

    /**
     * @param pairs       the jobs' accepted pairs by split
     * @param handWritten the uploaded pairs by split (empty when none were uploaded)
     */
    record DatasetView(UUID id, String name, Set<UUID> jobIds, Map<String, Long> pairs, Map<String, Long> handWritten, Instant createdAt) {
    }

    private final Exporter exporter;
    private final DatasetRepository datasets;
    private final HandWrittenPairs handWritten;
    private final PairUploads uploads;
    private final Jobs jobs;

    DatasetController(Exporter exporter, DatasetRepository datasets, HandWrittenPairs handWritten, Jobs jobs, JsonMapper json) {
        this.exporter = exporter;
        this.datasets = datasets;
        this.handWritten = handWritten;
        this.uploads = new PairUploads(json);
        this.jobs = jobs;
    }

    @Operation(summary = "Create a dataset: a named union of jobs exported as one")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<DatasetView> create(@Valid @RequestBody DatasetRequest request) {
        Set<UUID> jobIds = new LinkedHashSet<>(request.jobIds());
        requireJobs(jobIds);
        return created(datasets.save(new Dataset(request.name().strip(), jobIds)));
    }

    @Operation(summary = "Create a dataset of hand-written pairs: an uploaded CSV, JSONL or Parquet file (question, answer, optional "
            + "factId, direction, split), optionally combined with jobs")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<DatasetView> upload(@RequestParam("file") MultipartFile file, @RequestParam(value = "name", required = false) String name,
                                       @RequestParam(value = "jobIds", required = false) List<UUID> jobIds) throws IOException {
        String datasetName = name == null || name.isBlank()
                ? fileStem(Objects.requireNonNullElse(file.getOriginalFilename(), "").replaceFirst("\\.[^.]*$", "")) : name.strip();
        if (datasetName.length() > MAX_NAME) {
            throw ApiProblem.badRequest(ProblemType.INVALID_REQUEST, "Invalid request", "name is limited to " + MAX_NAME + " characters");
        }
        Set<UUID> jobs = jobIds == null ? Set.of() : new LinkedHashSet<>(jobIds);
        if (jobs.size() > MAX_JOBS) {
            throw ApiProblem.badRequest(ProblemType.INVALID_REQUEST, "Invalid request", "jobIds: at most " + MAX_JOBS + " jobs");
        }
        requireJobs(jobs);
        List<HandWrittenPairs.Pair> pairs = uploads.read(file).rows(); // the whole file, before anything is stored
        return created(handWritten.store(new Dataset(datasetName, jobs), pairs));
    }

    @Operation(summary = "The hand-written pairs of a dataset, in the uploaded file's order")
    @GetMapping("/{id}/pairs")
    Page<HandWrittenPairs.Pair> pairs(@PathVariable UUID id, @PageableDefault(size = 50) Pageable pageable) {
        find(id);
        long total = handWritten.counts(id).values().stream().mapToLong(Long::longValue).sum();
        return new PageImpl<>(handWritten.page(id, (int) pageable.getOffset(), pageable.getPageSize()), pageable, total);
    }

    private void requireJobs(Set<UUID> jobIds) {
        List<UUID> unknown = jobs.unknown(jobIds);
        if (!unknown.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.UNKNOWN_JOB, "Unknown job", "No job with id " + unknown.getFirst()
                    + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more)" : ""));
        }
    }

    private ResponseEntity<DatasetView> created(Dataset dataset) {
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentContextPath().path("/api/datasets/{id}").build(dataset.getId()))
                .body(view(dataset));
    }

    @GetMapping
    Page<DatasetView> list(@PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return datasets.findAll(pageable).map(this::view);
    }

    @GetMapping("/{id}")
    DatasetView get(@PathVariable UUID id) {
        return view(find(id));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        datasets.delete(find(id));
        return ResponseEntity.noContent().build();
    }

    @Operation(summary = "Download a dataset: the union of its jobs' accepted pairs, same options as a job's export")
    @GetMapping("/{id}/export")
    void export(@PathVariable UUID id, @ParameterObject ExportParams params, HttpServletResponse response) throws IOException {
        ExportOptions options = params.options();
        Dataset dataset = find(id);
        Downloads.send(exporter, dataset.getJobIds(), dataset.getId(), fileStem(dataset.getName()), options, response);
    }

    private Dataset find(UUID id) {
        return datasets.findById(id).orElseThrow(() -> ApiProblem.notFound("Dataset", id));
    }

    private DatasetView view(Dataset dataset) {
        Map<String, Long> pairs = new TreeMap<>(Map.of("train", 0L, "test", 0L));
        pairs.putAll(jobs.acceptedPairs(dataset.getJobIds()));
        return new DatasetView(dataset.getId(), dataset.getName(), dataset.getJobIds(), pairs, handWritten.counts(dataset.getId()),
                dataset.getCreatedAt());
    }

    /** A file name from a dataset's name: letters, digits, dots, dashes and underscores survive. */
    static String fileStem(String name) {
        String stem = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
        return stem.isEmpty() ? "dataset" : stem;
    }
}
