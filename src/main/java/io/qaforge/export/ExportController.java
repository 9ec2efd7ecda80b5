package io.qaforge.export;

import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
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
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import io.qaforge.generation.Jobs;
import io.qaforge.system.ApiProblem;

/**
 * Downloads of a job's pairs, or of a dataset (a named union of jobs), as JSONL, CSV or Parquet.
 * The file is written straight onto the response on the request's own (virtual) thread: no async timeout cuts a long
 * download short, and nothing but a buffer is held per request.
 */
@RestController
class ExportController {

    record DatasetRequest(@NotBlank @Size(max = 200) String name, @NotEmpty @Size(max = 1000) List<UUID> jobIds) {
    }

    record DatasetView(UUID id, String name, Set<UUID> jobIds, Map<String, Long> pairs, Instant createdAt) {
    }

    private final Exporter exporter;
    private final DatasetRepository datasets;
    private final JdbcTemplate jdbc;
    private final Jobs jobs;

    ExportController(Exporter exporter, DatasetRepository datasets, JdbcTemplate jdbc, Jobs jobs) {
        this.exporter = exporter;
        this.datasets = datasets;
        this.jdbc = jdbc;
        this.jobs = jobs;
    }

    @Operation(summary = "Download a job's accepted pairs as chat-message rows (or flat pairs)")
    @GetMapping("/api/jobs/{id}/export")
    void exportJob(@PathVariable UUID id,
                   @RequestParam(defaultValue = "jsonl") String format,
                   @RequestParam(defaultValue = "all") String split,
                   @RequestParam(defaultValue = "" + ExportOptions.DEFAULT_PAIRS_PER_ROW) int pairsPerRow,
                   @RequestParam(defaultValue = "" + ExportOptions.DEFAULT_SEED) long seed,
                   @RequestParam(required = false) String system,
                   @RequestParam(defaultValue = "false") boolean flat,
                   HttpServletResponse response) throws IOException {
        ExportOptions options = new ExportOptions(ExportFormat.parse(format), split, pairsPerRow, seed, system, flat);
        jobs.requireExists(id);
        download(List.of(id), "qaforge-job-" + id.toString().substring(0, 8), options, response);
    }

    @Operation(summary = "Create a dataset: a named union of jobs exported as one")
    @PostMapping("/api/datasets")
    ResponseEntity<DatasetView> create(@Valid @RequestBody DatasetRequest request) {
        Set<UUID> jobIds = new LinkedHashSet<>(request.jobIds());
        List<UUID> unknown = jobs.unknown(jobIds);
        if (!unknown.isEmpty()) {
            throw ApiProblem.badRequest("unknown-job", "Unknown job", "No job with id " + unknown.getFirst()
                    + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more)" : ""));
        }
        Dataset dataset = datasets.save(new Dataset(request.name().strip(), jobIds));
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}").build(dataset.getId()))
                .body(view(dataset));
    }

    @GetMapping("/api/datasets")
    Page<DatasetView> list(@PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return datasets.findAll(pageable).map(this::view);
    }

    @GetMapping("/api/datasets/{id}")
    DatasetView get(@PathVariable UUID id) {
        return view(find(id));
    }

    @DeleteMapping("/api/datasets/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        datasets.delete(find(id));
        return ResponseEntity.noContent().build();
    }

    @Operation(summary = "Download a dataset: the union of its jobs' accepted pairs, same options as a job's export")
    @GetMapping("/api/datasets/{id}/export")
    void exportDataset(@PathVariable UUID id,
                       @RequestParam(defaultValue = "jsonl") String format,
                       @RequestParam(defaultValue = "all") String split,
                       @RequestParam(defaultValue = "" + ExportOptions.DEFAULT_PAIRS_PER_ROW) int pairsPerRow,
                       @RequestParam(defaultValue = "" + ExportOptions.DEFAULT_SEED) long seed,
                       @RequestParam(required = false) String system,
                       @RequestParam(defaultValue = "false") boolean flat,
                       HttpServletResponse response) throws IOException {
        ExportOptions options = new ExportOptions(ExportFormat.parse(format), split, pairsPerRow, seed, system, flat);
        Dataset dataset = find(id);
        download(dataset.getJobIds(), fileStem(dataset.getName()), options, response);
    }

    private void download(Collection<UUID> jobIds, String stem, ExportOptions options, HttpServletResponse response) throws IOException {
        response.setContentType(options.format().mediaType());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                .filename(stem + "-" + options.split() + (options.flat() ? "-flat" : "") + "." + options.format().extension())
                .build().toString());
        try {
            exporter.export(jobIds, options, response.getOutputStream());
        } catch (IOException | RuntimeException e) {
            if (!response.isCommitted()) {
                response.reset(); // nothing sent yet: let the error go out as problem+json, not as a broken file
            }
            throw e;
        }
    }

    private Dataset find(UUID id) {
        return datasets.findById(id).orElseThrow(() -> ApiProblem.notFound("Dataset", id));
    }

    private DatasetView view(Dataset dataset) {
        Map<String, Long> pairs = new TreeMap<>(Map.of("train", 0L, "test", 0L));
        jdbc.query("SELECT split, count(*) FROM qa_pair WHERE job_id = ANY(?::uuid[]) AND rejected_reason IS NULL GROUP BY split",
                rs -> {
                    pairs.put(rs.getString(1), rs.getLong(2));
                }, (Object) dataset.getJobIds().stream().map(UUID::toString).toArray(String[]::new));
        return new DatasetView(dataset.getId(), dataset.getName(), dataset.getJobIds(), pairs, dataset.getCreatedAt());
    }

    /** A file name from a dataset's name: letters, digits, dots, dashes and underscores survive. */
    static String fileStem(String name) {
        String stem = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
        return stem.isEmpty() ? "dataset" : stem;
    }
}
