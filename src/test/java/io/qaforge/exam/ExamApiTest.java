package io.qaforge.exam;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.PythonDatasets;
import io.qaforge.training.TrainingFixtures;

import static io.qaforge.training.TrainingFixtures.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "qaforge.security.worker-token=worker-secret")
class ExamApiTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    TrainingFixtures fixtures;

    @BeforeEach
    void setUp() {
        fixtures = new TrainingFixtures(http, jdbc, null);
    }

    @Test
    void anExamIsCreatedFromJsonListedReadAndDeleted() {
        ResponseEntity<JsonNode> created = fixtures.post("/api/exams", Map.of("name", "Rulebook", "questions", List.of(
                Map.of("question", " How many players are on the field? ", "answer", "Six.", "factId", 3, "direction", "forward"),
                Map.of("question", "Which team restarts after a touchdown?", "answer", "The defending team.", "context", "Rule 7: ..."))));
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
        String id = created.getBody().get("id").asString();
        assertThat(created.getHeaders().getLocation().getPath()).isEqualTo("/api/exams/" + id);
        assertThat(created.getBody().get("questionCount").asInt()).isEqualTo(2);
        assertThat(created.getBody().get("source").asString()).isEqualTo("json");

        JsonNode exam = fixtures.get("/api/exams/" + id).getBody();
        assertThat(exam.at("/questions/0/question").asString()).isEqualTo("How many players are on the field?");
        assertThat(exam.at("/questions/0/factId").asLong()).isEqualTo(3);
        assertThat(exam.at("/questions/0/direction").asString()).isEqualTo("forward");
        assertThat(exam.at("/questions/0/hasContext").asBoolean()).isFalse();
        assertThat(exam.at("/questions/1/hasContext").asBoolean()).isTrue();
        assertThat(exam.at("/questions/1/ordinal").asInt()).isEqualTo(2);

        JsonNode page = fixtures.get("/api/exams?size=100").getBody();
        assertThat(page.get("content").findValuesAsString("id")).contains(id);

        assertThat(fixtures.exchange(HttpMethod.DELETE, "/api/exams/" + id, null, null, null).getStatusCode().value()).isEqualTo(204);
        assertProblem(fixtures.get("/api/exams/" + id), 404, "not-found");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM exam_question WHERE exam_id = ?::uuid", Integer.class, id)).isZero();
    }

    @Test
    void csvAndJsonlFilesAreReadWithQuotesSemicolonsAndAByteOrderMark() {
        String csv = "\uFEFFQuestion,Answer,fact_id,direction\n"
                + "\"Who keeps the score, and how?\",\"The referee,\nwith a card.\",12,reverse\n"
                + "\n"
                + "What is a touchdown?,A ball grounded over the line.,,\n";
        JsonNode fromCsv = upload("rules.csv", csv, null).getBody();
        assertThat(fromCsv.get("name").asString()).isEqualTo("rules");
        assertThat(fromCsv.get("source").asString()).isEqualTo("csv");
        JsonNode questions = fixtures.get("/api/exams/" + fromCsv.get("id").asString()).getBody().get("questions");
        assertThat(questions).hasSize(2);
        assertThat(questions.at("/0/question").asString()).isEqualTo("Who keeps the score, and how?");
        assertThat(questions.at("/0/answer").asString()).isEqualTo("The referee,\nwith a card.");
        assertThat(questions.at("/0/factId").asLong()).isEqualTo(12);
        assertThat(questions.at("/0/direction").asString()).isEqualTo("reverse");
        assertThat(questions.at("/1/factId").isNull()).isTrue();

        JsonNode semicolons = upload("x.txt", "question;answer\nHow long is a half?;20 minutes.\n", "Halves").getBody();
        assertThat(semicolons.get("name").asString()).isEqualTo("Halves");
        assertThat(semicolons.get("questionCount").asInt()).isEqualTo(1);

        String jsonl = "{\"id\": \"q1\", \"question\": \"How many players?\", \"answer\": 6, \"factId\": 4}\n\n"
                + "{\"question\": \"Which line?\", \"answer\": \"The scoreline.\", \"context\": \"The scoreline is ...\"}\n";
        JsonNode fromJsonl = upload("exam.jsonl", jsonl, null).getBody();
        assertThat(fromJsonl.get("source").asString()).isEqualTo("jsonl");
        JsonNode lines = fixtures.get("/api/exams/" + fromJsonl.get("id").asString()).getBody().get("questions");
        assertThat(lines.at("/0/answer").asString()).isEqualTo("6");
        assertThat(lines.at("/1/hasContext").asBoolean()).isTrue();
    }

    @Test
    void badFilesNameTheLineAtFaultAndStoreNothing() {
        long exams = count("exam"), questions = count("exam_question");

        assertProblem(upload("a.csv", "question,answer\nOne?,1\nTwo?,\n", null), 400, "invalid-exam-file", "line 3", "answer must not be blank");
        assertProblem(upload("a.csv", "question,answer\nOne?,1\n\"Two?,2\n", null), 400, "invalid-exam-file", "line 3");
        assertProblem(upload("a.csv", "question,anwser\nOne?,1\n", null), 400, "invalid-exam-file", "line 1", "unknown column 'anwser'");
        assertProblem(upload("a.csv", "question,answer\nOne?,1,extra\n", null), 400, "invalid-exam-file", "line 2", "3 values");
        assertProblem(upload("a.csv", "question,answer,direction\nOne?,1,sideways\n", null), 400, "invalid-exam-file", "line 2", "direction");
        assertProblem(upload("a.csv", "question,answer,factId\nOne?,1,x7\n", null), 400, "invalid-exam-file", "line 2", "factId");
        assertProblem(upload("a.jsonl", "{\"question\": \"One?\", \"answer\": \"1\"}\n{\"question\": \"Two?\", \"answer\": \n", null),
                400, "invalid-exam-file", "line 2", "not valid JSON");
        assertProblem(upload("a.jsonl", "{\"question\": \"One?\", \"answer\": \"1\", \"hint\": \"x\"}\n", null),
                400, "invalid-exam-file", "line 1", "unknown field 'hint'");
        assertProblem(upload("a.csv", "question,answer\n", null), 400, "invalid-exam-file", "no questions");
        assertProblem(upload("a.csv", "", null), 400, "invalid-exam-file", "empty");
        byte[] latin1 = "question,answer\nCaf\u00e9?,Oui\n".getBytes(StandardCharsets.ISO_8859_1);
        assertProblem(uploadBytes("a.csv", latin1), 400, "invalid-exam-file", "line 2", "UTF-8");
        assertProblem(fixtures.post("/api/exams", Map.of("name", "x", "questions", List.of(Map.of("question", "Q?", "answer", "A"),
                Map.of("question", "", "answer", "A")))), 400, "invalid-exam", "questions[1]", "question must not be blank");
        assertProblem(fixtures.post("/api/exams", Map.of("name", "x", "questions", List.of())), 400, "invalid-request", "questions");

        assertThat(count("exam")).isEqualTo(exams);
        assertThat(count("exam_question")).isEqualTo(questions);
    }

    @Test
    void aNulInAnyFieldOfAnyExamFormatIsRefusedNamingWhereItSitsAndStoresNothing() {
        long exams = count("exam"), questions = count("exam_question");

        assertProblem(upload("a.jsonl", "{\"question\":\"a\\u0000b?\",\"answer\":\"c\"}\n", null), 400, "invalid-text",
                "line 1: question", "NUL");
        assertProblem(upload("a.jsonl", "{\"question\":\"One?\",\"answer\":\"1\"}\n{\"question\":\"Two?\",\"answer\":\"2\\u0000\"}\n", null),
                400, "invalid-text", "line 2: answer");
        assertProblem(upload("a.jsonl", "{\"question\":\"One?\",\"answer\":\"1\",\"context\":\"Rule\\u0000 7\"}\n", null),
                400, "invalid-text", "line 1: context");
        assertProblem(upload("a.jsonl", "{\"question\":\"One?\",\"answer\":\"1\",\"direction\":\"forward\\u0000\"}\n", null),
                400, "invalid-text", "line 1: direction");
        assertProblem(upload("a.csv", "question,answer\nOne?,1\nTwo?,2\u0000\n", null), 400, "invalid-text", "line 3: answer");
        assertProblem(upload("a.csv", "question;answer;context\nOne?;1;Rule\u00007\n", null), 400, "invalid-text", "line 2: context");
        assertProblem(upload("a.csv", "question\tanswer\n\"On\u0000e?\"\t1\n", null), 400, "invalid-text", "line 2: question");
        assertProblem(upload("a.csv", "question,answer,factId\nOne?,1,7\u0000\n", null), 400, "invalid-text", "line 2: factId");
        assertProblem(fixtures.post("/api/exams", Map.of("name", "x", "questions", List.of(Map.of("question", "Q?", "answer", "A"),
                Map.of("question", "Q2?", "answer", "A\u0000")))), 400, "invalid-text", "questions[1].answer");
        assertProblem(fixtures.post("/api/exams", Map.of("name", "x\u0000", "questions", List.of(Map.of("question", "Q?", "answer", "A")))),
                400, "invalid-text", "name");
        var named = new LinkedMultiValueMap<String, Object>();
        named.add("file", TrainingFixtures.file("a.csv", "question,answer\nOne?,1\n".getBytes(StandardCharsets.UTF_8)));
        named.add("name", "Rule\u0000book");
        assertProblem(fixtures.exchange(HttpMethod.POST, "/api/exams", named, MediaType.MULTIPART_FORM_DATA, null), 400, "invalid-text", "name");

        assertThat(count("exam")).isEqualTo(exams);
        assertThat(count("exam_question")).isEqualTo(questions);
    }

    @Test
    void aJobsTestSplitBecomesAnExamWithEachQuestionsSourceText() {
        UUID small = fixtures.document("small.txt", "Touch is played six a side. A half lasts twenty minutes.");
        UUID job = fixtures.job(small, new String[] {"How many players?", "Six.", "test"}, new String[] {"How long is a half?", "20 minutes.", "train"},
                new String[] {"Who plays?", "Two teams.", "test"});

        ResponseEntity<JsonNode> created = fixtures.post("/api/jobs/" + job + "/exam", Map.of("name", "Held out"));
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
        JsonNode exam = fixtures.get("/api/exams/" + created.getBody().get("id").asString()).getBody();
        assertThat(exam.get("source").asString()).isEqualTo("test-split");
        assertThat(exam.get("jobIds").get(0).asString()).isEqualTo(job.toString());
        assertThat(exam.get("questions").findValuesAsString("question")).containsExactlyInAnyOrder("How many players?", "Who plays?");
        assertThat(exam.get("questions").findValues("hasContext")).allMatch(JsonNode::asBoolean);
        String context = jdbc.queryForObject("SELECT context FROM exam_question WHERE exam_id = ?::uuid LIMIT 1", String.class,
                created.getBody().get("id").asString());
        assertThat(context).as("a short document is the context whole").contains("six a side").contains("twenty minutes");

        assertThat(fixtures.post("/api/jobs/" + job + "/exam", null).getBody().get("name").asString()).startsWith("Test split of job ");
    }

    @Test
    void aLongDocumentGivesEachQuestionItsChunk() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            text.append("Paragraph sentence ").append(i).append(" explains that rule ").append(i).append(" applies on the field. ");
            if (i % 25 == 24) {
                text.append("\n\n");
            }
        }
        UUID document = fixtures.document("long.txt", text.toString());
        List<String> chunks = jdbc.queryForList("SELECT text FROM chunk WHERE document_id = ? ORDER BY ordinal", String.class, document);
        assertThat(chunks).hasSizeGreaterThan(2);
        UUID job = fixtures.job(document, new String[] {"Q1?", "A1.", "test"}, new String[] {"Q2?", "A2.", "test"});
        String exam = fixtures.post("/api/jobs/" + job + "/exam", Map.of()).getBody().get("id").asString();

        List<String> contexts = jdbc.queryForList("SELECT context FROM exam_question WHERE exam_id = ?::uuid", String.class, exam);
        assertThat(contexts).containsExactlyInAnyOrder(chunks.get(0), chunks.get(1));
    }

    @Test
    void aJobMustHaveFinishedWithTestPairs() {
        UUID document = fixtures.document("only-train.txt", "Only training pairs come from this one.");
        UUID trainOnly = fixtures.job(document, new String[] {"Q?", "A.", "train"});
        assertProblem(fixtures.post("/api/jobs/" + trainOnly + "/exam", Map.of()), 409, "no-test-pairs");
        jdbc.update("UPDATE job SET status = 'RUNNING' WHERE id = ?", trainOnly);
        assertProblem(fixtures.post("/api/jobs/" + trainOnly + "/exam", Map.of()), 409, "job-not-finished");
        assertProblem(fixtures.post("/api/jobs/" + UUID.randomUUID() + "/exam", Map.of()), 404, "not-found");
    }

    @Test
    void aDocumentCanBeTheContextOfAHandWrittenExam() {
        UUID document = fixtures.document("rulebook.txt", "The ball may be passed backwards only. A touchdown scores one point.");
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Rulebook", "documentId", document, "questions",
                List.of(Map.of("question", "How many points is a touchdown?", "answer", "One.")))).getBody();
        assertThat(jdbc.queryForObject("SELECT context FROM exam_question WHERE exam_id = ?::uuid", String.class, exam.get("id").asString()))
                .contains("passed backwards").contains("one point");
        assertProblem(fixtures.post("/api/exams", Map.of("name", "x", "documentId", UUID.randomUUID(), "questions",
                List.of(Map.of("question", "Q?", "answer", "A")))), 400, "unknown-document");
    }

    /** The export is loaded by lm-evaluation-harness's own task loader and scored by the glue it carries. */
    @Test
    void anExamExportsAsAnLmEvalTaskThatLmEvalLoadsAndScores(@TempDir Path tmp) throws Exception {
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Touch rules: ré-test", "questions", List.of(
                Map.of("question", "How many players are on the field?", "answer", "Six players.", "factId", 3, "direction", "forward"),
                Map.of("question", "Which team restarts after a touchdown?", "answer", "The defending team.", "context",
                        "Rule 7: the defending team restarts after a touchdown.")))).getBody();
        String id = exam.get("id").asString();
        ResponseEntity<byte[]> zip = http.getForEntity("/api/exams/" + id + "/export?format=lm-eval", byte[].class);
        assertThat(zip.getStatusCode().value()).isEqualTo(200);
        assertThat(zip.getHeaders().getContentType().toString()).isEqualTo("application/zip");
        String task = "qaforge_touch_rules_re_test_" + id.substring(0, 8);
        assertThat(zip.getHeaders().getFirst("Content-Disposition")).contains(task + "-lm-eval.zip");
        unzip(zip.getBody(), tmp.resolve("tasks"));
        assertThat(tmp.resolve("tasks/" + task + "/README.md")).content().contains("--include_path");

        JsonNode loaded = PythonDatasets.runLmEval("""
                import json, sys
                from lm_eval.tasks import TaskManager, get_task_dict
                name = sys.argv[2]
                tasks = get_task_dict([name, name + "_in_context"], TaskManager(include_path=sys.argv[1]))
                closed, ceiling = tasks[name], tasks[name + "_in_context"]
                docs, with_context = list(closed.test_docs()), list(ceiling.test_docs())
                print(json.dumps({"questions": len(docs), "inContext": len(with_context),
                                  "prompt": closed.doc_to_text(docs[0]), "target": closed.doc_to_target(docs[0]),
                                  "contextPrompt": ceiling.doc_to_text(with_context[0]),
                                  "generation": closed.config.generation_kwargs,
                                  "right": closed.process_results(docs[0], ["There are six players."]),
                                  "wrong": closed.process_results(docs[0], ["Eleven."])}))
                """, tmp, tmp.resolve("tasks").toString(), task);
        assertThat(loaded.get("questions").asInt()).isEqualTo(2);
        assertThat(loaded.get("inContext").asInt()).as("only questions with their source text make the ceiling").isEqualTo(1);
        assertThat(loaded.get("prompt").asString()).isEqualTo("How many players are on the field?");
        assertThat(loaded.get("target").asString()).isEqualTo("Six players.");
        assertThat(loaded.get("contextPrompt").asString()).isEqualTo(
                "Answer from this text.\n\nRule 7: the defending team restarts after a touchdown.\n\nQuestion: Which team restarts after a touchdown?");
        assertThat(loaded.at("/generation/do_sample").asBoolean(true)).as("greedy, like the worker").isFalse();
        assertThat(loaded.at("/right/key_facts").asDouble()).isEqualTo(1.0);
        assertThat(loaded.at("/wrong/key_facts").asDouble()).isEqualTo(0.0);
        assertThat(loaded.at("/wrong/exact_match").asDouble()).isEqualTo(0.0);

        assertProblem(fixtures.get("/api/exams/" + id + "/export?format=helm"), 400, "invalid-export-format", "lm-eval, lighteval");
        assertProblem(fixtures.get("/api/exams/" + UUID.randomUUID() + "/export?format=lm-eval"), 404, "not-found");
    }

    /** The lighteval export is loaded by lighteval's own task registry, reads its questions and scores with qaforge's scoring. */
    @Test
    void anExamExportsAsALightevalTaskThatLightevalLoadsAndScores(@TempDir Path tmp) throws Exception {
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Touch rules", "questions", List.of(
                Map.of("question", "How many players are on the field?", "answer", "Six players.", "factId", 3, "direction", "forward"),
                Map.of("question", "Which team restarts after a touchdown?", "answer", "The defending team.", "context",
                        "Rule 7: the defending team restarts after a touchdown.")))).getBody();
        String id = exam.get("id").asString();
        ResponseEntity<byte[]> zip = http.getForEntity("/api/exams/" + id + "/export?format=lighteval", byte[].class);
        assertThat(zip.getStatusCode().value()).isEqualTo(200);
        String task = "qaforge_touch_rules_" + id.substring(0, 8);
        assertThat(zip.getHeaders().getFirst("Content-Disposition")).contains(task + "-lighteval.zip");
        unzip(zip.getBody(), tmp.resolve("tasks"));
        assertThat(tmp.resolve("tasks/" + task + "/README.md")).content().contains("--custom-tasks");

        JsonNode loaded = PythonDatasets.runLighteval("""
                import json, sys
                from lighteval.models.model_output import ModelResponse
                from lighteval.tasks.lighteval_task import LightevalTask
                from lighteval.tasks.registry import Registry
                path, name = sys.argv[1], sys.argv[2]
                # lighteval's own loading of a --custom-tasks file (Registry.load_all_task_configs also imports every
                # built-in task, some of which download files at import: this machine is offline)
                configs = Registry._extract_configs(Registry.create_custom_tasks_module(path))
                closed, ceiling = LightevalTask(configs[name]), LightevalTask(configs[name + "_in_context"])
                docs, with_context = closed.get_docs(), ceiling.get_docs()
                six = next(d for d in docs if d.query.startswith("How many"))
                def scored(text):
                    return closed.metrics[0].compute_sample(doc=six, model_response=ModelResponse(text=[text]))
                print(json.dumps({"questions": len(docs), "inContext": len(with_context), "prompt": six.query,
                                  "gold": six.get_golds(), "contextPrompt": with_context[0].query,
                                  "maxNewTokens": six.generation_size, "aggregations": sorted(closed.aggregation()),
                                  "right": scored("There are six players."), "wrong": scored("Eleven.")}))
                """, tmp, tmp.resolve("tasks/" + task + "/" + task + ".py").toString(), task);
        assertThat(loaded.get("questions").asInt()).isEqualTo(2);
        assertThat(loaded.get("inContext").asInt()).as("only questions with their source text make the ceiling").isEqualTo(1);
        assertThat(loaded.get("prompt").asString()).isEqualTo("How many players are on the field?");
        assertThat(loaded.get("gold").get(0).asString()).isEqualTo("Six players.");
        assertThat(loaded.get("contextPrompt").asString()).isEqualTo(
                "Answer from this text.\n\nRule 7: the defending team restarts after a touchdown.\n\nQuestion: Which team restarts after a touchdown?");
        assertThat(loaded.get("maxNewTokens").asInt()).isEqualTo(128);
        assertThat(loaded.get("aggregations").toString()).contains("key_facts", "exact_match", "token_f1", "contained");
        assertThat(loaded.at("/right/key_facts").asDouble()).isEqualTo(1.0);
        assertThat(loaded.at("/wrong/key_facts").asDouble()).isEqualTo(0.0);
        assertThat(loaded.at("/wrong/token_f1").asDouble()).isEqualTo(0.0);
    }

    private static void unzip(byte[] zip, Path into) throws Exception {
        try (var in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                Path file = into.resolve(entry.getName()).normalize();
                assertThat(file.startsWith(into)).as("%s stays in the folder", entry.getName()).isTrue();
                Files.createDirectories(file.getParent());
                Files.write(file, in.readAllBytes());
            }
        }
    }

    private ResponseEntity<JsonNode> upload(String name, String content, String examName) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", TrainingFixtures.file(name, content.getBytes(StandardCharsets.UTF_8)));
        if (examName != null) {
            body.add("name", examName);
        }
        return fixtures.exchange(HttpMethod.POST, "/api/exams", body, MediaType.MULTIPART_FORM_DATA, null);
    }

    private ResponseEntity<JsonNode> uploadBytes(String name, byte[] content) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", TrainingFixtures.file(name, content));
        return fixtures.exchange(HttpMethod.POST, "/api/exams", body, MediaType.MULTIPART_FORM_DATA, null);
    }

    private long count(String table) {
        return jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class);
    }
}
