package io.qaforge.export;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import io.qaforge.PythonDatasets;

import static org.assertj.core.api.Assertions.assertThat;

/** Hugging Face's own {@code datasets} library loads our JSONL and Parquet into train and test splits. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DatasetsLibraryTest {

    static final String LOAD = """
            import json, sys
            from datasets import load_dataset
            kind, train, test = sys.argv[1:4]
            ds = load_dataset(kind, data_files={"train": train, "test": test})
            first = ds["train"][0]["messages"]
            print(json.dumps({"splits": {name: ds[name].num_rows for name in ds},
                              "features": str(ds["train"].features),
                              "roles": [m["role"] for m in first]}))
            """;

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Exporter exporter;
    @TempDir
    Path tmp;

    @Test
    void datasetsLoadsJsonlAndParquetWithBothSplits() throws Exception {
        PythonDatasets.python();
        PairFixture fixture = new PairFixture(http, jdbc);
        UUID job = fixture.job(fixture.document("datasets-check.txt"), new double[] {0.01, 1.2}, new String[] {"standard"}, 8);

        for (ExportFormat format : List.of(ExportFormat.JSONL, ExportFormat.PARQUET)) {
            Path train = tmp.resolve("train." + format.extension());
            Path test = tmp.resolve("test." + format.extension());
            ExportSummary trainRows = exporter.export(List.of(job), options(format, "train"), train);
            ExportSummary testRows = exporter.export(List.of(job), options(format, "test"), test);

            JsonNode loaded = PythonDatasets.run(LOAD, tmp, format == ExportFormat.JSONL ? "json" : "parquet", train.toString(), test.toString());

            assertThat(loaded.get("splits").get("train").asLong()).isEqualTo(trainRows.rows()).isPositive();
            assertThat(loaded.get("splits").get("test").asLong()).isEqualTo(testRows.rows()).isPositive();
            assertThat(loaded.get("features").asString()).contains("role").contains("content");
            assertThat(loaded.get("roles").toString()).startsWith("[\"system\",\"user\",\"assistant\"");
        }
    }

    private static ExportOptions options(ExportFormat format, String split) {
        return new ExportOptions(format, split, 4, 1, "You answer questions about R.", false);
    }
}
