package io.qaforge.document.extraction;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.document.DocumentProperties;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Reads page images with the Tesseract command line (Debian's {@code tesseract-ocr}). A process per page: a crash in
 * native OCR code costs one page's attempt, never the service, and processes run in parallel without shared state.
 */
@Component
public class Tesseract {

    private static final Duration PAGE_TIMEOUT = Duration.ofMinutes(5);

    private final String command;
    private volatile Set<String> languages;

    @Autowired
    Tesseract(DocumentProperties properties) {
        this(properties.ocr().command());
    }

    Tesseract(String command) {
        this.command = command;
    }

    /**
     * Checks a language list such as {@code eng+deu} (commas also separate) against the installed language data.
     *
     * @return the list in Tesseract's form
     */
    public String requireLanguages(String requested) {
        List<String> wanted = Arrays.stream(requested.split("[+,\\s]+")).filter(s -> !s.isEmpty()).distinct().toList();
        Set<String> installed = installedLanguages();
        List<String> missing = wanted.stream().filter(language -> !installed.contains(language)).toList();
        if (wanted.isEmpty() || !missing.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.UNKNOWN_OCR_LANGUAGE, "Unknown OCR language",
                    "No Tesseract language data for " + (wanted.isEmpty() ? "''" : String.join(", ", missing))
                            + "; installed: " + String.join(", ", installed)
                            + " (more come as Debian packages tesseract-ocr-<lang>)");
        }
        return String.join("+", wanted);
    }

    /**
     * Text of a page image, lines as Tesseract found them and a blank line between paragraphs. Page segmentation 3,
     * fully automatic without orientation detection, is Tesseract's own default: a page has columns, headings and
     * tables that the single-block modes would run together.
     */
    String read(PageImage page, String languages) {
        Process process = start(List.of(command, "stdin", "stdout", "-l", languages, "--dpi", String.valueOf(page.dpi()), "--psm", "3"));
        try {
            ChildProcess.Exit exit = ChildProcess.finish(process, PAGE_TIMEOUT, page.file());
            if (exit.status() != 0) {
                throw new IOException("exit status " + exit.status());
            }
            return new String(exit.output(), StandardCharsets.UTF_8);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("Tesseract failed on a page: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during OCR", e);
        }
    }

    private Set<String> installedLanguages() {
        Set<String> known = languages;
        if (known == null) {
            Process process = start(List.of(command, "--list-langs"));
            try {
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                process.waitFor(30, TimeUnit.SECONDS);
                known = new LinkedHashSet<>();
                for (String line : out.split("\n")) {
                    // The first line names the data directory; "osd" is orientation detection, not a language.
                    if (!line.isBlank() && !line.startsWith("List of") && !line.strip().equals("osd")) {
                        known.add(line.strip());
                    }
                }
                languages = known;
            } catch (IOException e) {
                throw unavailable(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return known;
    }

    private Process start(List<String> arguments) {
        var builder = new ProcessBuilder(arguments).redirectError(ProcessBuilder.Redirect.DISCARD);
        // Pages are read in parallel by separate processes: Tesseract's own threads would only contend with them.
        builder.environment().put("OMP_THREAD_LIMIT", "1");
        try {
            return builder.start();
        } catch (IOException e) {
            throw unavailable(e.getMessage());
        }
    }

    private static ApiProblem unavailable(String why) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.OCR_UNAVAILABLE, "OCR unavailable",
                "This server cannot run Tesseract (" + why + "); install Debian's tesseract-ocr, or upload with ocr=off");
    }
}
