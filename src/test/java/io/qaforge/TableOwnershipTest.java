package io.qaforge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A feature's SQL names only its own tables and the views other features publish: reading another feature's tables
 * directly would tie it to their layout. Spring Modulith checks the Java dependencies; this checks the SQL strings of
 * {@code src/main/java}, which Modulith cannot see.
 */
class TableOwnershipTest {

    /** What a feature owns: tables only its own code names, and views any feature's SQL may read. */
    record Owned(Set<String> tables, Set<String> views) {
    }

    /** Every table and view of the migrations, by the feature (top-level package) that owns it. Declared here only. */
    static final Map<String, Owned> OWNERS = Map.of(
            "document", new Owned(Set.of("document", "document_text", "chunk"), Set.of("chunk_location")),
            "generation", new Owned(Set.of("job", "job_document", "task", "qa_pair", "fact", "job_fact", "provider_budget",
                    "provider_batch"),
                    Set.of("accepted_pair", "job_state")),
            "export", new Owned(Set.of("dataset", "dataset_job", "dataset_pair"), Set.of()),
            "hub", new Owned(Set.of("hub_push"), Set.of()),
            "exam", new Owned(Set.of("exam", "exam_question"), Set.of()),
            "training", new Owned(Set.of("training_run", "training_progress", "training_run_job", "training_result", "training_artifact"), Set.of()));

    static final Path SOURCES = Path.of("src/main/java/io/qaforge");
    static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");

    private static final Pattern CREATED = Pattern.compile("(?i)\\bCREATE\\s+(?:OR\\s+REPLACE\\s+)?(TABLE|VIEW)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(\\w+)");
    /** The project writes SQL keywords in capitals, so prose ("No job with id") is not taken for SQL. */
    private static final Pattern SQL = Pattern.compile("\\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|INTO|COPY|WITH|WHERE)\\b");
    /** A name, unless it follows a dot (a column of an alias) or a colon (a named parameter). */
    private static final Pattern NAME = Pattern.compile("(?<![.:\\w])[a-z_][a-z0-9_]*\\b");

    @Test
    void everyTableAndViewOfTheMigrationsHasOneOwner() throws IOException {
        Set<String> tables = new TreeSet<>(), views = new TreeSet<>();
        try (Stream<Path> files = Files.list(MIGRATIONS)) {
            for (Path file : files.toList()) {
                Matcher m = CREATED.matcher(Files.readString(file));
                while (m.find()) {
                    (m.group(1).equalsIgnoreCase("TABLE") ? tables : views).add(m.group(2).toLowerCase());
                }
            }
        }
        List<String> declaredTables = OWNERS.values().stream().flatMap(o -> o.tables().stream()).sorted().toList();
        List<String> declaredViews = OWNERS.values().stream().flatMap(o -> o.views().stream()).sorted().toList();
        assertThat(declaredTables).as("tables declared in OWNERS, once each").containsExactlyElementsOf(tables);
        assertThat(declaredViews).as("views declared in OWNERS, once each").containsExactlyElementsOf(views);
    }

    @Test
    void noFeatureNamesAnotherFeaturesTablesInItsSql() throws IOException {
        Map<String, String> ownerOfTable = new HashMap<>();
        OWNERS.forEach((feature, owned) -> owned.tables().forEach(table -> ownerOfTable.put(table, feature)));
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path relative = SOURCES.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue; // the application class, in no feature
                }
                String feature = relative.getName(0).toString();
                for (String literal : stringLiterals(Files.readString(file))) {
                    if (!SQL.matcher(literal).find()) {
                        continue;
                    }
                    Matcher name = NAME.matcher(literal);
                    while (name.find()) {
                        String owner = ownerOfTable.get(name.group());
                        if (owner != null && !owner.equals(feature)) {
                            violations.add(relative + ": " + feature + " names " + owner + "'s table '" + name.group()
                                    + "' in: " + literal.strip().replaceAll("\\s+", " "));
                        }
                    }
                }
            }
        }
        assertThat(violations).as("read another feature's data through what it publishes (a query API or a view of its "
                + "migrations), never its tables").isEmpty();
    }

    @Test
    void theScanFindsSqlInStringsAndTextBlocks() {
        String source = """
                class X {
                    // "SELECT * FROM ignored_comment"
                    String a = "SELECT id FROM job WHERE status = 'RUNNING'";
                    String b = \"""
                            UPDATE task t SET status = :job
                            WHERE t.job_id = ?\""";
                    char c = '"';
                    String d = "No job with \\"id\\" here";
                }""";
        assertThat(stringLiterals(source)).containsExactly("SELECT id FROM job WHERE status = 'RUNNING'",
                "UPDATE task t SET status = :job\nWHERE t.job_id = ?", "No job with \\\"id\\\" here");
        Matcher names = NAME.matcher("UPDATE task t SET status = :job WHERE t.job_id = ?");
        List<String> found = new ArrayList<>();
        while (names.find()) {
            found.add(names.group());
        }
        assertThat(found).as("not the column after the alias, not the parameter").containsExactly("task", "t", "status", "t");
    }

    /** The contents (escapes left as written) of the string literals and text blocks of a Java source, without comments. */
    static List<String> stringLiterals(String source) {
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("//", i)) {
                i = source.indexOf('\n', i) < 0 ? source.length() : source.indexOf('\n', i);
            } else if (source.startsWith("/*", i)) {
                i = source.indexOf("*/", i + 2) + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                literals.add(source.substring(source.indexOf('\n', i) + 1, end).stripIndent());
                i = end + 3;
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                StringBuilder literal = new StringBuilder();
                for (i++; source.charAt(i) != quote; i++) {
                    if (source.charAt(i) == '\\') {
                        literal.append(source.charAt(i++));
                    }
                    literal.append(source.charAt(i));
                }
                if (quote == '"') {
                    literals.add(literal.toString());
                }
                i++;
            } else {
                i++;
            }
        }
        return literals;
    }
}
