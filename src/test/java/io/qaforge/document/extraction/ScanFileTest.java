package io.qaforge.document.extraction;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Set;

import javax.imageio.ImageIO;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.junit.jupiter.api.Test;

import io.qaforge.document.DocumentApiTest;
import io.qaforge.document.TestPdfs;
import io.qaforge.document.TestPdfs.ScanStorage;

import static org.assertj.core.api.Assertions.assertThat;

/** A scan's own PNG or JPEG file, handed to Tesseract undecoded: the same pixels, or nothing where it cannot be. */
class ScanFileTest {

    private static final byte[] BOOK = bookOfOnePage();

    @Test
    void pngRowsComeBackAsAPngOfTheSamePixels() throws Exception {
        try (PDDocument scan = Loader.loadPDF(TestPdfs.scanned(BOOK, Set.of(), 100, ScanStorage.COLOUR_PNG))) {
            PDImageXObject image = onlyImage(scan);
            byte[] png = ScanFile.of(image);

            assertThat(png).isNotNull();
            BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));
            BufferedImage decoded = image.getImage();
            assertThat(read.getWidth()).isEqualTo(decoded.getWidth());
            assertThat(read.getHeight()).isEqualTo(decoded.getHeight());
            for (int y = 0; y < read.getHeight(); y += 7) {
                for (int x = 0; x < read.getWidth(); x += 5) {
                    assertThat(read.getRGB(x, y)).as("pixel %d,%d", x, y).isEqualTo(decoded.getRGB(x, y));
                }
            }
        }
    }

    @Test
    void aJpegGoesAsItIsStored() throws Exception {
        try (PDDocument scan = Loader.loadPDF(TestPdfs.scanned(BOOK, Set.of(), 100, ScanStorage.GREY_JPEG))) {
            PDImageXObject image = onlyImage(scan);

            assertThat(ScanFile.of(image)).isEqualTo(image.getCOSObject().createRawInputStream().readAllBytes());
        }
    }

    @Test
    void aJpegClaimingOtherDimensionsThanThePdfsIsNotSentAsItIs() throws Exception {
        try (PDDocument scan = Loader.loadPDF(TestPdfs.scanned(BOOK, Set.of(), 100, ScanStorage.GREY_JPEG))) {
            PDImageXObject image = onlyImage(scan);
            byte[] jpeg = image.getCOSObject().createRawInputStream().readAllBytes();

            assertThat(ScanFile.jpegMatches(jpeg, image.getWidth(), image.getHeight(), 1)).isTrue();
            assertThat(ScanFile.jpegMatches(jpeg, image.getWidth() * 40, image.getHeight(), 1)).isFalse();
            assertThat(ScanFile.jpegMatches(jpeg, image.getWidth(), image.getHeight(), 3)).isFalse();
            assertThat(ScanFile.jpegMatches(java.util.Arrays.copyOf(jpeg, 40), image.getWidth(), image.getHeight(), 1)).isFalse();
        }
    }

    @Test
    void samplesWithoutAFileFormatAreLeftToBeDecodedHere() throws Exception {
        try (PDDocument scan = Loader.loadPDF(TestPdfs.scanned(BOOK, Set.of(), 100, ScanStorage.GREY_FLATE))) {
            PDImageXObject image = onlyImage(scan);

            assertThat(image.getStream().getFilters()).containsExactly(COSName.FLATE_DECODE);
            assertThat(ScanFile.of(image)).isNull();
        }
    }

    private static PDImageXObject onlyImage(PDDocument scan) throws Exception {
        var resources = scan.getPage(0).getResources();
        return (PDImageXObject) resources.getXObject(resources.getXObjectNames().iterator().next());
    }

    private static byte[] bookOfOnePage() {
        try {
            return TestPdfs.book(DocumentApiTest.rulebookPages(1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
