package io.qaforge.export.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.export.ExportTest;
import io.qaforge.export.stream.QaPair;
import io.qaforge.export.stream.RowBuffer;
import io.qaforge.export.stream.Utf8;

import static org.assertj.core.api.Assertions.assertThat;

/** Document text that a spreadsheet would run as a formula reaches a CSV cell as text. */
class CsvFormulaTest {

    @Test
    void cellsThatWouldStartAFormulaBeginWithAnApostrophe() throws IOException {
        var out = new ByteArrayOutputStream();
        var encoder = new CsvEncoder(JsonMapper.shared().writer(), null, true, false);
        try (var writer = new TextRowWriter(out, CsvEncoder.header(true, false))) {
            for (QaPair pair : List.of(pair("=cmd|' /C calc'!A0", "+1 for the attacking team"), pair("@SUM(A1:A9)", "-5 metres back, \"quoted\""),
                    pair("\tWho taps?", "\rThe half"), pair("How many players?", "Six, on the field."))) {
                RowBuffer row = encoder.encode(List.of(pair));
                writer.write(row.array(), 0, row.size());
            }
        }
        List<List<String>> records = ExportTest.csv(out.toString(StandardCharsets.UTF_8));

        assertThat(records.get(1).subList(0, 2)).containsExactly("'=cmd|' /C calc'!A0", "'+1 for the attacking team");
        assertThat(records.get(2).subList(0, 2)).containsExactly("'@SUM(A1:A9)", "'-5 metres back, \"quoted\"");
        assertThat(records.get(3).subList(0, 2)).containsExactly("'\tWho taps?", "'\rThe half");
        assertThat(records.get(4).subList(0, 2)).as("ordinary text stays as it is").containsExactly("How many players?", "Six, on the field.");
    }

    private static QaPair pair(String question, String answer) {
        return new QaPair(1, "train", Utf8.of(question), Utf8.of(answer), 0.5,
                "standard", 1, 1);
    }
}
