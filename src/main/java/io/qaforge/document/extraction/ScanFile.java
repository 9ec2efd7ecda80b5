package io.qaforge.document.extraction;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.graphics.color.PDColorSpace;
import org.apache.pdfbox.pdmodel.graphics.color.PDDeviceGray;
import org.apache.pdfbox.pdmodel.graphics.color.PDDeviceRGB;
import org.apache.pdfbox.pdmodel.graphics.color.PDICCBased;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * A scanned page's image as the file the scanner wrote, for Tesseract to read without this service decoding it: a
 * JPEG is stored in a PDF as it is, and a PNG's compressed rows as a Flate stream with PNG predictors (what img2pdf and
 * most scanning tools write), which needs only its PNG chunks put back around it. Decoding such a page here (a colour
 * one pixel by pixel into grey) only spent CPU beside Tesseract's, on the same cores, on what Tesseract does itself.
 */
final class ScanFile {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ScanFile() {
    }

    /**
     * The image's PNG or JPEG file, or null when it is stored any other way (or with a decode array, a mask, a
     * palette or CMYK), and then it must be decoded here. The file's own dimensions are the PDF's, checked for a JPEG.
     */
    static byte[] of(PDImageXObject image) throws IOException {
        COSStream stream = image.getCOSObject();
        List<COSName> filters = image.getStream().getFilters();
        int components = components(image.getColorSpace());
        if (filters.size() != 1 || components == 0 || image.getDecode() != null
                || stream.containsKey(COSName.SMASK) || stream.containsKey(COSName.MASK)) {
            return null;
        }
        if (filters.getFirst().equals(COSName.DCT_DECODE) && parameters(stream) == null) {
            byte[] jpeg = raw(stream);
            return jpegMatches(jpeg, image.getWidth(), image.getHeight(), components) ? jpeg : null;
        }
        if (filters.getFirst().equals(COSName.FLATE_DECODE) && pngPredicted(parameters(stream), image, components)) {
            return png(raw(stream), image.getWidth(), image.getHeight(), image.getBitsPerComponent(), components);
        }
        return null;
    }

    /** 1 for grey, 3 for RGB; 0 for what is not sent as it is. */
    private static int components(PDColorSpace space) {
        if (space instanceof PDDeviceGray || space instanceof PDDeviceRGB
                || space instanceof PDICCBased icc && icc.getNumberOfComponents() != 4) {
            return space.getNumberOfComponents();
        }
        return 0;
    }

    private static COSDictionary parameters(COSStream stream) {
        COSBase parameters = stream.getDictionaryObject(COSName.DECODE_PARMS, COSName.DP);
        if (parameters instanceof COSArray array) {
            parameters = array.size() == 1 ? array.getObject(0) : null;
        }
        return parameters instanceof COSDictionary dictionary ? dictionary : null;
    }

    /** Rows filtered the PNG way (predictor 10 to 15: a filter-type byte before each row), shaped as the image. */
    private static boolean pngPredicted(COSDictionary parameters, PDImageXObject image, int components) {
        int bits = image.getBitsPerComponent();
        boolean pngDepth = components == 1 ? bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16 : bits == 8 || bits == 16;
        return parameters != null && pngDepth && parameters.getInt(COSName.PREDICTOR, 1) >= 10
                && parameters.getInt(COSName.COLORS, 1) == components
                && parameters.getInt(COSName.BITS_PER_COMPONENT, 8) == bits
                && parameters.getInt(COSName.COLUMNS, 1) == image.getWidth();
    }

    private static byte[] raw(COSStream stream) throws IOException {
        try (InputStream in = stream.createRawInputStream()) {
            return in.readAllBytes();
        }
    }

    private static byte[] png(byte[] rows, int width, int height, int bits, int components) throws IOException {
        var png = new ByteArrayOutputStream(rows.length + 64);
        png.write(PNG_SIGNATURE);
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) bits).put((byte) (components == 1 ? 0 : 2)).put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(png, "IDAT", rows);
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        var crc = new CRC32();
        crc.update(name);
        crc.update(data);
        png.write(ByteBuffer.allocate(4).putInt(data.length).array());
        png.write(name);
        png.write(data);
        png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /**
     * Whether a JPEG's frame header gives the PDF's width, height and components: Tesseract sizes its image from the
     * file, so a file claiming other dimensions than those checked against the page would escape the checks.
     */
    static boolean jpegMatches(byte[] jpeg, int width, int height, int components) {
        ByteBuffer in = ByteBuffer.wrap(jpeg);
        if (in.remaining() < 4 || in.getShort() != (short) 0xFFD8) {
            return false;
        }
        while (in.remaining() >= 4) {
            if (in.get() != (byte) 0xFF) {
                return false;
            }
            int marker = in.get() & 0xFF;
            while (marker == 0xFF && in.hasRemaining()) {
                marker = in.get() & 0xFF; // fill bytes before a marker
            }
            if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD7 || in.remaining() < 2) {
                continue; // a marker without a length (or the end, which the loop's test finds)
            }
            int length = in.getShort() & 0xFFFF;
            if (length < 2 || length - 2 > in.remaining()) {
                return false;
            }
            // Start of frame: every SOFn but DHT (C4), JPG (C8) and DAC (CC).
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (length < 8) {
                    return false;
                }
                in.get(); // sample precision
                int frameHeight = in.getShort() & 0xFFFF;
                int frameWidth = in.getShort() & 0xFFFF;
                return frameWidth == width && frameHeight == height && (in.get() & 0xFF) == components;
            }
            in.position(in.position() + length - 2);
        }
        return false;
    }
}
