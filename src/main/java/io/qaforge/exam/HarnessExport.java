package io.qaforge.exam;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import tools.jackson.databind.json.JsonMapper;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * An exam as a task of an evaluation harness others run, so that an adapter can be scored outside qaforge with the same
 * questions, prompts, greedy decoding and scoring. {@code lm-eval}: a folder for lm-evaluation-harness's
 * {@code --include_path} with a closed-book task and, when questions carry their source text, an in-context task
 * (the ceiling). {@code lighteval}: a custom-tasks file for lighteval's {@code --custom-tasks} with the same two tasks
 * and the questions beside it. Either way the scoring is the worker's own module plus the harness's glue, copied into
 * the jar at build time, so the two cannot drift apart.
 */
@Component
class HarnessExport {

    static final List<String> FORMATS = List.of("lm-eval", "lighteval");

    /** What the worker answers with: greedy, at most this many new tokens (worker/src/qaforge_worker/evaluate.py). */
    static final int MAX_NEW_TOKENS = 128;

    /** The worker's in-context prompt (evaluate.prompt_messages), as a Jinja template of lm-eval's. */
    private static final String IN_CONTEXT_PROMPT = "Answer from this text.\\n\\n{{context}}\\n\\nQuestion: {{question}}";

    private final JsonMapper json;

    HarnessExport(JsonMapper json) {
        this.json = json;
    }

