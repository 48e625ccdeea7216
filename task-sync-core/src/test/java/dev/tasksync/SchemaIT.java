package dev.tasksync;

import dev.tasksync.internal.store.jooq.DefaultSchema;
import dev.tasksync.testing.Rows;
import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.jooq.Field;
import org.jooq.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.Arrays;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.tasksync.testing.Awaits.await;

class SchemaIT {
    static TaskSync ts;

    @BeforeAll
    static void open() {
        ts = TestDatabase.open();
    }

    @AfterAll
    static void close() {
        ts.close();
    }

    private static Map<String, String> columns(String table) {
        Map<String, String> columns = new LinkedHashMap<>();
        Rows.query(ts, "SELECT column_name, data_type, column_default FROM information_schema.columns "
                        + "WHERE table_schema = '${schema}' AND table_name = '" + table + "' ORDER BY ordinal_position")
                .forEach(r -> columns.put((String) r.get("column_name"),
                        r.get("data_type") + (String.valueOf(r.get("column_default")).startsWith("nextval(") ? " serial" : "")));
        return columns;
    }

    @Test
    void tasksTableHasTheSeedsColumns() {
        assertThat(columns("tasks")).containsExactly(
                Map.entry("id", "integer serial"),
                Map.entry("name", "text"),
                Map.entry("status", "text"),
                Map.entry("local_path", "text"),
                Map.entry("created_at", "timestamp with time zone"),
                Map.entry("updated_at", "timestamp with time zone"));
    }

    @Test
    void stepsTableStartsWithTheSeedsColumns() {
        List<Map.Entry<String, String>> seed = List.of(
                Map.entry("id", "integer serial"),
                Map.entry("task_id", "integer"),
                Map.entry("title", "text"),
                Map.entry("status", "text"),
                Map.entry("settings", "jsonb"),
                Map.entry("results", "jsonb"),
                Map.entry("created_at", "timestamp with time zone"),
                Map.entry("updated_at", "timestamp with time zone"));
        assertThat(columns("steps").entrySet().stream().limit(seed.size()).toList()).containsExactlyElementsOf(seed);
    }

    @Test
    void taskNamesAreUniqueAndStepsCascadeWithTheirTask() {
        Task t = ts.createTask("unique-" + System.nanoTime());
        ts.createStep(t.id(), "a", "{\"file_exists\": \"x\"}");
        assertThatThrownBy(() -> Rows.execute(ts, "INSERT INTO ${schema}.tasks (name) VALUES ('" + t.name() + "')"))
                .hasMessageContaining("tasks_name_key");
        Rows.execute(ts, "DELETE FROM ${schema}.tasks WHERE id = " + t.id());
        assertThat(Rows.query(ts, "SELECT * FROM ${schema}.steps WHERE task_id = " + t.id())).isEmpty();
    }

    @Test
    void deletingATaskDeletesItsDependentStepsTheirRunsAndDependencies() {
        try (TaskSync sleeps = TestDatabase.builder().stepType(new TestSteps.SleepType()).build()) {
            Task t = sleeps.createTask("chain");
            Step a = sleeps.createStep(t.id(), "a", "{\"sleep\": {\"millis\": 1}}");
            Step b = sleeps.createStep(t.id(), "b", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + a.id() + "}]}}");
            sleeps.createStep(t.id(), "c", "{\"sleep\": {\"millis\": 1, \"depends_on\": [{\"id\": " + a.id() + "}, {\"id\": " + b.id() + "}]}}");
            assertThat(sleeps.run(t.id()).succeeded()).isTrue();
            Task other = sleeps.createTask("other");
            sleeps.createStep(other.id(), "x", "{\"sleep\": {\"millis\": 1}}");
            assertThat(Rows.of(sleeps, "step_runs")).hasSize(3);
            assertThat(Rows.of(sleeps, "step_dependencies")).hasSize(3);

            // one step others depend on stays refused, naming them, and nothing is deleted
            var before = Rows.snapshot(sleeps);
            assertThatThrownBy(() -> sleeps.deleteStep(a.id())).isInstanceOf(TaskSyncException.class)
                    .hasMessageContaining(b.id() + " 'b'").hasMessageContaining("'c'").hasMessageContaining("depend on it");
            assertThat(Rows.snapshot(sleeps)).isEqualTo(before);

            sleeps.deleteTask(t.id());
            assertThat(sleeps.tasks()).extracting(Task::name).containsExactly("other");
            assertThat(Rows.of(sleeps, "steps")).hasSize(1);
            assertThat(Rows.of(sleeps, "step_runs")).isEmpty();
            assertThat(Rows.of(sleeps, "step_dependencies")).isEmpty();
        }
    }

