package io.qaforge.document.extraction;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

import io.qaforge.document.DocumentProperties;
import io.qaforge.document.upload.MediaKind;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Reads Word, OpenDocument, EPUB and HTML files with {@link RichTextExtractor} in a child JVM of its own: a small heap
 * ({@code qaforge.documents.parser.heap}) that it leaves at its first {@link OutOfMemoryError}, and a wall-clock limit.
 * Tika's parsers build whole documents in memory, and a 1.4 MB DOCX of empty paragraphs expands to a tree of many
 * gigabytes; in the service's own heap that took down every thread that allocated (the web server's included). A
 * streaming parser would need its memory proven flat for every format and every parser update; a process boundary
 * bounds them all, the way Tesseract runs (Tika's ForkParser does the same, but loads every class through its pipe).
 * A JVM started per file costs little beside what generating from the document costs.
 * <p>
 * The child's answer: exit status 0 with the text on its standard output, {@value #PROBLEM} with a problem it
 * found (status, type, title and detail, one per line), {@value #OUT_OF_MEMORY} when its heap was exhausted.
 */
final class RichTextProcess {

    private static final Logger log = LoggerFactory.getLogger(RichTextProcess.class);

    private static final int PROBLEM = 2;
    /** What the JVM exits with under {@code -XX:+ExitOnOutOfMemoryError}. */
    private static final int OUT_OF_MEMORY = 3;

    private final long maxDocumentChars;
    private final DocumentProperties.Parser parser;

    RichTextProcess(DocumentProperties properties) {
        this.maxDocumentChars = properties.limits().maxDocumentChars();
        this.parser = properties.parser();
    }

    String extract(Path file, MediaKind kind) {
        long started = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(command(file, kind)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the document parser: " + e.getMessage(), e);
        }
        ChildProcess.Exit exit;
        try {
            exit = ChildProcess.finish(process, parser.timeout(), ChildProcess.Input.NONE);
        } catch (TimeoutException e) {
            log.warn("Parsing a {} file ran past {} s: killed", kind, parser.timeout().toSeconds());
            throw tooComplex("Reading the document took longer than " + parser.timeout().toSeconds()
                    + " s (the limit); split it into smaller files");
        } catch (IOException e) {
            throw new IllegalStateException("Lost the document parser: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while parsing", e);
        }
        return switch (exit.status()) {
            case 0 -> new String(exit.output(), StandardCharsets.UTF_8);
            case PROBLEM -> throw problem(new String(exit.output(), StandardCharsets.UTF_8));
            case OUT_OF_MEMORY -> {
                log.warn("Parsing a {} file ran out of its {} MB heap after {} ms", kind, parser.heap().toMegabytes(),
                        (System.nanoTime() - started) / 1_000_000);
                throw tooComplex("The document expands to more than the parser can hold ("
                        + parser.heap().toMegabytes() + " MB of memory); split it into smaller files, or upload it as PDF");
            }
            default -> throw new IllegalStateException("The document parser stopped with exit status " + exit.status());
        };
    }

    private List<String> command(Path file, MediaKind kind) {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + parser.heap().toMegabytes() + "m", "-XX:+ExitOnOutOfMemoryError",
                // One collector thread, and a collector that gives up (GC overhead limit) when nearly all time goes to
                // collecting: near a full heap the serial one thrashed for minutes before its OutOfMemoryError.
                "-XX:+UseParallelGC", "-XX:ParallelGCThreads=1", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path")));
        if (getClass().getClassLoader().getClass().getName().startsWith("org.springframework.boot.loader.")) {
            // Inside the packaged jar (or its extracted layers) the classes are nested jars only Boot's loader reads.
            command.addAll(List.of("-Dloader.main=" + RichTextProcess.class.getName(),
                    "org.springframework.boot.loader.launch.PropertiesLauncher"));
        } else {
            command.add(RichTextProcess.class.getName());
        }
        command.addAll(List.of(kind.name(), String.valueOf(maxDocumentChars), file.toAbsolutePath().toString()));
        return command;
    }

    private static ApiProblem tooComplex(String detail) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.DOCUMENT_TOO_COMPLEX, "Document too complex to read", detail);
    }

    private static ApiProblem problem(String answer) {
        String[] lines = answer.split("\n", 4);
        return new ApiProblem(HttpStatus.valueOf(Integer.parseInt(lines[0])), ProblemType.ofSlug(lines[1]), lines[2], lines[3]);
    }

    /** The child: {@code <kind> <max document chars> <file>}. */
    static void main(String[] args) throws IOException {
        // Standard output carries the answer alone: whatever else prints (a parser's logging) goes to standard error.
        PrintStream answer = System.out;
        System.setOut(System.err);
        // An orphan stops: the service that would read its answer (and kill it past the time limit) is gone.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
        int status = 0;
        try (Writer out = new BufferedWriter(new OutputStreamWriter(answer, StandardCharsets.UTF_8))) {
            try {
                out.write(new RichTextExtractor(Long.parseLong(args[1])).extract(Path.of(args[2]), MediaKind.valueOf(args[0])));
            } catch (ApiProblem problem) {
                ProblemDetail detail = problem.toProblemDetail();
                out.write(detail.getStatus() + "\n" + problem.type().slug() + "\n"
                        + detail.getTitle() + "\n" + detail.getDetail());
                status = PROBLEM;
            }
        }
        System.exit(status);
    }
}
