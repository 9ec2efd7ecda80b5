package io.qaforge.export.api;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.qaforge.export.ExportFormat;
import io.qaforge.export.StudyExport;
import io.qaforge.generation.Jobs;

/** Downloads of a job's study passages as text rows, in the formats pairs export in. */
@RestController
class StudyExportController {

    private final StudyExport study;
    private final Jobs jobs;

    StudyExportController(StudyExport study, Jobs jobs) {
        this.study = study;
        this.jobs = jobs;
    }

    @Operation(summary = "Download a job's accepted study passages as text rows (text, strategy, chunkId)")
    @GetMapping("/api/jobs/{id}/documents")
    void documents(@PathVariable UUID id, @RequestParam(defaultValue = "jsonl") String format, HttpServletResponse response)
            throws IOException {
        ExportFormat chosen = ExportFormat.parse(format);
        jobs.requireExists(id);
        Downloads.attachment(response, chosen, "qaforge-documents-" + id.toString().substring(0, 8));
        study.write(List.of(id), chosen, response.getOutputStream());
    }
}