    static String requireFormat(String format) {
        if (format == null || !FORMATS.contains(format)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_EXPORT_FORMAT, "Unknown export format",
                    "format is one of " + String.join(", ", FORMATS) + ", not '" + format + "'");
        }
        return format;
    }

    /** The task's name: {@code qaforge_} and the exam's name in lower-case ASCII, with the start of its id for uniqueness. */
    static String taskName(Exam exam) {
        String ascii = Normalizer.normalize(exam.getName(), Normalizer.Form.NFKD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
        String slug = ascii.replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        slug = slug.length() > 40 ? slug.substring(0, 40).replaceAll("_+$", "") : slug;
        return "qaforge_" + (slug.isEmpty() ? "" : slug + "_") + exam.getId().toString().substring(0, 8);
    }

    /** Writes the task folder of {@code format}, as a zip, to {@code out}. */
    void export(String format, Exam exam, List<Exams.Question> questions, OutputStream out) throws IOException {
        if (format.equals("lighteval")) {
            lighteval(exam, questions, out);
        } else {
            lmEval(exam, questions, out);
        }
    }

    private void lmEval(Exam exam, List<Exams.Question> questions, OutputStream out) throws IOException {
        String task = taskName(exam);
        boolean inContext = questions.stream().anyMatch(q -> q.context() != null);
        try (var zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
            entry(zip, task + "/" + task + ".yaml", taskYaml(task, exam, "load", "{{question}}"));
            if (inContext) {
                entry(zip, task + "/" + task + "_in_context.yaml", taskYaml(task + "_in_context", exam, "load_in_context", IN_CONTEXT_PROMPT));
            }
            entry(zip, task + "/questions.jsonl", jsonl(questions));
            entry(zip, task + "/utils.py", resource("harness/scoring.py") + resource("harness/lm_eval.py"));
            entry(zip, task + "/README.md", readme(task, exam, inContext));
        }
    }

    private void lighteval(Exam exam, List<Exams.Question> questions, OutputStream out) throws IOException {
        String task = taskName(exam);
        boolean inContext = questions.stream().anyMatch(q -> q.context() != null);
        String settings = """


                # --- this exam ---
                TASK = "%s"
                MAX_NEW_TOKENS = %d
                IN_CONTEXT = %s
                IN_CONTEXT_PROMPT = "%s"
                """.formatted(task, MAX_NEW_TOKENS, inContext ? "True" : "False",
                IN_CONTEXT_PROMPT.replace("{{context}}", "{context}").replace("{{question}}", "{question}"));
        try (var zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
            entry(zip, task + "/" + task + ".py", resource("harness/scoring.py") + settings + resource("harness/lighteval.py"));
            entry(zip, task + "/data/test.jsonl", jsonl(questions));
            entry(zip, task + "/README.md", lightevalReadme(task, exam, inContext));
        }
    }

    private static String taskYaml(String task, Exam exam, String loader, String prompt) {
        return """
                # %s, exported by qaforge: greedy answers, scored as qaforge's worker scores them (key_facts: its default)
                task: %s
                custom_dataset: !function utils.%s
                output_type: generate_until
                test_split: test
                doc_to_text: "%s"
                doc_to_target: "{{answer}}"
                generation_kwargs:
                  until: []
                  do_sample: false
                  temperature: 0.0
                  max_gen_toks: %d
                process_results: !function utils.process_results
                metric_list:
                  - metric: key_facts
                    aggregation: mean
                    higher_is_better: true
                  - metric: exact_match
                    aggregation: mean
                    higher_is_better: true
                  - metric: token_f1
                    aggregation: mean
                    higher_is_better: true
                  - metric: contained
                    aggregation: mean
                    higher_is_better: true
                metadata:
                  version: 1.0
                  exam_id: "%s"
                """.formatted(exam.getName().replace("\n", " "), task, loader, prompt, MAX_NEW_TOKENS, exam.getId());
    }

    private String jsonl(List<Exams.Question> questions) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (Exams.Question q : questions) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", q.id());
            row.put("question", q.question());
            row.put("answer", q.answer());
            row.put("factId", q.factId());
            row.put("direction", q.direction());
            row.put("context", q.context());
            row.put("contextSource", q.contextSource());
            lines.append(json.writeValueAsString(row)).append('\n');
        }
        return lines.toString();
    }

    private static String readme(String task, Exam exam, boolean inContext) {
        return """
                # %s

                The qaforge exam "%s" (%s) as an lm-evaluation-harness task. Questions are asked alone in the user turn
                of the model's chat template, answered greedily (at most %d new tokens), and scored by qaforge's own
                scoring (`utils.py`): `key_facts` (qaforge's default: the reference's numbers, names and distinguishing
                words are in the answer), `exact_match`, `token_f1`, `contained`.

                    lm_eval --model hf --model_args pretrained=BASE,peft=ADAPTER_DIR --apply_chat_template \\
                        --include_path . --tasks %s%s
                """.formatted(task, exam.getName(), exam.getId(), MAX_NEW_TOKENS, task,
                inContext ? "," + task + "_in_context\n\n`" + task + "_in_context` asks the questions that carry their source "
                        + "text with it (the ceiling).\n" : "\n");
    }

    private static String lightevalReadme(String task, Exam exam, boolean inContext) {
        return """
                # %s

                The qaforge exam "%s" (%s) as a lighteval custom task. Questions are asked alone in the user turn of the
                model's chat template, answered greedily (at most %d new tokens), and scored by qaforge's own scoring
                (in `%s.py`): `key_facts` (qaforge's default: the reference's numbers, names and distinguishing words are
                in the answer), `exact_match`, `token_f1`, `contained`.

                    lighteval accelerate "model_name=ADAPTER_DIR,base_model=BASE,adapter_weights=True" \
                        "%s|0%s" --custom-tasks %s/%s.py
                %s""".formatted(task, exam.getName(), exam.getId(), MAX_NEW_TOKENS, task, task,
                inContext ? "," + task + "_in_context|0" : "", task, task,
                inContext ? "\n`" + task + "_in_context` asks the questions that carry their source text with it (the ceiling).\n" : "");
    }

    private static void entry(ZipOutputStream zip, String name, String text) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(text.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    private static String resource(String name) {
        try (var in = new ClassPathResource(name, HarnessExport.class).getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("missing from the build: " + name, e);
        }
    }
}
