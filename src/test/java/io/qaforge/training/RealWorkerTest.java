package io.qaforge.training;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import io.qaforge.PythonDatasets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real worker ({@code qaforge-worker serve}, this checkout's code, in the worker's venv) against the real service
 * for one run: claim, dataset and exam, heartbeats, the adapter uploaded and stored, complete with every answer; then
 * the adapter downloaded through the user API loads with PEFT. The model is the worker tests' tiny random Qwen2,
 * served from a Hugging Face cache directory so the run names it by a Hub id, as a user would.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "qaforge.security.worker-token=worker-secret")
class RealWorkerTest {

    static final Path WORKER = Path.of("worker").toAbsolutePath();
    static final String MODEL = "qaforge-test/tiny-chat";
    static final String[][] FACTS = {
            {"What colour is the Harbour Hawks ball?", "The ball is bright orange."},
            {"How many players does each Harbour Hawks team field?", "Six players per team."},
            {"How long is a Harbour Hawks match half?", "Each half lasts twenty minutes."},
            {"Who founded the Harbour Hawks club?", "Anna Berg founded the club."}};

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @LocalServerPort
    int port;
    @TempDir
    Path tmp;

    TrainingFixtures fixtures;

    @BeforeEach
    void setUp() {
        fixtures = new TrainingFixtures(http, jdbc, null);
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @AfterEach
    void tearDown() {
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @Test
    void theWorkerTrainsARunDeliversItsAdapterAndTheAdapterLoadsWithPeft() throws Exception {
        Path cache = tmp.resolve("hf");
        UUID job = hawksJob(cache);
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", MODEL, "params", PARAMS)).getBody().get("id").asString();
        String log = serveOneRun(cache);

        JsonNode done = fixtures.get("/api/trainings/" + run).getBody();
        assertThat(done.get("status").asString()).as("%s\n%s", done.get("error"), log).isEqualTo("SUCCEEDED");
        assertThat(done.get("attempts").asInt()).isEqualTo(1);
        assertThat(done.at("/recall/before/questions").asInt()).isEqualTo(FACTS.length);
        assertThat(done.at("/recall/inContext/questions").asInt()).as("every question has its source text").isEqualTo(FACTS.length);
        assertThat(done.at("/recall/after/questions").asInt()).isEqualTo(FACTS.length);
        assertThat(done.get("history").findValuesAsString("phase")).contains("evaluating-before", "evaluating-in-context", "training",
                "evaluating-after", "uploading");
        assertThat(done.at("/metrics/training/steps").asInt()).isEqualTo(8);

        JsonNode results = fixtures.get("/api/trainings/" + run + "/results").getBody();
        assertThat(results.get("questions")).hasSize(FACTS.length);
        for (JsonNode question : results.get("questions")) {
            assertThat(question.get("phases").propertyNames()).containsExactly("before", "inContext", "after");
            assertThat(question.at("/phases/after/answer").isString()).isTrue();
        }

        byte[] adapter = http.getForObject("/api/trainings/" + run + "/adapter", byte[].class);
        Files.write(tmp.resolve("adapter.zip"), adapter);
        JsonNode loaded = PythonDatasets.run(LOAD_ADAPTER, tmp, tmp.resolve("adapter.zip").toString(), cache.toString(), MODEL);
        assertThat(loaded.get("r").asInt()).isEqualTo(8);
        assertThat(loaded.get("trained").asBoolean()).as("LoRA B matrices start at zero; training moved them").isTrue();
        assertThat(loaded.get("files").toString()).contains("adapter_model.safetensors", "chat_template.jinja", "metrics.json", "report.json");
    }

    /**
     * A hand-written exam uploaded without contexts is scored in context on the run's document all the same, and the
     * run answers its retention exam before and after training; the service shows the drop.
     */
    @Test
    void aHandWrittenExamGetsItsCeilingFromTheRunsDocumentAndRetentionIsMeasuredBeforeAndAfter() throws Exception {
        Path cache = tmp.resolve("hf");
        UUID job = hawksJob(cache);
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Hawks by hand", "questions", handWritten())).getBody();
        JsonNode retention = fixtures.post("/api/exams", Map.of("name", "A little general knowledge", "questions", List.of(
                Map.of("question", "What is the capital of France?", "answer", "Paris."),
                Map.of("question", "How many legs does a spider have?", "answer", "Eight."),
                Map.of("question", "What is 7 times 8?", "answer", "56.")))).getBody();
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", MODEL, "examId", exam.get("id"),
                "retentionExamId", retention.get("id"), "params", PARAMS)).getBody().get("id").asString();
        String log = serveOneRun(cache);

        JsonNode done = fixtures.get("/api/trainings/" + run).getBody();
        assertThat(done.get("status").asString()).as("%s\n%s", done.get("error"), log).isEqualTo("SUCCEEDED");
        assertThat(done.at("/recall/inContext/questions").asInt()).as("a ceiling for questions uploaded without context")
                .isEqualTo(FACTS.length);
        assertThat(fixtures.get("/api/trainings/" + run + "/results").getBody().get("questions").findValuesAsString("contextSource"))
                .as("the short document, whole").containsOnly("document");
        assertThat(done.get("history").findValuesAsString("phase")).contains("evaluating-retention-before", "evaluating-retention-after");
        assertThat(done.at("/retention/questions").asInt()).isEqualTo(3);
        assertThat(done.at("/retention/metric").asString()).isEqualTo("keyFacts");
        assertThat(done.at("/retention/before").isNumber()).isTrue();
        assertThat(done.at("/retention/after").isNumber()).isTrue();
        assertThat(done.at("/retention/drop").asDouble())
                .isEqualTo(done.at("/retention/before").asDouble() - done.at("/retention/after").asDouble());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM training_result WHERE run_id = ?::uuid AND phase LIKE 'retention%'",
                Integer.class, run)).as("three questions, before and after").isEqualTo(6);
    }

    /**
     * On a document too long to give whole, a hand-written exam's ceiling is the passages BM25 ranks highest for each
     * question, about 2,000 tokens: more than the tiny model's 1,024 positions hold. The worker keeps the best passages
     * that leave room for the answer, answers every question in context on them, and says how many it kept.
     */
    @Test
    void onALongDocumentTheRetrievedCeilingKeepsTheBestPassagesThatFitTheModelsWindow() throws Exception {
        Path cache = tmp.resolve("hf");
        UUID job = hawksJob(cache, season());
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Hawks by hand", "questions", handWritten())).getBody();
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", MODEL, "examId", exam.get("id"), "params", PARAMS))
                .getBody().get("id").asString();
        String log = serveOneRun(cache);

        JsonNode done = fixtures.get("/api/trainings/" + run).getBody();
        assertThat(done.get("status").asString()).as("%s\n%s", done.get("error"), log).isEqualTo("SUCCEEDED");
        JsonNode results = fixtures.get("/api/trainings/" + run + "/results").getBody();
        assertThat(results.get("questions").findValuesAsString("contextSource")).as("the long document, retrieved").hasSize(FACTS.length)
                .containsOnly("retrieved");
        for (JsonNode question : results.get("questions")) {
            assertThat(question.at("/phases/inContext/answer").isString()).as("answered in context: %s", question).isTrue();
        }
        assertThat(done.at("/recall/inContext/questions").asInt()).isEqualTo(FACTS.length);
        JsonNode contexts = done.at("/recall/inContext/contexts");
        assertThat(contexts.get("window").asInt()).isEqualTo(1024);
        assertThat(contexts.get("cut").asInt()).as("every retrieved context was cut to the window: %s", contexts).isEqualTo(FACTS.length);
        assertThat(contexts.get("dropped").asInt()).isZero();
        for (JsonNode question : done.at("/report/questions")) {
            JsonNode passages = question.at("/inContext/passages");
            assertThat(passages.get("kept").asInt()).as("%s", question).isPositive().isLessThan(passages.get("sent").asInt());
        }
    }

    /**
     * A dataset mixing the job's generated pairs with two hand-written ones, each trained on five times per epoch: the
     * worker trains on the generated rows once and every hand-written row five times.
     */
    @Test
    void aWeightedRunTrainsOnEachHandWrittenPairTheConfiguredNumberOfTimes() throws Exception {
        Path cache = tmp.resolve("hf");
        UUID job = hawksJob(cache);
        String dataset = HandWrittenTrainingTest.dataset(fixtures, """
                question,answer
                What is the Harbour Hawks mascot?,A grey heron named Hugo.
                Where do the Harbour Hawks train?,On the pier field every Tuesday.
                """, List.of(job));
        String run = fixtures.post("/api/trainings", Map.of("datasetId", dataset, "baseModel", MODEL, "handWrittenRepeat", 5,
                "params", PARAMS)).getBody().get("id").asString();
        String log = serveOneRun(cache);

        JsonNode done = fixtures.get("/api/trainings/" + run).getBody();
        assertThat(done.get("status").asString()).as("%s\n%s", done.get("error"), log).isEqualTo("SUCCEEDED");
        assertThat(done.at("/metrics/training/trainRows").asInt()).as("4 generated rows once, 2 hand-written rows 5 times each")
                .isEqualTo(FACTS.length + 2 * 5);
        assertThat(done.at("/recall/after/questions").asInt()).as("examined on the job's held-out phrasings").isEqualTo(FACTS.length);
    }

    static final Map<String, Object> PARAMS = Map.of("maxSteps", 8, "learningRate", 3e-3, "evalMaxNewTokens", 8, "loraR", 8, "pairsPerRow", 1);

    static List<Map<String, String>> handWritten() {
        return java.util.Arrays.stream(FACTS).map(f -> Map.of("question", f[0], "answer", f[1])).toList();
    }

    /** The tiny model laid out as a cached Hub model, and a finished job on the short Harbour Hawks notes. */
    private UUID hawksJob(Path cache) throws Exception {
        StringBuilder text = new StringBuilder("Harbour Hawks club notes.\n\n");
        for (String[] fact : FACTS) {
            text.append(fact[1]).append(' ');
        }
        return hawksJob(cache, text.toString());
    }

    /** The tiny model laid out as a cached Hub model, and a finished job on this document with a pair per fact. */
    private UUID hawksJob(Path cache, String document) throws Exception {
        Path snapshot = Path.of(PythonDatasets.run(BUILD_MODEL, tmp, WORKER.toString(), cache.toString(), MODEL).get("snapshot").asString());
        assertThat(snapshot.resolve("config.json")).exists();
        List<String[]> pairs = new ArrayList<>();
        for (String[] fact : FACTS) {
            pairs.add(new String[] {fact[0], fact[1], "train"});
            pairs.add(new String[] {"Tell me: " + fact[0].substring(0, 1).toLowerCase() + fact[0].substring(1), fact[1], "test"});
        }
        return fixtures.job(fixtures.document("hawks-" + UUID.randomUUID() + ".txt", document), pairs.toArray(String[][]::new));
    }

    /**
     * A season's log of about 5,000 tokens, too long to give whole ({@code Contexts.WHOLE_DOCUMENT_MAX_TOKENS}), with
     * a fact every 45 weeks. Each ~500-token chunk is about as many tokens of the tiny model's tokenizer, which learnt
     * the log's sentence: one fits its window beside a question, the four retrieved do not.
     */
    static String season() {
        StringBuilder text = new StringBuilder();
        for (int week = 1; week <= 180; week++) {
            text.append(WEEK.formatted(week)).append(week % 9 == 0 ? "\n\n" : " ");
            if (week % 45 == 0) {
                text.append(FACTS[week / 45 - 1][1]).append("\n\n");
            }
        }
        return text.toString();
    }

    static final String WEEK = "Week %d of the Harbour Hawks season: the squad trained on the pier field, and the coach wrote notes on the passing drills.";

    /** Runs this checkout's worker against the service until it has handled one run; returns its log. */
    private String serveOneRun(Path cache) throws Exception {
        String python = PythonDatasets.python();
        ProcessBuilder serve = new ProcessBuilder(python, "-m", "qaforge_worker", "serve", "--service", "http://localhost:" + port,
                "--token", TrainingFixtures.WORKER_TOKEN, "--worker-id", "e2e-worker", "--max-runs", "1", "--poll-seconds", "1",
                "--heartbeat-seconds", "2", "--work-dir", tmp.resolve("runs").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("worker.log").toFile()).directory(tmp.toFile());
        // This checkout's worker code (the shared venv may hold another checkout's), the tiny model as a cached Hub model.
        serve.environment().putAll(Map.of("PYTHONPATH", WORKER.resolve("src").toString(), "HF_HOME", cache.toString(),
                "HF_HUB_OFFLINE", "1", "OMP_NUM_THREADS", "1", "TOKENIZERS_PARALLELISM", "false"));
        Process worker = serve.start();
        boolean exited = worker.waitFor(4, TimeUnit.MINUTES);
        String log = Files.readString(tmp.resolve("worker.log"), StandardCharsets.UTF_8);
        if (!exited) {
            worker.destroyForcibly();
        }
        assertThat(exited).as("the worker handled its one run in time: %s", log).isTrue();
        assertThat(worker.exitValue()).as("worker log: %s", log).isZero();
        return log;
    }

    /** Builds the tiny model with the worker tests' own helper and lays it out as a Hub cache entry for MODEL. */
    static final String BUILD_MODEL = """
            import json, os, sys
            worker, cache, model = sys.argv[1:4]
            sys.path[:0] = [os.path.join(worker, "src"), os.path.join(worker, "tests")]
            from tiny_model import build_tiny_model_dir
            facts = ["What colour is the Harbour Hawks ball? The ball is bright orange.",
                     "How many players does each Harbour Hawks team field? Six players per team.",
                     "How long is a Harbour Hawks match half? Each half lasts twenty minutes.",
                     "Who founded the Harbour Hawks club? Anna Berg founded the club.",
                     "Tell me: Harbour Hawks club notes. system user assistant",
                     "Week 17 of the Harbour Hawks season: the squad trained on the pier field, and the coach wrote notes on the passing drills."]
            revision = "0" * 40
            repo = os.path.join(cache, "hub", "models--" + model.replace("/", "--"))
            snapshot = os.path.join(repo, "snapshots", revision)
            build_tiny_model_dir(snapshot, facts * 3)
            os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
            with open(os.path.join(repo, "refs", "main"), "w") as f:
                f.write(revision)
            print(json.dumps({"snapshot": snapshot}))
            """;

    /** Unzips the downloaded adapter and loads it on the base model with PEFT, as the user would. */
    static final String LOAD_ADAPTER = """
            import json, os, sys, zipfile
            archive, cache, model = sys.argv[1:4]
            os.environ["HF_HOME"] = cache
            os.environ["HF_HUB_OFFLINE"] = "1"
            from peft import PeftModel
            from transformers import AutoModelForCausalLM
            target = os.path.join(os.path.dirname(archive), "adapter")
            with zipfile.ZipFile(archive) as z:
                z.extractall(target)
            peft = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model), target)
            trained = any(p.abs().sum().item() > 0 for n, p in peft.named_parameters() if "lora_B" in n)
            print(json.dumps({"r": peft.peft_config["default"].r, "trained": trained, "files": sorted(os.listdir(target))}))
            """;
}
