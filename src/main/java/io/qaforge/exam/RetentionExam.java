package io.qaforge.exam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

/**
 * The built-in retention exam: general-knowledge questions unrelated to any document (written for qaforge, CC0; see
 * {@code retention/README.md}), answered closed book before and after every training run to measure what the training
 * cost the model. Stored on first use under an id derived from the file's bytes, so every replica finds the same exam
 * and a new version of the file is a new exam, leaving runs scored on the old one as they were.
 */
@Component
class RetentionExam {

    static final String SOURCE = "retention";
    private static final String FILE = "retention/general-knowledge-v1.jsonl";
    private static final String NAME = "General knowledge v1 (retention)";

    private final ExamRepository exams;
    private final ExamStore store;
    private final JsonMapper json;
    private final byte[] file;
    private final UUID id;

    RetentionExam(ExamRepository exams, ExamStore store, JsonMapper json) {
        this.exams = exams;
        this.store = store;
        this.json = json;
        try (var in = new ClassPathResource(FILE, RetentionExam.class).getInputStream()) {
            this.file = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("missing from the build: " + FILE, e);
        }
        this.id = UUID.nameUUIDFromBytes(file);
    }

    /** Its id, storing it first if this database does not hold it yet. */
    UUID id() {
        if (!exams.existsById(id)) {
            try {
                store.create(id, NAME, SOURCE, List.of(), questions());
            } catch (DataIntegrityViolationException e) {
                // Another replica stored it at the same moment: the same id, the same questions.
            }
        }
        return id;
    }

    private List<ExamStore.NewQuestion> questions() {
        try (var lines = json.readerFor(JsonNode.class).<JsonNode>readValues(file)) {
            return lines.readAll().stream().map(q -> new ExamStore.NewQuestion(q.get("question").asString(), q.get("answer").asString(),
                    null, null, null, null, null)).toList();
        }
    }
}
