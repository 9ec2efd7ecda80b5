package io.qaforge.document.extraction;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.charset.StandardCharsets;

/** A page as Tesseract reads it on its standard input, at the resolution it was scanned or rendered at. */
record PageImage(ChildProcess.Input file, int dpi) {

    /** A page with a smaller share of dark pixels is blank paper, not worth reading. */
    private static final double MIN_INK = 0.0005;

    /** A scan's own PNG or JPEG file ({@link ScanFile}): decoded by Tesseract alone, as a direct run would. */
    static PageImage stored(byte[] file, int dpi) {
        return new PageImage(in -> in.write(file), dpi);
    }

    /** Grey pixels as uncompressed PGM (nothing to encode here, nothing to decode there); null for a blank page. */
    static PageImage gray(BufferedImage gray, int dpi) {
        byte[] pixels = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
        if (ink(pixels) < MIN_INK) {
            return null;
        }
        byte[] header = ("P5\n" + gray.getWidth() + " " + gray.getHeight() + "\n255\n").getBytes(StandardCharsets.US_ASCII);
        return new PageImage(in -> {
            in.write(header);
            in.write(pixels);
        }, dpi);
    }

    /** Share of dark pixels. */
    private static double ink(byte[] pixels) {
        long dark = 0;
        for (byte pixel : pixels) {
            if ((pixel & 0xFF) < 128) {
                dark++;
            }
        }
        return (double) dark / pixels.length;
    }
}
