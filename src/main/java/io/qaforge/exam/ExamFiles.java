package io.qaforge.exam;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.core.io.InputStreamSource;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.PairFiles;
import io.qaforge.system.ProblemType;
import io.qaforge.system.TextInputs;

/**
 * Reads an uploaded exam, CSV or JSONL ({@link PairFiles}): {@code question}, {@code answer}, optional {@code factId},
 * {@code direction}, {@code context}. Every refusal names the line at fault; nothing is returned unless the whole file
 * is good.
 */
final class ExamFiles {

    /** The worker's own question files carry an id; an exam numbers its questions itself. */
    private static final Set<String> IGNORED = Set.of("id");

    private final PairFiles<QuestionInput> files;

    ExamFiles(JsonMapper json) {
        this.files = new PairFiles<>(new PairFiles.Spec<>(List.of("question", "answer", "factId", "direction", "context"), IGNORED,
                "questions", QuestionInput.MAX_QUESTIONS, "an exam holds at most " + QuestionInput.MAX_QUESTIONS + " questions",
                ExamFiles::invalid,
                values -> {
                    String direction = values.get("direction") == null ? null : values.get("direction").strip().toLowerCase(Locale.ROOT);
                    QuestionInput question = new QuestionInput(values.get("question"), values.get("answer"),
                            PairFiles.wholeNumber("factId", values.get("factId")), direction, values.get("context"));
                    String problem = question.problem();
                    if (problem != null) {
                        throw new IllegalArgumentException(problem);
                    }
                    return question.stripped();
                }), json);
    }

    /** The questions of the file and its format ({@code csv} or {@code jsonl}). */
    PairFiles.Parsed<QuestionInput> read(InputStreamSource file) throws IOException {
        return files.read(file);
    }

    static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_EXAM_FILE, "Invalid exam file", detail);
    }
}
