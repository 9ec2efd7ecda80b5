package io.qaforge.document;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.apache.poi.poifs.crypt.EncryptionInfo;
import org.apache.poi.poifs.crypt.EncryptionMode;
import org.apache.poi.poifs.crypt.Encryptor;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFTable;

/** Writes the Word, OpenDocument, HTML and EPUB files the tests read, and broken or hostile ones. */
final class TestDocuments {

    private TestDocuments() {
    }

    /** A heading, two paragraphs, a two-item list and a table with a header row and {@code rows} rows. */
    static byte[] docx(int rows) throws IOException {
        try (var document = new XWPFDocument(); var out = new ByteArrayOutputStream()) {
            XWPFParagraph heading = document.createParagraph();
            heading.setStyle("Heading1");
            heading.createRun().setText("Scoring in touch rugby");
            document.createParagraph().createRun().setText("A touchdown is scored by placing the ball on the scoreline.");
            document.createParagraph().createRun().setText("Each touchdown is worth one point.");
            for (String item : List.of("First item: the ball is tapped.", "Second item: play restarts.")) {
                XWPFParagraph paragraph = document.createParagraph();
                paragraph.setStyle("ListParagraph");
                paragraph.createRun().setText(item);
            }
            XWPFTable table = document.createTable(rows + 1, 3);
            String[] header = {"Team", "Points", "Touches"};
            for (int c = 0; c < 3; c++) {
                table.getRow(0).getCell(c).setText(header[c]);
            }
            for (int r = 1; r <= rows; r++) {
                table.getRow(r).getCell(0).setText("Team " + r);
                table.getRow(r).getCell(1).setText(String.valueOf(r * 3));
                table.getRow(r).getCell(2).setText(String.valueOf(r * 7));
            }
            document.createParagraph().createRun().setText("The table ends the rules.");
            document.write(out);
            return out.toByteArray();
        }
    }

    /** The DOCX above, sealed with a password as Office does (an OLE2 file holding the encrypted package). */
    static byte[] encryptedDocx() throws Exception {
        try (var fs = new POIFSFileSystem(); var out = new ByteArrayOutputStream()) {
            Encryptor encryptor = new EncryptionInfo(EncryptionMode.agile).getEncryptor();
            encryptor.confirmPassword("secret");
            try (OutputStream sealed = encryptor.getDataStream(fs)) {
                sealed.write(docx(2));
            }
            fs.writeFilesystem(out);
            return out.toByteArray();
        }
    }

    /** An OLE2 file that is not encrypted Office: stands for a legacy .doc. */
    static byte[] legacyOle2() throws IOException {
        try (var fs = new POIFSFileSystem(); var out = new ByteArrayOutputStream()) {
            fs.createDocument(new java.io.ByteArrayInputStream(new byte[600]), "WordDocument");
            fs.writeFilesystem(out);
            return out.toByteArray();
        }
    }

    static byte[] odt(boolean encrypted) throws IOException {
        String content = """
                <?xml version="1.0" encoding="UTF-8"?>
                <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
                    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
                    xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">
                  <office:body><office:text>
                    <text:h text:outline-level="1">Offside rules</text:h>
                    <text:p>A player in front of the ball is offside.</text:p>
                    <text:list><text:list-item><text:p>Retreat five metres.</text:p></text:list-item>
                      <text:list-item><text:p>Wait for the tap.</text:p></text:list-item></text:list>
                    <table:table table:name="Penalties">
                      <table:table-row><table:table-cell><text:p>Offence</text:p></table:table-cell>
                        <table:table-cell><text:p>Penalty</text:p></table:table-cell></table:table-row>
                      <table:table-row><table:table-cell><text:p>Offside</text:p></table:table-cell>
                        <table:table-cell><text:p>Tap at the mark</text:p></table:table-cell></table:table-row>
                    </table:table>
                  </office:text></office:body>
                </office:document-content>
                """;
        String manifest = """
                <?xml version="1.0" encoding="UTF-8"?>
                <manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
                  <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
                  <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">%s</manifest:file-entry>
                </manifest:manifest>
                """.formatted(encrypted ? "<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\" manifest:checksum=\"x\">"
                + "<manifest:algorithm manifest:algorithm-name=\"Blowfish CFB\" manifest:initialisation-vector=\"x\"/>"
                + "</manifest:encryption-data>" : "");
        var files = new LinkedHashMap<String, byte[]>();
        files.put("mimetype", "application/vnd.oasis.opendocument.text".getBytes(StandardCharsets.US_ASCII));
        files.put("content.xml", content.strip().getBytes(StandardCharsets.UTF_8));
        files.put("META-INF/manifest.xml", manifest.strip().getBytes(StandardCharsets.UTF_8));
        return zip(files);
    }

