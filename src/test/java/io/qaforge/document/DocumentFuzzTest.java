package io.qaforge.document;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.web.client.RestClientException;

import io.qaforge.document.Mutations.Mutation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mutated files of every format uploaded one by one (seeded: case n is the same file on every run). Each must be
 * answered without a 5xx; a refusal must be a problem+json that leaves no document row and no large object behind; an
 * accepted file must end READY or FAILED within a deadline, a FAILED one without chunks; and no OutOfMemoryError may
 * be logged. Bounded here ({@code qaforge.fuzz.documents} cases); bench/fuzz.sh runs more, and adds a DOCX bomb
 * ({@code qaforge.fuzz.bombs}) that this run keeps away from. Each finding's file is kept in target/fuzz-findings.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DocumentFuzzTest {

    static final int CASES = Integer.getInteger("qaforge.fuzz.documents", 140);
    static final boolean BOMBS = Boolean.getBoolean("qaforge.fuzz.bombs");
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final Path FINDINGS = Path.of("target/fuzz-findings");
    static final JsonMapper JSON = new JsonMapper();

    record Sample(String format, byte[] bytes, List<Mutation> mutations) {
    }

    record Finding(String format, String kind, String file, String detail) {
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    private final OutOfMemoryLog outOfMemory = new OutOfMemoryLog();
    private final List<Finding> findings = new ArrayList<>();
    private final Map<String, Integer> tried = new TreeMap<>();

    @Test
    void mutatedUploadsAreReadOrRefusedCleanly() throws Exception {
        List<Sample> samples = samples();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        outOfMemory.start();
        root.addAppender(outOfMemory);
        try {
            for (int n = 0; n < CASES; n++) {
                Sample sample = samples.get(n % samples.size());
                Random random = new Random(n);
                Mutation mutation = sample.mutations().get(random.nextInt(sample.mutations().size()));
                check(sample.format(), n + "-" + mutation.name(), mutation.mutate().apply(sample.bytes(), random));
            }
            if (BOMBS) {
                // Issue 18's DOCX: word/document.xml expands to 400 MB of empty paragraphs, under the expansion limit.
                check("docx", "bomb-400MB-empty-paragraphs", docxOfEmptyParagraphs(400L << 20));
            }
        } finally {
            root.detachAppender(outOfMemory);
        }
        report();
        assertThat(findings).isEmpty();
    }

    private void check(String format, String name, byte[] file) throws IOException {
        tried.merge(format, 1, Integer::sum);
        String fileName = "fuzz-" + name + "." + format;
        long documents = count("SELECT count(*) FROM document");
        long objects = count("SELECT count(*) FROM pg_largeobject_metadata");
        int errors = outOfMemory.seen.get();
        ResponseEntity<String> answer;
        try {
            answer = upload(file, fileName);
        } catch (RestClientException e) {
            finding(format, "no-answer", fileName, file, e.getMessage());
            return;
        }
        int status = answer.getStatusCode().value();
        if (status >= 500) {
            finding(format, "5xx", fileName, file, status + " " + answer.getBody());
        } else if (status >= 400) {
            MediaType type = answer.getHeaders().getContentType();
            if (type == null || !type.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)) {
                finding(format, "not-a-problem", fileName, file, status + " " + type + " " + answer.getBody());
            }
            if (count("SELECT count(*) FROM document") != documents || count("SELECT count(*) FROM pg_largeobject_metadata") != objects) {
                finding(format, "half-stored", fileName, file, "refused with " + status + " but a document row or large object was kept");
            }
        } else if (status == 200 || status == 201 || status == 202) {
            // 200: the same bytes were uploaded before, and this is that document.
            settle(format, fileName, file, UUID.fromString(JSON.readTree(answer.getBody()).get("id").asString()));
        } else {
            finding(format, "unexpected-status", fileName, file, status + " " + answer.getBody());
        }
        if (outOfMemory.seen.get() > errors) {
            finding(format, "out-of-memory", fileName, file, "an OutOfMemoryError was logged");
        }
    }

    private void settle(String format, String fileName, byte[] file, UUID id) throws IOException {
        JsonNode document;
        try {
            document = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(100))
                    .until(() -> http.getForObject("/api/documents/" + id, JsonNode.class), d -> !d.path("status").asString().equals("PROCESSING"));
        } catch (ConditionTimeoutException e) {
            finding(format, "no-answer-in-time", fileName, file, "still PROCESSING after " + DEADLINE);
            return;
        }
        if (document.path("status").asString().equals("FAILED")
                && count("SELECT count(*) FROM chunk WHERE document_id = '" + id + "'") > 0) {
            finding(format, "half-stored", fileName, file, "FAILED with chunks kept: " + document.path("error").asString());
        }
    }

    private ResponseEntity<String> upload(byte[] bytes, String fileName) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return fileName;
            }
        });
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return http.postForEntity("/api/documents", new HttpEntity<>(body, headers), String.class);
    }

    private void finding(String format, String kind, String fileName, byte[] file, String detail) throws IOException {
        Files.createDirectories(FINDINGS);
        Files.write(FINDINGS.resolve(fileName), file);
        findings.add(new Finding(format, kind, FINDINGS.resolve(fileName).toString(), detail));
    }

    private void report() {
        tried.forEach((format, cases) -> System.out.printf("bench fuzz documents %-5s tried=%d 5xx=%d other-failures=%d%n", format, cases,
                findings.stream().filter(f -> f.format().equals(format) && f.kind().equals("5xx")).count(),
                findings.stream().filter(f -> f.format().equals(format) && !f.kind().equals("5xx")).count()));
        var first = new LinkedHashMap<String, Finding>();
        findings.forEach(f -> first.putIfAbsent(f.kind(), f));
        first.forEach((kind, f) -> System.out.printf("bench fuzz documents finding %s x%d, e.g. curl -F file=@%s /api/documents: %s%n", kind,
                findings.stream().filter(g -> g.kind().equals(kind)).count(), f.file(), f.detail()));
    }

    private long count(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }

    private static List<Sample> samples() throws IOException {
        var text = "Touch rugby rules\n\nA team fields six players. Play restarts at the mark after each touch.\n";
        var markdown = "# Touch rugby\n\n- Six players a side\n- *Unlimited* substitutions\n\n| Rule | Says |\n|---|---|\n| 1 | Tap at the mark |\n";
        List<Mutation> bytesAndArchive = concat(Mutations.BYTES, Mutations.ARCHIVE);
        List<Mutation> bytesAndText = concat(Mutations.BYTES, Mutations.TEXT);
        return List.of(
                new Sample("pdf", TestPdfs.book(List.of(new TestPdfs.Page(List.of("A team fields six players.", "", "Play restarts at the mark.")),
                        new TestPdfs.Page(List.of("Each touchdown is worth one point.")))), Mutations.BYTES),
                new Sample("docx", TestDocuments.docx(2), bytesAndArchive),
                new Sample("odt", TestDocuments.odt(false), bytesAndArchive),
                new Sample("epub", TestDocuments.epub(), bytesAndArchive),
                new Sample("html", TestDocuments.html(2), bytesAndText),
                new Sample("txt", text.getBytes(StandardCharsets.UTF_8), bytesAndText),
                new Sample("md", markdown.getBytes(StandardCharsets.UTF_8), bytesAndText));
    }

    private static List<Mutation> concat(List<Mutation> a, List<Mutation> b) {
        var all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** A DOCX whose document part is {@code bytes} of empty paragraphs: no text, so no text limit stops its reading. */
    private static byte[] docxOfEmptyParagraphs(long bytes) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            for (var entry : Mutations.entries(TestDocuments.docx(1)).entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                if (!entry.getKey().equals("word/document.xml")) {
                    zip.write(entry.getValue());
                    continue;
                }
                zip.write("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>".getBytes(StandardCharsets.UTF_8));
                byte[] paragraphs = "<w:p/>".repeat(1 << 16).getBytes(StandardCharsets.UTF_8);
                for (long written = 0; written < bytes; written += paragraphs.length) {
                    zip.write(paragraphs);
                }
                zip.write("</w:body></w:document>".getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** Counts the log events that carry an OutOfMemoryError, whichever thread logs them. */
    static final class OutOfMemoryLog extends AppenderBase<ILoggingEvent> {
        final AtomicInteger seen = new AtomicInteger();

        @Override
        protected void append(ILoggingEvent event) {
            boolean oom = event.getFormattedMessage() != null && event.getFormattedMessage().contains("OutOfMemoryError");
            for (IThrowableProxy t = event.getThrowableProxy(); t != null && !oom; t = t.getCause()) {
                oom = t.getClassName().equals(OutOfMemoryError.class.getName());
            }
            if (oom) {
                seen.incrementAndGet();
            }
        }
    }
}
