package io.qaforge.export.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.springframework.web.multipart.MultipartFile;
import org.xerial.snappy.Snappy;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.export.HandWrittenPairs;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.PairFiles;
import io.qaforge.system.ProblemType;

/**
 * Reads an uploaded file of hand-written pairs: {@code question}, {@code answer}, optional {@code factId},
 * {@code direction} and {@code split} (train, the default, or test), as CSV or JSONL ({@link PairFiles}, the exam
 * uploads' reader) or Parquet (told by its magic bytes), under the same rules and bounds as an exam.
 */
final class PairUploads {

    static final List<String> COLUMNS = List.of("question", "answer", "factId", "direction", "split");
    /** Decompressed Parquet pages, at most: far more than a file of careful hand-written pairs needs. */
    private static final long MAX_PARQUET_BYTES = 64L << 20;

    private final PairFiles<HandWrittenPairs.Pair> files;

    PairUploads(JsonMapper json) {
        this.files = new PairFiles<>(new PairFiles.Spec<>(COLUMNS, Set.of(), "pairs", PairFiles.MAX_ROWS,
                "a dataset holds at most " + PairFiles.MAX_ROWS + " hand-written pairs", PairUploads::invalid, PairUploads::pair), json);
    }

    /** The file's pairs, numbered in its order, and its format; a 400 naming the line (or row) at fault otherwise. */
    PairFiles.Parsed<HandWrittenPairs.Pair> read(MultipartFile file) throws IOException {
        PairFiles.Parsed<HandWrittenPairs.Pair> parsed = PairFiles.isParquet(file) ? parquet(file) : files.read(file);
        List<HandWrittenPairs.Pair> numbered = new ArrayList<>();
        for (HandWrittenPairs.Pair p : parsed.rows()) {
            numbered.add(new HandWrittenPairs.Pair(numbered.size() + 1, p.question(), p.answer(), p.factId(), p.direction(), p.split()));
        }
        return new PairFiles.Parsed<>(parsed.format(), numbered);
    }

    private static HandWrittenPairs.Pair pair(Map<String, String> values) {
        String direction = lower(values.get("direction"));
        Long factId = PairFiles.wholeNumber("factId", values.get("factId"));
        String problem = PairFiles.problem(values.get("question"), values.get("answer"), factId, direction);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        String split = values.get("split") == null ? "train" : lower(values.get("split"));
        if (!split.equals("train") && !split.equals("test")) {
            throw new IllegalArgumentException("split must be train or test, not '" + values.get("split") + "'");
        }
        return new HandWrittenPairs.Pair(0, values.get("question").strip(), values.get("answer").strip(), factId, direction, split);
    }

    private static String lower(String value) {
        return value == null ? null : value.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Parquet: flat columns of text or numbers, rows numbered from 1. The footer's row count is checked before any page
     * is read, and pages decompress only while their total stays bounded, so a small file cannot expand without end.
     */
    private PairFiles.Parsed<HandWrittenPairs.Pair> parquet(MultipartFile upload) throws IOException {
        Path file = Files.createTempFile("qaforge-pairs-", ".parquet");
        try {
            upload.transferTo(file);
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
                    ParquetReadOptions.builder(new PlainParquetConfiguration()).withCodecFactory(new BoundedCodecs()).build())) {
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                for (Type field : schema.getFields()) {
                    if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)) {
                        throw invalid("column '" + field.getName() + "' must hold text or numbers, one value per row");
                    }
                }
                long rows = reader.getFooter().getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
                if (rows > PairFiles.MAX_ROWS) {
                    throw invalid("the file holds " + rows + " rows; a dataset holds at most " + PairFiles.MAX_ROWS + " hand-written pairs");
                }
                PairFiles<HandWrittenPairs.Pair>.Rows accepted = files.rows();
                long row = 0;
                PageReadStore pages;
                while ((pages = reader.readNextRowGroup()) != null) {
                    RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
                    for (long i = 0; i < pages.getRowCount(); i++) {
                        row++;
                        accepted.add(values(records.read(), schema, "row " + row), "row " + row);
                    }
                }
                return accepted.done("parquet");
            }
        } catch (ApiProblem problem) {
            throw problem;
        } catch (RuntimeException | IOException e) {
            if (e.getCause() instanceof ApiProblem problem) {
                throw problem; // the page budget, refused inside parquet's reader
            }
            // parquet-java says what is wrong, naming its own classes: the user gets the gist
            throw invalid("not readable as Parquet (" + String.valueOf(e.getMessage()).replaceAll("\\S*@[0-9a-f]+\\s*", "the file ") + ")");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Map<String, String> values(Group record, MessageType schema, String where) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < schema.getFieldCount(); i++) {
            if (record.getFieldRepetitionCount(i) == 0) {
                continue;
            }
            PrimitiveType type = schema.getType(i).asPrimitiveType();
            String name = schema.getFieldName(i);
            if (type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY) {
                try {
                    values.put(name, StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .decode(record.getBinary(i, 0).toByteBuffer()).toString());
                } catch (CharacterCodingException e) {
                    throw invalid(where + ": " + name + " is not UTF-8 text");
                }
            } else {
                values.put(name, record.getValueToString(i, 0));
            }
        }
        return values;
    }

    static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_PAIRS_FILE, "Invalid pairs file", detail);
    }

    /** Snappy or uncompressed pages, refused once their decompressed total would pass {@link #MAX_PARQUET_BYTES}. */
    private static final class BoundedCodecs implements CompressionCodecFactory {
        private long budget = MAX_PARQUET_BYTES;

        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            throw new UnsupportedOperationException("reading only");
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            if (codec != CompressionCodecName.SNAPPY && codec != CompressionCodecName.UNCOMPRESSED) {
                throw invalid("its pages are compressed with " + codec + "; write it with snappy or no compression");
            }
            boolean snappy = codec == CompressionCodecName.SNAPPY;
            return new BytesInputDecompressor() {
                @Override
                public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                    if (!snappy) {
                        spend(bytes.size());
                        return bytes;
                    }
                    byte[] compressed = bytes.toByteArray();
                    spend(Snappy.uncompressedLength(compressed));
                    return BytesInput.from(Snappy.uncompress(compressed));
                }

                @Override
                public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
                    byte[] compressed = new byte[compressedSize];
                    input.get(compressed);
                    if (!snappy) {
                        spend(compressedSize);
                        output.put(compressed);
                        return;
                    }
                    spend(Snappy.uncompressedLength(compressed));
                    output.put(Snappy.uncompress(compressed));
                }

                @Override
                public void release() {
                }
            };
        }

        private void spend(long bytes) {
            budget -= bytes;
            if (budget < 0) {
                throw invalid("it expands to more than " + MAX_PARQUET_BYTES / (1 << 20) + " MiB of pages");
            }
        }

        @Override
        public void release() {
        }
    }
}
