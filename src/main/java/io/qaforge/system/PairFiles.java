package io.qaforge.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.core.io.InputStreamSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an uploaded file of question/answer rows (an exam, a hand-written dataset): CSV with a header row (comma, or
 * semicolon or tab when the header has no comma), or JSONL with one object per line holding the same names; which one
 * is told by the content (a JSONL line starts with '{'), not the file name. The file must be UTF-8, no cell may hold a
 * NUL, and every refusal names the line at fault; nothing is returned unless the whole file is good. A format a feature
 * decodes itself (Parquet) goes through the same row rules with {@link Rows}.
 *
 * @param <T> what one row becomes
 */
public final class PairFiles<T> {

    /** Rows in one file, at most. */
    public static final int MAX_ROWS = 10_000;
    /** Characters in one question or answer, at most. */
    public static final int MAX_TEXT = 4_000;
    public static final Set<String> DIRECTIONS = Set.of("forward", "reverse");

    /** A Parquet file starts (and ends) with these bytes. */
    private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    /**
     * What a feature reads.
     *
     * @param columns  the columns it takes, as spelled in JSONL (a CSV header may also use any case and underscores)
     * @param ignored  columns that may be present but are not read
     * @param rowsName what the rows are, in the feature's words ("questions")
     * @param maxRows  at most this many rows; {@code tooMany} says so in the feature's words
     * @param invalid  the feature's problem for a bad file, given the detail
     * @param row      a row's values (blank cells absent) into what the feature keeps; throws
     *                 {@link IllegalArgumentException} with the problem, which the line number then prefixes
     */
    public record Spec<T>(List<String> columns, Set<String> ignored, String rowsName, int maxRows, String tooMany,
                          Function<String, ApiProblem> invalid, Function<Map<String, String>, T> row) {
    }

    /** The rows of the file and its format ({@code csv}, {@code jsonl}, or one its feature decoded). */
    public record Parsed<T>(String format, List<T> rows) {
    }

    private final Spec<T> spec;
    private final JsonMapper json;
    private final Map<String, String> byHeader = new LinkedHashMap<>();

    public PairFiles(Spec<T> spec, JsonMapper json) {
        this.spec = spec;
        this.json = json;
        spec.columns().forEach(column -> byHeader.put(column.replace("_", "").toLowerCase(Locale.ROOT), column));
    }

    /** Whether the file is Parquet, which this class leaves to the feature that reads it. */
    public static boolean isParquet(InputStreamSource file) throws IOException {
        try (InputStream in = file.getInputStream()) {
            return Arrays.equals(in.readNBytes(PARQUET_MAGIC.length), PARQUET_MAGIC);
        }
    }

    public Parsed<T> read(InputStreamSource file) throws IOException {
        try (InputStream in = file.getInputStream()) {
            checkUtf8(in);
        }
        try (InputStream in = file.getInputStream()) {
            return parse(in);
        }
    }

    /** Rows of a format the feature decodes itself, held to the same rules: NUL, columns, bounds, each row's checks. */
    public final class Rows {
        private final List<T> rows = new ArrayList<>();

        /** @param where where the row sits, as the caller would find it ("row 3") */
        public void add(Map<String, String> values, String where) {
            for (String name : values.keySet()) {
                if (!spec.columns().contains(name) && !spec.ignored().contains(name)) {
                    throw spec.invalid().apply(where + ": unknown column '" + name + "' (columns: " + String.join(", ", spec.columns()) + ")");
                }
            }
            Map<String, String> known = new LinkedHashMap<>(values);
            known.keySet().retainAll(spec.columns());
            known.values().removeIf(value -> value == null || value.isBlank());
            accept(rows, known, where);
        }

        public Parsed<T> done(String format) {
            if (rows.isEmpty()) {
                throw spec.invalid().apply("the file holds no " + spec.rowsName());
            }
            return new Parsed<>(format, List.copyOf(rows));
        }
    }

    public Rows rows() {
        return new Rows();
    }

    private Parsed<T> parse(InputStream in) throws IOException {
        PushbackInputStream bytes = new PushbackInputStream(in, 4096);
        byte[] head = bytes.readNBytes(4096);
        bytes.unread(head);
        String start = new String(head, StandardCharsets.UTF_8).replace("\uFEFF", "").stripLeading();
        if (start.isEmpty()) {
            throw spec.invalid().apply("the file is empty");
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(bytes, StandardCharsets.UTF_8));
        Parsed<T> parsed = start.startsWith("{") ? new Parsed<>("jsonl", jsonl(reader)) : new Parsed<>("csv", csv(reader, firstLine(start)));
        if (parsed.rows().isEmpty()) {
            throw spec.invalid().apply("the file holds no " + spec.rowsName());
        }
        return parsed;
    }