    @Test
    void theDatabaseStillRefusesDeletingAStepOthersDependOn() {
        Task t = ts.createTask("fk-" + System.nanoTime());
        Step a = ts.createStep(t.id(), "a", "{\"file_exists\": \"x\"}");
        Step b = ts.createStep(t.id(), "b", "{\"file_exists\": \"y\"}");
        assertThatThrownBy(() -> Rows.execute(ts, "INSERT INTO ${schema}.step_dependencies VALUES (" + a.id() + ", 987654)"))
                .hasMessageContaining("step_dependencies_depends_on_id_fkey");
        Rows.execute(ts, "INSERT INTO ${schema}.step_dependencies VALUES (" + b.id() + ", " + a.id() + ")");
        assertThatThrownBy(() -> Rows.execute(ts, "DELETE FROM ${schema}.steps WHERE id = " + a.id()))
                .hasMessageContaining("step_dependencies_depends_on_id_fkey");
        assertThat(Rows.query(ts, "SELECT id FROM ${schema}.steps WHERE task_id = " + t.id())).hasSize(2);
        ts.deleteTask(t.id());
        assertThat(Rows.query(ts, "SELECT id FROM ${schema}.steps WHERE task_id = " + t.id())).isEmpty();
    }

    @Test
    void migratingTwiceIsANoOp() {
        assertThat(ts.migrate()).isZero();
        assertThat(ts.migrationStatus()).hasSizeGreaterThanOrEqualTo(2).allMatch(l -> l.contains("Success"));
    }

    /** Flyway's row for the schema it created has no version: shown as such, not as "null << Flyway Schema Creation >>". */
    @Test
    void migrationStatusShowsTheSchemaCreationRowReadably() {
        try (TaskSync fresh = TestDatabase.open()) {   // a new schema, which Flyway creates
            List<String> status = fresh.migrationStatus();
            assertThat(status).noneMatch(l -> l.contains("null") || l.contains("<<"));
            assertThat(status.get(0)).matches("-\\s+schema created\\s+Success");
            assertThat(status.subList(1, status.size())).allMatch(l -> l.matches("\\d+\\s+.*Success"));
        }
    }

    @Test
    void updatedAtMovesOnEveryUpdate() throws Exception {
        Task t = ts.createTask("touch-" + System.nanoTime());
        Step s = ts.createStep(t.id(), "a", "{\"file_exists\": \"x\"}");
        // updated_at is the time of the writing transaction: let the clock move past the first writes
        await("the clock passed the step's creation", () -> OffsetDateTime.now().isAfter(s.updatedAt()));
        Task updated = ts.updateTask(t.id(), "active", "/tmp");
        Step edited = ts.updateStep(s.id(), null, "{\"file_exists\": \"y\"}");
        assertThat(updated.updatedAt()).isAfter(t.updatedAt());
        assertThat(updated.createdAt()).isEqualTo(t.createdAt());
        assertThat(edited.updatedAt()).isAfter(s.updatedAt());
    }

    @Test
    void theEnginesWritesStampTheirStepsThemselvesAndEveryOtherWriteIsStampedByTheTrigger() {
        // The trigger runs on UPDATE only when the statement left written_xid as it was, and step_runs
        // pages keep room for an attempt's closing write (a HOT update)
        String trigger = (String) Rows.query(ts, "SELECT pg_get_triggerdef(t.oid) AS d FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND t.tgname = 'steps_touch'").get(0).get("d");
        assertThat(trigger).contains("BEFORE UPDATE").contains("WHEN ((new.written_xid = old.written_xid))");
        assertThat(String.valueOf(Rows.query(ts, "SELECT c.reloptions::text AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = '${schema}' AND c.relname = 'step_runs'").get(0).get("o"))).contains("fillfactor=80");

        try (TaskSync sleeper = TestDatabase.builder().stepType(new TestSteps.SleepType()).build()) {
            Task t = sleeper.save(TestSteps.independentSleeps("stamped-" + System.nanoTime(), 3, 0));
            assertThat(sleeper.run(t.id()).succeeded()).isTrue();
            // each step's last write was its outcome's statement, which stamped it: its transaction is the attempt's closing one
            var rows = Rows.query(sleeper, "SELECT s.written_xid::text AS x, s.updated_at = s.finished_at AS same FROM ${schema}.steps s "
                    + "WHERE s.task_id = " + t.id());
            assertThat(rows).hasSize(3).allSatisfy(r -> {
                assertThat(r.get("x")).isNotEqualTo("0");
                assertThat(r.get("same")).isEqualTo(true);
            });
            // a write of anyone else's (here a plain UPDATE) is stamped by the trigger, with its own transaction
            var other = Rows.query(sleeper, "WITH u AS (UPDATE ${schema}.steps SET title = title || '!' WHERE task_id = " + t.id()
                    + " RETURNING written_xid, updated_at) SELECT bool_and(written_xid = pg_current_xact_id()) AS mine, "
                    + "bool_and(updated_at = now()) AS now FROM u");
            assertThat(other.get(0)).containsEntry("mine", true).containsEntry("now", true);
        }
    }

