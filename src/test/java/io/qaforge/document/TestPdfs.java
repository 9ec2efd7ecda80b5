package io.qaforge.document;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.color.PDDeviceRGB;
import org.apache.pdfbox.pdmodel.graphics.image.JPEGFactory;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

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

    /**
     * A scan: each page of {@code text} (a PDF with a text layer) rendered at 300 dpi and put back as a page holding
     * only that image. With {@code keepTextPages}, the pages of those (0-based) indexes keep their text layer instead.
     */
    public static byte[] scanned(byte[] text, java.util.Set<Integer> keepTextPages) throws IOException {
        return scanned(text, keepTextPages, 300);
    }

    /** The pages as a scanner at {@code dpi} makes them: one grey image a page, filling it (except those kept). */
    public static byte[] scanned(byte[] text, java.util.Set<Integer> keepTextPages, int dpi) throws IOException {
        return scanned(text, keepTextPages, dpi, ScanStorage.GREY_FLATE);
    }

    /** How a scan's page images are stored in the PDF. */
    public enum ScanStorage {
        /** Grey samples, Flate-compressed without a predictor (PDFBox's lossless images). */
        GREY_FLATE,
        /** A colour PNG's own compressed rows with PNG predictors, as img2pdf and scanning tools store PNG files. */
        COLOUR_PNG,
        /** A grey JPEG file as it is (DCT), as most desk scanners store pages. */
        GREY_JPEG
    }

    /** The pages as a scanner at {@code dpi} stores them in {@code storage}. */
    public static byte[] scanned(byte[] text, java.util.Set<Integer> keepTextPages, int dpi, ScanStorage storage) throws IOException {
        try (PDDocument source = org.apache.pdfbox.Loader.loadPDF(text); PDDocument scan = new PDDocument()) {
            var renderer = new org.apache.pdfbox.rendering.PDFRenderer(source);
            for (int i = 0; i < source.getNumberOfPages(); i++) {
                if (keepTextPages.contains(i)) {
                    scan.importPage(source.getPage(i));
                    continue;
                }
                BufferedImage image = renderer.renderImageWithDPI(i, dpi, org.apache.pdfbox.rendering.ImageType.GRAY);
                PDRectangle size = source.getPage(i).getMediaBox();
                PDPage page = new PDPage(size);
                scan.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(scan, page)) {
                    content.drawImage(image(scan, image, storage), 0, 0, size.getWidth(), size.getHeight());
                }
            }
            return save(scan);
        }
    }

    private static PDImageXObject image(PDDocument scan, BufferedImage grey, ScanStorage storage) throws IOException {
        return switch (storage) {
            case GREY_FLATE -> LosslessFactory.createFromImage(scan, grey);
            case GREY_JPEG -> JPEGFactory.createFromImage(scan, grey, 0.9f);
            case COLOUR_PNG -> {
                var colour = new BufferedImage(grey.getWidth(), grey.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
                colour.createGraphics().drawImage(grey, 0, 0, null);
                var image = new PDImageXObject(scan, new java.io.ByteArrayInputStream(pngRows(colour)), COSName.FLATE_DECODE,
                        grey.getWidth(), grey.getHeight(), 8, PDDeviceRGB.INSTANCE);
                var parameters = new COSDictionary();
                parameters.setInt(COSName.PREDICTOR, 15);
                parameters.setInt(COSName.COLORS, 3);
                parameters.setInt(COSName.BITS_PER_COMPONENT, 8);
                parameters.setInt(COSName.COLUMNS, grey.getWidth());
                image.getCOSObject().setItem(COSName.DECODE_PARMS, parameters);
                yield image;
            }
        };
    }

    /** A PNG file's compressed rows: its IDAT chunks' data, joined. */
    static byte[] pngRows(BufferedImage image) throws IOException {
        var png = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        byte[] file = png.toByteArray();
        var in = java.nio.ByteBuffer.wrap(file, 8, file.length - 8);
        var rows = new ByteArrayOutputStream();
        while (in.hasRemaining()) {
            int length = in.getInt();
            if (new String(file, in.position(), 4, StandardCharsets.US_ASCII).equals("IDAT")) {
                rows.write(file, in.position() + 4, length);
            }
            in.position(in.position() + 4 + length + 4);
        }
        return rows.toByteArray();
    }

    /** 652 bytes or so that claim two billion pages (the page tree's /Count), holding one. */
    static byte[] claimsTwoBillionPages() {
        String[] objects = {
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                "<< /Length 0 >>\nstream\n\nendstream"};
        var pdf = new StringBuilder("%PDF-1.4\n");
        int[] offsets = new int[objects.length];
        for (int i = 0; i < objects.length; i++) {
            offsets[i] = pdf.length();
            pdf.append(i + 1).append(" 0 obj\n").append(objects[i]).append("\nendobj\n");
        }
        int xref = pdf.length();
        pdf.append("xref\n0 ").append(objects.length + 1).append("\n0000000000 65535 f \n");
        for (int offset : offsets) {
            pdf.append(String.format("%010d 00000 n \n", offset));
        }
        pdf.append("trailer\n<< /Size ").append(objects.length + 1).append(" /Root 1 0 R >>\nstartxref\n").append(xref).append("\n%%EOF\n");
        return pdf.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * {@code pages} pages each showing about {@code bytesPerPage} characters from a compressed content stream: one page
     * of 200 MB is a text bomb of a few hundred KB on disk.
     */
    static byte[] textHeavy(int pages, long bytesPerPage) throws IOException {
        byte[] line = ("(" + "bomb ".repeat(200) + ") Tj\n").getBytes(StandardCharsets.US_ASCII);
        try (PDDocument document = new PDDocument()) {
            PDFont font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            for (int p = 0; p < pages; p++) {
                PDPage page = new PDPage();
                document.addPage(page);
                var resources = new PDResources();
                COSName fontName = resources.add(font);
                page.setResources(resources);
                var stream = new PDStream(document);
                try (OutputStream out = stream.createOutputStream(COSName.FLATE_DECODE)) {
                    out.write(("BT /" + fontName.getName() + " 1 Tf 10 10 Td\n").getBytes(StandardCharsets.US_ASCII));
                    for (long written = 0; written < bytesPerPage; written += 1000) {
                        out.write(line);
                    }
                    out.write("ET\n".getBytes(StandardCharsets.US_ASCII));
                }
                page.setContents(stream);
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