    private List<T> jsonl(BufferedReader reader) throws IOException {
        List<T> rows = new ArrayList<>();
        int line = 0;
        for (String text = reader.readLine(); text != null; text = reader.readLine()) {
            line++;
            if (text.replace("\uFEFF", "").isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(text.replace("\uFEFF", ""));
            } catch (JacksonException e) {
                throw spec.invalid().apply("line " + line + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (!node.isObject()) {
                throw spec.invalid().apply("line " + line + ": expected a JSON object with question and answer");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (spec.ignored().contains(field.getKey())) {
                    continue;
                }
                if (!spec.columns().contains(field.getKey())) {
                    throw spec.invalid().apply("line " + line + ": unknown field '" + field.getKey() + "' (fields: " + String.join(", ", spec.columns()) + ")");
                }
                JsonNode value = field.getValue();
                if (!value.isNull() && !value.isValueNode()) {
                    throw spec.invalid().apply("line " + line + ": " + field.getKey() + " must be text or a number");
                }
                if (!value.isNull()) {
                    values.put(field.getKey(), value.asString());
                }
            }
            accept(rows, values, "line " + line);
        }
        return rows;
    }

    private List<T> csv(BufferedReader reader, String header) throws IOException {
        char delimiter = header.indexOf(',') < 0 && header.indexOf(';') >= 0 ? ';' : header.indexOf(',') < 0 && header.indexOf('\t') >= 0 ? '\t' : ',';
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(false).get();
        List<T> rows = new ArrayList<>();
        try (CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
            try {
                readCsv(parser, rows);
            } catch (UncheckedIOException e) {
                // commons-csv names the line: "(startline 5) EOF reached before encapsulated token finished"
                throw spec.invalid().apply(e.getCause().getMessage() == null ? "not readable as CSV" : e.getCause().getMessage());
            }
        }
        return rows;
    }

    private void readCsv(CSVParser parser, List<T> rows) {
        Iterator<CSVRecord> records = parser.iterator();
        if (!records.hasNext()) {
            throw spec.invalid().apply("the file is empty");
        }
        List<String> columns = new ArrayList<>();
        for (String name : records.next().values()) {
            String normalised = name.replace("\uFEFF", "").strip().replace("_", "").toLowerCase(Locale.ROOT);
            String column = byHeader.get(normalised);
            if (column == null) {
                throw spec.invalid().apply("line 1: unknown column '" + name.strip() + "' (columns: " + String.join(", ", spec.columns()) + ")");
            }
            if (columns.contains(column)) {
                throw spec.invalid().apply("line 1: column '" + column + "' appears twice");
            }
            columns.add(column);
        }
        if (!columns.contains("question") || !columns.contains("answer")) {
            throw spec.invalid().apply("line 1: the header must name the columns question and answer (found: " + String.join(", ", columns) + ")");
        }
        long line = parser.getCurrentLineNumber() + 1;
        while (records.hasNext()) {
            CSVRecord record = records.next();
            String where = "line " + line;
            line = parser.getCurrentLineNumber() + 1;
            if (record.stream().allMatch(String::isBlank)) {
                continue;
            }
            if (record.size() != columns.size()) {
                throw spec.invalid().apply(where + ": " + record.size() + " values, but the header names " + columns.size() + " columns");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                if (!record.get(i).isBlank()) {
                    values.put(columns.get(i), record.get(i));
                }
            }
            accept(rows, values, where);
        }
    }

    private void accept(List<T> rows, Map<String, String> values, String where) {
        values.forEach((field, text) -> TextInputs.requireNoNul(where + ": " + field, text));
        if (rows.size() == spec.maxRows()) {
            throw spec.invalid().apply(where + ": " + spec.tooMany());
        }
        try {
            rows.add(spec.row().apply(values));
        } catch (IllegalArgumentException e) {
            throw spec.invalid().apply(where + ": " + e.getMessage());
        }
    }

    /** Refuses a file that is not UTF-8, naming the line of the first bytes that are not. */
    private void checkUtf8(InputStream in) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
        CharBuffer chars = CharBuffer.allocate(1 << 16);
        long line = 1;
        for (boolean end = false; !end; ) {
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            end = n < 0;
            bytes.position(bytes.position() + Math.max(n, 0));
            bytes.flip();
            CoderResult result;
            do {
                result = decoder.decode(bytes, chars, end);
                chars.flip();
                for (int k = 0; k < chars.limit(); k++) {
                    line += chars.get(k) == '\n' ? 1 : 0;
                }
                chars.clear();
                if (result.isError()) {
                    throw spec.invalid().apply("line " + line + ": not UTF-8 text");
                }
            } while (result.isOverflow());
            bytes.compact();
        }
    }

    private static String firstLine(String start) {
        int end = start.indexOf('\n');
        return end < 0 ? start : start.substring(0, end);
    }

    /** What is wrong with a pair (an exam question, a training row), or null when nothing is. */
    public static String problem(String question, String answer, Long factId, String direction) {
        if (question == null || question.isBlank()) {
            return "question must not be blank";
        }
        if (answer == null || answer.isBlank()) {
            return "answer must not be blank";
        }
        if (question.length() > MAX_TEXT || answer.length() > MAX_TEXT) {
            return "question and answer are limited to " + MAX_TEXT + " characters each";
        }
        if (factId != null && factId < 1) {
            return "factId must be a positive whole number";
        }
        if (direction != null && !DIRECTIONS.contains(direction)) {
            return "direction must be forward or reverse, not '" + direction + "'";
        }
        return null;
    }

    /** A cell that must hold a whole number (a fact id), or null when blank. */
    public static Long wholeNumber(String column, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Long.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " must be a whole number, not '" + value + "'");
        }
    }
}
