package io.qaforge.export;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/** Datasets: named unions of jobs, exported (and pushed to the Hub) as one. */
@RestController
@RequestMapping("/api/datasets")
class DatasetController {

    record DatasetRequest(@NotBlank @Size(max = 200) String name, @NotEmpty @Size(max = 1000) List<UUID> jobIds) {
    }

    record DatasetView(UUID id, String name, Set<UUID> jobIds, Map<String, Long> pairs, Instant createdAt) {
    }

    private final Exporter exporter;
    private final DatasetRepository datasets;
    private final Jobs jobs;

    DatasetController(Exporter exporter, DatasetRepository datasets, Jobs jobs) {
        this.exporter = exporter;
        this.datasets = datasets;
        this.jobs = jobs;
    }

    @Operation(summary = "Create a dataset: a named union of jobs exported as one")
    @PostMapping
    ResponseEntity<DatasetView> create(@Valid @RequestBody DatasetRequest request) {
        Set<UUID> jobIds = new LinkedHashSet<>(request.jobIds());
        List<UUID> unknown = jobs.unknown(jobIds);
        if (!unknown.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.UNKNOWN_JOB, "Unknown job", "No job with id " + unknown.getFirst()
                    + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more)" : ""));
        }
        Dataset dataset = datasets.save(new Dataset(request.name().strip(), jobIds));
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}").build(dataset.getId()))
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
        Downloads.send(exporter, dataset.getJobIds(), fileStem(dataset.getName()), options, response);
    }

    private Dataset find(UUID id) {
        return datasets.findById(id).orElseThrow(() -> ApiProblem.notFound("Dataset", id));
    }

    private DatasetView view(Dataset dataset) {
        Map<String, Long> pairs = new TreeMap<>(Map.of("train", 0L, "test", 0L));
        pairs.putAll(jobs.acceptedPairs(dataset.getJobIds()));
        return new DatasetView(dataset.getId(), dataset.getName(), dataset.getJobIds(), pairs, dataset.getCreatedAt());
    }

    /** A file name from a dataset's name: letters, digits, dots, dashes and underscores survive. */
    static String fileStem(String name) {
        String stem = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
        return stem.isEmpty() ? "dataset" : stem;
    }
}
