package io.qaforge.document;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;

/** Writes the PDFs the tests (the console's too) read, so every case is reproducible and nobody's copyright is involved. */
public final class TestPdfs {

    /** Lines of one page; an empty string leaves a paragraph gap. */
    public record Page(List<String> lines) {
    }

    private TestPdfs() {
    }

    /**
     * Pages with a running header ("Touch Rugby Rulebook") and a footer ("Page n of N") on each, the body lines
     * below them, in Liberation Sans (embedded, so ligatures such as "ﬁ" survive as real glyphs).
     */
    public static byte[] book(List<Page> pages) throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDFont font = font(document);
            for (int i = 0; i < pages.size(); i++) {
                PDPage page = new PDPage(PDRectangle.A4);
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    write(content, font, 9, 50, 800, "Touch Rugby Rulebook");
                    float y = 760;
                    for (String line : pages.get(i).lines()) {
                        if (!line.isEmpty()) {
                            write(content, font, 11, 50, y, line);
                        }
                        y -= line.isEmpty() ? 22 : 14;
                    }
                    write(content, font, 9, 280, 40, "Page " + (i + 1) + " of " + pages.size());
                }
            }
            return save(document);
        }
    }

    static byte[] encrypted() throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                write(content, font(document), 12, 50, 700, "Secret rules nobody may read.");
            }
            document.protect(new StandardProtectionPolicy("owner-secret", "user-secret", new AccessPermission()));
            return save(document);
        }
    }

    /** One page holding only an image with no text in it (a pale photo): no text layer, and nothing for OCR to read. */
    static byte[] imageOnly() throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            BufferedImage image = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
            Graphics2D graphics = image.createGraphics();
            graphics.setColor(new Color(0xE0E8F0));
            graphics.fillRect(0, 0, 200, 100);
            graphics.setColor(new Color(0xC8D0B0));
            graphics.fillOval(40, 20, 120, 60);
            graphics.dispose();
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.drawImage(LosslessFactory.createFromImage(document, image), 50, 500);
            }
            return save(document);
        }
    }

    private static PDFont font(PDDocument document) throws IOException {
        try (InputStream ttf = PDDocument.class.getResourceAsStream("/org/apache/pdfbox/resources/ttf/LiberationSans-Regular.ttf")) {
            return PDType0Font.load(document, ttf);
        }
    }

    private static void write(PDPageContentStream content, PDFont font, float size, float x, float y, String text) throws IOException {
        content.beginText();
        content.setFont(font, size);
        content.newLineAtOffset(x, y);
        content.showText(text);
        content.endText();
    }

    private static byte[] save(PDDocument document) throws IOException {
        var out = new ByteArrayOutputStream();
        document.save(out);
        return out.toByteArray();
    }
}
