package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** SQL has one home: named sections of the {@code .sql} resources, each piece written once. */
class SqlHomeTest {
    /** Core's main sources and resources (tests run in the module's directory). */
    private static final Path MAIN = Path.of("src/main");
    /** The main Java sources of the modules that talk to the database. */
    private static final List<Path> JAVA = Stream.of("task-sync-core", "task-sync-cli", "task-sync-console", "task-sync-docker")
            .map(m -> Path.of("..", m, "src/main/java")).filter(Files::isDirectory).toList();
    /** A jOOQ plain-SQL template placeholder ({0}, {1}, ...), not a regex quantifier such as \\d{4}. */
    private static final Pattern TEMPLATE = Pattern.compile("(?<![\\w\\\\])\\{\\d+}");

    @Test
    void theSessionGoneAndNeededLabelsSqlIsWrittenOnceInClaimsSqlAndTheJavaCallersRenderThatSection() throws IOException {
        assertThat(occurrences("pg_stat_get_activity(o.backend_pid)")).containsExactly("resources/dev/tasksync/internal/engine/claims.sql");
        assertThat(occurrences("'$.*.runs_on'")).containsExactly("resources/dev/tasksync/internal/engine/claims.sql");
        ClaimStatements.Tables tables = new ClaimStatements.Tables("S", "R", "D", "LO", "TRO", "W", "T", "WP");
        assertThat(LeaseOwners.sessionGone()).startsWith("o.backend_start >= pg_postmaster_start_time()")
                .isEqualTo(ClaimStatements.SQL.query("sessionGone").fragment(tables.identifiers()));
        assertThat(Placement.neededLabels(tables)).startsWith("COALESCE(jsonb_path_query_first(c.settings").contains("FROM TRO t");
        // the claims render the same text, where they include the sections
        assertThat(ClaimStatements.HEARTBEAT.render(tables.identifiers()).text()).contains(LeaseOwners.sessionGone());
        assertThat(ClaimStatements.CLAIM.render(tables.identifiers(), "any", "placed").text())
                .contains(LeaseOwners.sessionGone(), Placement.neededLabels(tables));
    }

    @Test
    void noMainSourceBuildsSqlFromJooqPlainSqlTemplates() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path root : JAVA) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = TEMPLATE.matcher(lines.get(i));
                        if (m.find()) {
                            found.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        assertThat(JAVA).isNotEmpty();
        assertThat(found).as("{0} templates (use a named query of a .sql resource, or jOOQ's DSL)").isEmpty();
    }

    /** The files under core's src/main that contain {@code text}. */
    private static List<String> occurrences(String text) throws IOException {
        List<String> where = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".sql")).toList()) {
                String content = Files.readString(f);
                for (int at = content.indexOf(text); at >= 0; at = content.indexOf(text, at + 1)) {
                    where.add(MAIN.relativize(f).toString());
                }
            }
        }
        return where;
    }
}
