package io.qaforge.export.api;

import java.io.IOException;
import java.util.Collection;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;

import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;
import io.qaforge.export.Exporter;

/**
 * Writes an export straight onto the response, on the request's own (virtual) thread: no async timeout cuts a long
 * download short, and nothing but a buffer is held per request.
 */
final class Downloads {

    private Downloads() {
    }

    /** @param handWrittenOf the dataset whose hand-written pairs join the jobs' pairs, or null */
    static void send(Exporter exporter, Collection<UUID> jobIds, UUID handWrittenOf, String stem, ExportOptions options,
                     HttpServletResponse response) throws IOException {
        attachment(response, options.format(), stem + "-" + options.split() + (options.flat() ? "-flat" : ""));
        // Tomcat's default 8 KB buffer sent a chunk, and made a system call, for every generator flush.
        response.setBufferSize(1 << 16);
        try {
            exporter.export(jobIds, handWrittenOf, options, response.getOutputStream());
        } catch (IOException | RuntimeException e) {
            if (!response.isCommitted()) {
                response.reset(); // nothing sent yet: let the error go out as problem+json, not as a broken file
            }
            throw e;
        }
    }

    /** Marks the response as a file to save, {@code stem} with the format's extension, of the format's media type. */
    static void attachment(HttpServletResponse response, ExportFormat format, String stem) {
        response.setContentType(format.mediaType());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment().filename(stem + "." + format.extension()).build().toString());
    }
}