    /**
     * steps' indexes: a step's outcome (its row leaves new/active) takes an entry in the primary key and
     * steps_written_idx only; probes by status look for unfinished steps of a task, by steps_unfinished_idx.
     */
    @Test
    void stepsIndexTheirTaskUnfinishedStepsOnlyAndAProbeForThemReadsThatIndex() {
        var indexes = Rows.query(ts, "SELECT i.indexname AS n, i.indexdef AS d FROM pg_indexes i WHERE i.schemaname = '${schema}' "
                + "AND i.tablename = 'steps' ORDER BY i.indexname");
        Map<String, String> byName = new LinkedHashMap<>();
        indexes.forEach(r -> byName.put((String) r.get("n"), (String) r.get("d")));
        assertThat(byName).containsOnlyKeys("steps_pkey", "steps_claimable_idx", "steps_unfinished_idx", "steps_written_idx");
        assertThat(byName.get("steps_unfinished_idx")).contains("(task_id, id)")
                .contains("WHERE (status = ANY (ARRAY['new'::text, 'active'::text]))");

        try (TaskSync sleeper = TestDatabase.builder().stepType(new TestSteps.SleepType()).build()) {
            Task t = sleeper.save(TestSteps.independentSleeps("unfinished-" + System.nanoTime(), 300, 0));
            assertThat(sleeper.run(t.id()).succeeded()).isTrue();
            Rows.execute(sleeper, "ANALYZE ${schema}.steps");
            // as settle.sql's mayBeDone asks, once per worker batch: a probe of an index of unfinished steps only, not a
            // read of the task's 300 finished rows (which steps_written_idx, by task, would be)
            var plan = Rows.query(sleeper, "EXPLAIN (FORMAT TEXT) SELECT 1 FROM ${schema}.steps s WHERE s.task_id = " + t.id()
                    + " AND s.status IN ('new', 'active') LIMIT 1").stream().map(r -> String.valueOf(r.get("QUERY PLAN")))
                    .collect(Collectors.joining("\n"));
            assertThat(plan).containsAnyOf("steps_unfinished_idx", "steps_claimable_idx").doesNotContain("Seq Scan")
                    .doesNotContain("steps_written_idx");
        }
    }

    /**
     * Columns jOOQ's model leaves out on purpose: V15's steps.written_xid is of type xid8, which H2 (behind jOOQ's
     * DDLDatabase) cannot parse; only its trigger writes it and only the console's own SQL reads it.
     */
    static final Map<String, java.util.Set<String>> NOT_MODELLED = Map.of("steps", java.util.Set.of("written_xid"));

    @Test
    void generatedJooqCodeMatchesTheMigratedSchema() {
        for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            if (table.getName().equals("tasksync_schema_history")) {
                continue;
            }
            Map<String, String> db = new java.util.LinkedHashMap<>(columns(table.getName()));
            assertThat(db.keySet()).as("columns of %s that jOOQ leaves out", table.getName())
                    .containsAll(NOT_MODELLED.getOrDefault(table.getName(), java.util.Set.of()));
            db.keySet().removeAll(NOT_MODELLED.getOrDefault(table.getName(), java.util.Set.of()));
            assertThat(db).as("table %s exists in the database", table.getName()).isNotEmpty();
            List<String> generated = Arrays.stream(table.fields()).map(Field::getName).toList();
            assertThat(generated).as("columns of %s", table.getName()).containsExactlyElementsOf(db.keySet());
        }
        List<String> dbTables = Rows.query(ts, "SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' "
                        + "AND table_name <> 'tasksync_schema_history' ORDER BY 1")
                .stream().map(r -> (String) r.get("table_name")).toList();
        assertThat(DefaultSchema.DEFAULT_SCHEMA.getTables().stream().map(Table::getName).sorted().collect(Collectors.toList()))
                .containsExactlyElementsOf(dbTables);
    }

    @Test
    void schemaNameIsConfigurable() {
        String schema = TestDatabase.newSchema();
        try (TaskSync other = TaskSync.builder().dataSource(TestDatabase.dataSource()).schema(schema).build()) {
            other.createTask("in-" + schema);
            assertThat(Rows.query(other, "SELECT name FROM " + schema + ".tasks")).hasSize(1);
            assertThat(ts.findTask("in-" + schema)).isEmpty();
        }
    }
}
