package io.qaforge.document.upload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.springframework.http.HttpStatus;

import io.qaforge.document.DocumentProperties;
import io.qaforge.document.extraction.Unreadable;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Tells DOCX, ODT and EPUB apart by what their ZIP holds, and refuses what no parser should open: archives that are
 * corrupt, expand past the limit (zip bombs: every entry is inflated and counted, so a lying header changes nothing),
 * or are encrypted.
 */
public final class Archives {

    private static final String DOCX_MAIN_PART = "wordprocessingml.document.main+xml";
    private static final String ODT_MIME = "application/vnd.oasis.opendocument.text";
    private static final String EPUB_MIME = "application/epub+zip";

    private Archives() {
    }

    static MediaKind inspectZip(Path file, DocumentProperties.Limits limits) {
        long maxBytes = limits.maxExpandedSize().toBytes();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() > limits.maxArchiveEntries()) {
                throw tooLarge("The archive holds " + zip.size() + " files; at most " + limits.maxArchiveEntries() + " are accepted");
            }
            long expanded = 0;
            String mimetype = null;
            String contentTypes = null;
            String manifest = null;
            byte[] buffer = new byte[64 * 1024];
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                boolean keep = entry.getName().equals("mimetype") || entry.getName().equals("[Content_Types].xml")
                        || entry.getName().equals("META-INF/manifest.xml");
                var kept = keep ? new ByteArrayOutputStream() : null;
                try (InputStream in = zip.getInputStream(entry)) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        expanded += n;
                        if (expanded > maxBytes) {
                            throw tooLarge("The archive expands to more than " + maxBytes + " bytes (the limit): a zip bomb?");
                        }
                        if (kept != null && kept.size() < 1_000_000) {
                            kept.write(buffer, 0, n);
                        }
                    }
                }
                if (kept != null) {
                    String content = kept.toString(StandardCharsets.UTF_8);
                    switch (entry.getName()) {
                        case "mimetype" -> mimetype = content.strip();
                        case "[Content_Types].xml" -> contentTypes = content;
                        default -> manifest = content;
                    }
                }
            }
            if (ODT_MIME.equals(mimetype)) {
                // OpenDocument encrypts each part with a password and says so in its manifest.
                if (manifest != null && manifest.contains("encryption-data")) {
                    throw encrypted();
                }
                return MediaKind.ODT;
            }
            if (EPUB_MIME.equals(mimetype)) {
                return MediaKind.EPUB;
            }
            if (contentTypes != null && contentTypes.contains(DOCX_MAIN_PART)) {
                return MediaKind.DOCX;
            }
            throw MediaKind.unsupported("The file is a ZIP archive but not a Word (DOCX), OpenDocument text (ODT) or EPUB document"
                    + (mimetype != null ? " (its mimetype says " + mimetype + ")" : ""));
        } catch (IOException e) {
            throw Unreadable.problem(ProblemType.CORRUPT_ARCHIVE, "Corrupt archive", "a ZIP archive (DOCX, ODT, EPUB)", e);
        }
    }

    /** An OLE2 file is either an encrypted Office document (its package sealed inside) or a legacy binary format. */
    static ApiProblem refuseOle2(Path file) {
        try (var fs = new POIFSFileSystem(file.toFile(), true)) {
            if (fs.getRoot().hasEntry("EncryptionInfo") || fs.getRoot().hasEntry("EncryptedPackage")) {
                return encrypted();
            }
        } catch (IOException | RuntimeException e) {
            return Unreadable.problem(ProblemType.CORRUPT_ARCHIVE, "Corrupt archive", "an Office compound file", e);
        }
        return MediaKind.unsupported("Legacy binary Office files (.doc, .xls, .ppt) are not read; save the document as DOCX or PDF");
    }

    public static ApiProblem encrypted() {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.ENCRYPTED_DOCUMENT, "Password-protected document",
                "The document is encrypted and needs a password to open; upload an unprotected copy");
    }

    private static ApiProblem tooLarge(String detail) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.ARCHIVE_TOO_LARGE, "Archive expands too far", detail);
    }
}
