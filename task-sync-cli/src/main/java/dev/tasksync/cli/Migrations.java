package dev.tasksync.cli;

import dev.tasksync.TaskSync;

import javax.sql.DataSource;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A cheap check whether the schema lacks migrations this build ships, so commands only pay for
 * Flyway when there is something to apply (a plain query instead of Flyway's start-up on every command).
 */
final class Migrations {
    private static final String FOLDER = "dev/tasksync/db/migration/";
    private static final Pattern VERSIONED = Pattern.compile("V([0-9._]+)__.+\\.sql");

    private Migrations() {
    }

    /** True unless every shipped migration is recorded as applied; on any doubt, true (Flyway decides). */
    static boolean pending(DataSource ds, String schema) {
        Set<String> shipped = shipped();
        if (shipped.isEmpty()) {
            return true;
        }
        String sql = "SELECT version FROM \"" + schema + "\".tasksync_schema_history WHERE success AND version IS NOT NULL";
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            Set<String> applied = new HashSet<>();
            while (rs.next()) {
                applied.add(rs.getString(1));
            }
            return !applied.containsAll(shipped);
        } catch (SQLException e) {
            return true;
        }
    }

    /** Versions of the migrations on the class path, e.g. {@code 1}, {@code 2}. */
    static Set<String> shipped() {
        Set<String> versions = new HashSet<>();
        try {
            URL url = TaskSync.class.getResource("/" + FOLDER);
            if (url == null) {
                return versions;
            }
            if ("jar".equals(url.getProtocol())) {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                JarFile jar = connection.getJarFile();
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    String name = entries.nextElement().getName();
                    if (name.startsWith(FOLDER)) {
                        add(versions, name.substring(FOLDER.length()));
                    }
                }
                if (!connection.getUseCaches()) {
                    jar.close();
                }
            } else if ("file".equals(url.getProtocol())) {
                Path dir = Paths.get(url.toURI());
                try (Stream<Path> files = Files.list(dir)) {
                    files.forEach(f -> add(versions, f.getFileName().toString()));
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            versions.clear();
        }
        return versions;
    }

    private static void add(Set<String> versions, String fileName) {
        Matcher m = VERSIONED.matcher(fileName);
        if (m.matches()) {
            versions.add(m.group(1).replace('_', '.'));
        }
    }
}
