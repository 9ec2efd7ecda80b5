package io.qaforge.export.api;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.qaforge.export.ExportOptions;
import io.qaforge.export.Exporter;
import io.qaforge.generation.Jobs;

/** Downloads of a job's pairs as JSONL, CSV or Parquet; datasets (unions of jobs) have {@link DatasetController}. */
@RestController
class ExportController {

    private final Exporter exporter;
    private final Jobs jobs;

    ExportController(Exporter exporter, Jobs jobs) {
        this.exporter = exporter;
        this.jobs = jobs;
    }

    @Operation(summary = "Download a job's accepted pairs as chat-message rows (or flat pairs)")
    @GetMapping("/api/jobs/{id}/export")
    void exportJob(@PathVariable UUID id, @ParameterObject ExportParams params, HttpServletResponse response) throws IOException {
        ExportOptions options = params.options();
        jobs.requireExists(id);
        Downloads.send(exporter, List.of(id), null, "qaforge-job-" + id.toString().substring(0, 8), options, response);
    }
}
