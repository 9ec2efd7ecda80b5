package io.qaforge.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.qaforge.document.TestPdfs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Documents read in the background (every upload answers 202 here): the console follows the reading, shows why one
 * failed, and reads it again with other OCR settings from the kept original.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.security.api-token=" + ConsoleTest.TOKEN,
        "qaforge.documents.ingestion.respond-within=0s"})
class ConsoleDocumentsTest {

    @LocalServerPort
    int port;
    @TempDir
    Path temp;

    @Test
    void aScanReadWithoutOcrFailsAndIsReadAgainWithOcr() throws IOException {
        Path scan = Files.write(temp.resolve("scanned-rules.pdf"), TestPdfs.scanned(ConsoleTest.rulebook(2), Set.of()));
        try (Browser browser = Browser.open("documents-background", "http://localhost:" + port)) {
            browser.go("/actuator/health");
            browser.script("localStorage.setItem('qaforge.apiToken', arguments[0])", ConsoleTest.TOKEN);
            browser.go("/#documents");

            Select ocr = new Select(browser.find("#upload-ocr"));
            assertThat(ocr.getOptions().stream().map(option -> option.getText()).toList())
                    .as("the server's OCR modes").containsExactly("auto", "off", "force");
            assertThat(browser.find("#file-input").getAttribute("accept")).contains(".docx", ".epub", ".html", ".pdf");
            ocr.selectByVisibleText("off");
            browser.driver.findElement(By.id("file-input")).sendKeys(scan.toString());

            browser.waitUntil(d -> !browser.all("#uploads li.failed").isEmpty());
            assertThat(browser.find("#uploads li.failed").getText()).contains("scanned-rules.pdf", "No extractable text");
            browser.findText("#documents-table tbody", "failed");
            assertThat(browser.find("#documents-table tbody input[type=checkbox]").isEnabled())
                    .as("a document that is not read cannot go into a job").isFalse();
            browser.screenshot("1-failed-without-ocr");

            browser.find("#uploads li.failed a").click();
            browser.findText("#document-error", "No extractable text");
            assertThat(browser.find("[data-fact=status] dd").getText()).isEqualTo("failed");
            assertThat(browser.find("#reprocess").getAttribute("open")).as("the way out is open").isNotNull();
            new Select(browser.find("#reprocess-ocr")).selectByVisibleText("auto");
            browser.find("#reprocess-start").click();

            browser.findText("#document-detail .chunks", "Chunk 1");
            assertThat(browser.find("[data-fact=status] dd").getText()).isEqualTo("ready");
            assertThat(browser.find("[data-fact=ocr] dd").getText()).contains("auto", "2 pages");
            assertThat(browser.find("#document-detail .chunk").getText()).contains("ocr", "Fact 1");
            assertThat(browser.all("#document-error")).isEmpty();
            browser.screenshot("2-read-again-with-ocr");

            browser.go("/#jobs");
            // The new-job form opens by itself only while there is no job at all; other tests' jobs may be listed.
            browser.find("#jobs-table tbody tr");
            if (browser.find("#new-job").getAttribute("open") == null) {
                browser.find("#new-job summary").click();
            }
            browser.findText("#job-documents", "scanned-rules.pdf");
            assertThat(browser.driver.findElement(By.xpath("//*[@id='job-documents']/label[contains(., 'scanned-rules.pdf')]/input"))
                    .isEnabled()).as("the document, read now, can go into a job").isTrue();
        }
    }
}
