package dev.tasksync.benchmarks;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A diagnostic for the worker rows: with {@code TASKSYNC_BENCH_ACTIVITY=FILE}, every 200 ms while a row runs, the
 * server's busy sessions (state, wait event, the lock each waits for, who blocks it, the statement) are appended to
 * FILE, one line each, tagged with the row. Off by default: it is a connection of its own and costs the row a little.
 */
final class ActivitySampler implements AutoCloseable {
    private static final String SAMPLE = """
            SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS') AS at, a.pid, a.application_name, a.state, a.wait_event_type,
              a.wait_event, pg_blocking_pids(a.pid)::text AS blockers,
              (SELECT string_agg(l.locktype || ':' || coalesce(l.relation::regclass::text, '') || ':' || l.mode
                 || coalesce(':page ' || l.page || ' tuple ' || l.tuple, '') || coalesce(':tx ' || l.transactionid, ''), ';')
               FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) AS waits_for,
              round(extract(epoch FROM clock_timestamp() - a.query_start) * 1000) AS ms,
              left(regexp_replace(a.query, '\\s+', ' ', 'g'), 200) AS query
            FROM pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
              AND a.state <> 'idle'""";

    private final Thread thread;
    private volatile boolean running = true;

    private ActivitySampler(Env env, Path file, String tag) {
        thread = new Thread(() -> sample(env, file, tag), "bench-activity-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts sampling for the row {@code tag} when the environment asks for it; else does nothing. */
    static AutoCloseable start(Env env, String tag) {
        String file = System.getenv("TASKSYNC_BENCH_ACTIVITY");
        return file == null || file.isBlank() ? () -> { } : new ActivitySampler(env, Path.of(file), tag);
    }

    private void sample(Env env, Path file, String tag) {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND));
             Connection c = env.connection(); Statement s = c.createStatement()) {
            while (running) {
                try (ResultSet rs = s.executeQuery(SAMPLE)) {
                    while (rs.next()) {
                        StringBuilder line = new StringBuilder(tag);
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            line.append('|').append(rs.getString(i));
                        }
                        out.println(line);
                    }
                }
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | SQLException e) {
            System.out.println("  [activity] sampling stopped: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}
