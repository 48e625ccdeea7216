package dev.tasksync.cli;

import dev.tasksync.spi.StepType;
import dev.tasksync.spi.StepTypeProvider;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * The jars of the plugin directories (--plugins / TASKSYNC_PLUGINS) on a class loader of their own,
 * whose parent holds task-sync: ServiceLoader then finds the built-in step types and the plugins' ones.
 */
final class Plugins implements AutoCloseable {
    private final List<Path> jars;
    private final ClassLoader loader;

    private Plugins(List<Path> jars, ClassLoader loader) {
        this.jars = jars;
        this.loader = loader;
    }

    /** @param dirs directories separated by the path separator, or null for none; {@code source} names the option in messages */
    static Plugins load(String dirs, String source, ClassLoader parent) {
        if (dirs == null || dirs.isBlank()) {
            return new Plugins(List.of(), parent);
        }
        List<Path> jars = new ArrayList<>();
        for (String d : dirs.split(File.pathSeparator)) {
            if (d.isBlank()) {
                continue;
            }
            Path dir = Paths.get(d).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new Cli.UsageException(source + ": '" + d + "' is not a directory (expected a directory of plugin jars)");
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f)).sorted().forEach(jars::add);
            } catch (IOException e) {
                throw new Cli.UsageException(source + ": cannot list '" + d + "': " + e.getMessage());
            }
        }
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new Cli.UsageException(source + ": " + e.getMessage());
            }
        }
        return new Plugins(List.copyOf(jars), urls.length == 0 ? parent : new URLClassLoader("task-sync-plugins", urls, parent));
    }

    ClassLoader classLoader() {
        return loader;
    }

    List<Path> jars() {
        return jars;
    }

    /** Each step type ServiceLoader finds, with where it came from: built-in, task-sync-docker or a plugin jar's path. */
    Map<String, String> origins() {
        Map<String, String> origins = new LinkedHashMap<>();
        try {
            for (StepType<?> type : ServiceLoader.load(StepType.class, loader)) {
                origins.put(type.key(), origin(type.getClass()));
            }
            for (StepTypeProvider provider : ServiceLoader.load(StepTypeProvider.class, loader)) {
                try (provider) { // its types are only looked at: whatever they share is closed again at once
                    provider.stepTypes().forEach(type -> origins.put(type.key(), origin(type.getClass())));
                }
            }
        } catch (ServiceConfigurationError e) {
            // TaskSync reported it already when it was opened
        }
        return origins;
    }

    private String origin(Class<?> type) {
        Path jar = location(type);
        if (jar != null && jars.contains(jar)) {
            return "plugin " + jar;
        }
        String name = type.getName();
        if (name.startsWith("dev.tasksync.docker.")) {
            return "task-sync-docker";
        }
        if (name.startsWith("dev.tasksync.")) {
            return "built-in (task-sync-core)";
        }
        return jar == null ? "classpath" : "classpath " + jar;
    }

    private static Path location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Paths.get(source.getLocation().toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (loader instanceof URLClassLoader u) {
            try {
                u.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
    }
}
