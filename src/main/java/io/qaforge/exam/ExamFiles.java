package io.qaforge.exam;

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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.core.io.InputStreamSource;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;
import io.qaforge.system.TextInputs;

/**
 * Reads an uploaded exam: CSV with a header row ({@code question}, {@code answer}, optional {@code factId},
 * {@code direction}, {@code context}; comma, or semicolon or tab when the header has no comma), or JSONL with one
 * object per line holding the same names. Which one is told by the content (a JSONL line starts with '{'), not the
 * file name. Every refusal names the line at fault; nothing is returned unless the whole file is good.
 */
final class ExamFiles {

    private static final Map<String, String> COLUMNS = Map.of("question", "question", "answer", "answer", "factid", "factId",
            "direction", "direction", "context", "context");
    /** The worker's own question files carry an id; an exam numbers its questions itself. */
    private static final Set<String> IGNORED = Set.of("id");

    private final JsonMapper json;

    ExamFiles(JsonMapper json) {
        this.json = json;
    }

    /** The questions of the file and its format ({@code csv} or {@code jsonl}). */
    record Parsed(String format, List<QuestionInput> questions) {
    }

    Parsed read(InputStreamSource file) throws IOException {
        try (InputStream in = file.getInputStream()) {
            checkUtf8(in);
        }
        try (InputStream in = file.getInputStream()) {
            return parse(in);
        }
    }

    private Parsed parse(InputStream in) throws IOException {
        PushbackInputStream bytes = new PushbackInputStream(in, 4096);
        byte[] head = bytes.readNBytes(4096);
        bytes.unread(head);
        String start = new String(head, StandardCharsets.UTF_8).replace("\uFEFF", "").stripLeading();
        if (start.isEmpty()) {
            throw invalid("the file is empty");
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(bytes, StandardCharsets.UTF_8));
        Parsed parsed = start.startsWith("{") ? new Parsed("jsonl", jsonl(reader)) : new Parsed("csv", csv(reader, firstLine(start)));
        if (parsed.questions().isEmpty()) {
            throw invalid("the file holds no questions");
        }
        return parsed;
    }

    private List<QuestionInput> jsonl(BufferedReader reader) throws IOException {
        List<QuestionInput> questions = new ArrayList<>();
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
                throw invalid("line " + line + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (!node.isObject()) {
                throw invalid("line " + line + ": expected a JSON object with question and answer");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (IGNORED.contains(field.getKey())) {
                    continue;
                }
                if (!COLUMNS.containsValue(field.getKey())) {
                    throw invalid("line " + line + ": unknown field '" + field.getKey() + "' (fields: question, answer, factId, direction, context)");
                }
                JsonNode value = field.getValue();
                if (!value.isNull() && !value.isValueNode()) {
                    throw invalid("line " + line + ": " + field.getKey() + " must be text or a number");
                }
                values.put(field.getKey(), value.isNull() ? null : value.asString());
            }
            add(questions, values, "line " + line);
        }
        return questions;
    }

    private List<QuestionInput> csv(BufferedReader reader, String header) throws IOException {
        char delimiter = header.indexOf(',') < 0 && header.indexOf(';') >= 0 ? ';' : header.indexOf(',') < 0 && header.indexOf('\t') >= 0 ? '\t' : ',';
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(false).get();
        List<QuestionInput> questions = new ArrayList<>();
        try (CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
            try {
                readCsv(parser, questions);
            } catch (UncheckedIOException e) {
                // commons-csv names the line: "(startline 5) EOF reached before encapsulated token finished"
                throw invalid(e.getCause().getMessage() == null ? "not readable as CSV" : e.getCause().getMessage());
            }
        }
        return questions;
    }

    private static void readCsv(CSVParser parser, List<QuestionInput> questions) {
        Iterator<CSVRecord> records = parser.iterator();
        if (!records.hasNext()) {
            throw invalid("the file is empty");
        }
        List<String> columns = new ArrayList<>();
        for (String name : records.next().values()) {
            String column = COLUMNS.get(name.replace("\uFEFF", "").strip().replace("_", "").toLowerCase(Locale.ROOT));
            if (column == null) {
                throw invalid("line 1: unknown column '" + name.strip() + "' (columns: question, answer, factId, direction, context)");
            }
            if (columns.contains(column)) {
                throw invalid("line 1: column '" + column + "' appears twice");
            }
            columns.add(column);
        }
        if (!columns.contains("question") || !columns.contains("answer")) {
            throw invalid("line 1: the header must name the columns question and answer (found: " + String.join(", ", columns) + ")");
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
                throw invalid(where + ": " + record.size() + " values, but the header names " + columns.size() + " columns");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                values.put(columns.get(i), record.get(i).isBlank() ? null : record.get(i));
            }
            add(questions, values, where);
        }
    }

    private static void add(List<QuestionInput> questions, Map<String, String> values, String where) {
        values.forEach((field, text) -> TextInputs.requireNoNul(where + ": " + field, text));
        if (questions.size() == QuestionInput.MAX_QUESTIONS) {
            throw invalid(where + ": an exam holds at most " + QuestionInput.MAX_QUESTIONS + " questions");
        }
        Long factId = null;
        String fact = values.get("factId");
        if (fact != null) {
            try {
                factId = Long.valueOf(fact.strip());
            } catch (NumberFormatException e) {
                throw invalid(where + ": factId must be a whole number, not '" + fact + "'");
            }
        }
        String direction = values.get("direction") == null ? null : values.get("direction").strip().toLowerCase(Locale.ROOT);
        QuestionInput question = new QuestionInput(values.get("question"), values.get("answer"), factId, direction, values.get("context"));
        String problem = question.problem();
        if (problem != null) {
            throw invalid(where + ": " + problem);
        }
        questions.add(question.stripped());
    }

    /** Refuses a file that is not UTF-8, naming the line of the first bytes that are not. */
    private static void checkUtf8(InputStream in) throws IOException {
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
                    throw invalid("line " + line + ": not UTF-8 text");
                }
            } while (result.isOverflow());
            bytes.compact();
        }
    }

    private static String firstLine(String start) {
        int end = start.indexOf('\n');
        return end < 0 ? start : start.substring(0, end);
    }

    static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_EXAM_FILE, "Invalid exam file", detail);
    }
}
