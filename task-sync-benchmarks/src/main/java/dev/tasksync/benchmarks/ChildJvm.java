package dev.tasksync.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The helper JVMs of the multi-process rows (worker processes, peer schedulers): how the benchmark starts one and
 * reads what it prints, and how one runs until it is stopped. One place, so both kinds start and stop alike.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Starts {@code main} with {@code args} on this JVM's java and class path, with {@code -Xmx512m} and then
     * {@code jvmArgs}; the database password goes in $TASKSYNC_DB_PASSWORD, not on the command line, which every
     * user can read. Each line the process prints (stdout and stderr) goes to {@code lines}, on a daemon thread.
     */
    static Process start(Class<?> main, List<String> jvmArgs, String password, Consumer<String> lines, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TASKSYNC_DB_PASSWORD", password);
        Process p = pb.redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** In the helper JVM: prints {@code started}, then waits until the JVM is stopped, running {@code stop} as it goes. */
    static void runUntilStopped(String started, Runnable stop) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            done.countDown();
        }));
        System.out.println(started);
        done.await();
    }
}
