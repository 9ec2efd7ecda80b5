package io.qaforge.web;

import java.util.Arrays;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.qaforge.document.DocumentSettings;
import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;
import io.qaforge.generation.JobChoices;
import io.qaforge.hub.HubFormats;
import io.qaforge.training.TrainingParams;
import io.qaforge.training.TrainingStatuses;

/**
 * The choices, limits and statuses the console's forms and views need, gathered from what each feature publishes, so
 * the page offers exactly what the API accepts instead of keeping copies that drift.
 */
@RestController
class ConsoleSettingsController {

    record ConsoleSettings(DocumentSettings documents, JobChoices jobs, Exports exports, HubPushes hubPushes, Trainings trainings) {
    }

    /** Formats and splits of a download, as {@code GET /api/jobs/{id}/export} takes them. */
    record Exports(List<String> formats, List<String> splits) {
    }

    /** The formats a Hub push carries, the default first. */
    record HubPushes(List<String> formats) {
    }

    /** Run statuses, and every training parameter with its range and the worker's default (the key ones first). */
    record Trainings(List<String> statuses, List<String> terminalStatuses, List<TrainingParams.Param> params) {
    }

    private final ConsoleSettings settings;

    ConsoleSettingsController(DocumentSettings documents, JobChoices jobs) {
        settings = new ConsoleSettings(documents, jobs,
                new Exports(extensions(Arrays.asList(ExportFormat.values())), ExportOptions.SPLITS),
                new HubPushes(extensions(HubFormats.ACCEPTED)),
                new Trainings(TrainingStatuses.ALL, TrainingStatuses.TERMINAL, TrainingParams.ALL));
    }

    @Operation(summary = "What the console offers: upload types and OCR modes, job limits and defaults, usable providers and models, "
            + "export and Hub formats, job and training statuses, training parameters with their defaults")
    @GetMapping("/api/console/settings")
    ConsoleSettings settings() {
        return settings;
    }

    private static List<String> extensions(List<ExportFormat> formats) {
        return formats.stream().map(ExportFormat::extension).toList();
    }
}