    /** Two chapters in spine order (the second listed first in the manifest), and a navigation document outside the spine. */
    static byte[] epub() throws IOException {
        var files = new LinkedHashMap<String, byte[]>();
        files.put("mimetype", "application/epub+zip".getBytes(StandardCharsets.US_ASCII));
        files.put("META-INF/container.xml", """
                <?xml version="1.0"?>
                <container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
                  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
                </container>""".strip().getBytes(StandardCharsets.UTF_8));
        files.put("OEBPS/content.opf", """
                <?xml version="1.0" encoding="UTF-8"?>
                <package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
                  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">rules</dc:identifier>
                    <dc:title>Rules</dc:title><dc:language>en</dc:language></metadata>
                  <manifest>
                    <item id="c2" href="chapter2.xhtml" media-type="application/xhtml+xml"/>
                    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
                    <item id="c1" href="chapter1.xhtml" media-type="application/xhtml+xml"/>
                  </manifest>
                  <spine><itemref idref="c1"/><itemref idref="c2"/></spine>
                </package>""".strip().getBytes(StandardCharsets.UTF_8));
        files.put("OEBPS/nav.xhtml", xhtml("Contents", "<nav><ol><li>Table of contents entry</li></ol></nav>"));
        files.put("OEBPS/chapter1.xhtml", xhtml("One", "<h1>Chapter one</h1><p>The kick-off starts each half.</p>"));
        files.put("OEBPS/chapter2.xhtml", xhtml("Two", "<h1>Chapter two</h1><p>Substitutes enter at the box.</p>"));
        return zip(files);
    }

    static byte[] xhtml(String title, String body) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>" + title
                + "</title></head><body>" + body + "</body></html>").getBytes(StandardCharsets.UTF_8);
    }

    /** A web page with chrome around its content: scripts, styles, navigation, and a table of {@code rows} rows. */
    static byte[] html(int rows) {
        StringBuilder table = new StringBuilder("<table><tr><th>Rule</th><th>What it says</th></tr>");
        for (int r = 1; r <= rows; r++) {
            table.append("<tr><td>Rule ").append(r).append("</td><td>A player who is touched ").append(r)
                    .append(" times hands over the ball at the mark, <b>unless</b> the referee waves play on ")
                    .append("because the defending side gained an advantage.</td></tr>");
        }
        table.append("</table>");
        return ("""
                <!DOCTYPE html>
                <html><head><title>Page title</title><style>body { color: red }</style>
                <script>var hidden = "script text";</script></head>
                <body><nav><a href="/">Home</a> <a href="/rules">Menu link</a></nav>
                <h1>Touch rules</h1>
                <p>The field is seventy
                metres long.</p>
                <ul><li>Six players a side</li><li>Unlimited substitutions</li></ul>
                """ + table + "<p>End of the rules.</p></body></html>").getBytes(StandardCharsets.UTF_8);
    }

    /** A ZIP (a DOCX by its parts) whose one entry inflates to {@code bytes} zeros. */
    static byte[] zipBomb(long bytes) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("[Content_Types].xml"));
            zip.write("<Types><Override ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"
                    .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("word/document.xml"));
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < bytes; written += zeros.length) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        return out.toByteArray();
    }

    static byte[] zip(Map<String, byte[]> files) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            for (var file : files.entrySet()) {
                var entry = new ZipEntry(file.getKey());
                if (file.getKey().equals("mimetype")) {
                    // Both formats want their mimetype first and stored, so it can be read at a fixed offset.
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(file.getValue().length);
                    var crc = new CRC32();
                    crc.update(file.getValue());
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(file.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** The entries of a ZIP in their order, for tests that break one part of a good file. */
    static Map<String, byte[]> unzip(byte[] archive) throws IOException {
        var files = new LinkedHashMap<String, byte[]>();
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(archive))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                files.put(entry.getName(), zip.readAllBytes());
            }
        }
        return files;
    }
}
