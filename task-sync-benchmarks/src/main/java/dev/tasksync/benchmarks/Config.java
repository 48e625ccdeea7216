package dev.tasksync.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one run measures and how much. {@code --quick} scales the end-to-end sizes down so the whole
 * suite takes well under two minutes; every size can also be set on its own.
 */
record Config(boolean quick, int engineSteps, int concurrency, int sleepSteps, int sleepMillis, int sleepConcurrency,
              int dagSteps, int dagDeps, int dagIterations, long hashMiB, int rerunSteps, int watchedFiles,
              int dockerRuns, boolean coldWorkers, int workerSteps, int peerJobs, int chainSteps, List<Integer> peerProcesses, int engineBudgetSeconds, int dagBudgetSeconds, Set<String> only, Path report, Path workDir, String command) {

    static final String USAGE = """
            usage: java -jar task-sync-benchmarks/target/benchmarks.jar [options]
              --quick              smaller sizes (whole suite < 2 minutes)
              --only LIST          comma-separated sections: engine,overhead,dag,hashing,rerun,watch,workers,peers,logs,docker,grading,console
              --steps N            steps per engine-throughput task (default 10000, quick 1000)
              --budget SECONDS     longest an engine-throughput run may take before it is cancelled (default 40, quick 6)
              --concurrency N      engine concurrency for the throughput tasks (default 8)
              --dag-steps N        steps of the random DAG (default 100000)
              --sleep-steps N      10 ms steps in the per-step overhead run (default 1000)
              --hash-mib N         size of the hashing data set in MiB (default 1024, quick 64)
              --rerun-steps N      up-to-date steps in the no-op re-run (default 10000, quick 1000)
              --watched-files N    unchanged files watched by one step (default 10000, quick 1000)
              --docker-runs N      container runs per side in the docker row (default 20, quick 5)
              --cold-workers       rows 6a-6e and 7c-7h without any side's warm-up (fresh JVMs on the clock)
              --worker-steps N     no-op steps for the worker-process rows 6a-6c and 7c-7h (default 2000, quick 500)
              --peer-jobs N        no-op jobs/steps run in-process against db-scheduler and JobRunr (default 10000, quick 1000)
              --peer-processes L   process counts of rows 7c-7h, comma-separated, or "none" (default 1,2,4)
              --chain-steps N      length of the chain run against db-scheduler and JobRunr (default 1000, quick 200)
              --report PATH        where to write the Markdown report (default ./BENCHMARKS.md at the repo root)
              --no-report          print the table only
              --work-dir PATH      scratch space for the database and data sets (default: a temp dir)
            """;

    static Config parse(String... args) {
        boolean quick = List.of(args).contains("--quick");
        int engineSteps = quick ? 1_000 : 10_000;
        int concurrency = 8;
        long hashMiB = quick ? 64 : 1024;
        int rerunSteps = quick ? 1_000 : 10_000;
        int watchedFiles = quick ? 1_000 : 10_000;
        int engineBudget = quick ? 6 : 40;
        int dagSteps = 100_000;
        int sleepSteps = 1_000;
        int dockerRuns = quick ? 5 : 20;
        int workerSteps = quick ? 500 : 2_000;
        int peerJobs = quick ? 1_000 : 10_000;
        int chainSteps = quick ? 200 : 1_000;
        List<Integer> peerProcesses = List.of(1, 2, 4);
        Set<String> only = new LinkedHashSet<>();
        Path report = defaultReport();
        Path workDir = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick", "--cold-workers" -> { }
                case "--only" -> only.addAll(List.of(value(args, ++i, a).split(",")));
                case "--steps" -> engineSteps = Integer.parseInt(value(args, ++i, a));
                case "--concurrency" -> concurrency = Integer.parseInt(value(args, ++i, a));
                case "--hash-mib" -> hashMiB = Long.parseLong(value(args, ++i, a));
                case "--rerun-steps" -> rerunSteps = Integer.parseInt(value(args, ++i, a));
                case "--watched-files" -> watchedFiles = Integer.parseInt(value(args, ++i, a));
                case "--docker-runs" -> dockerRuns = Integer.parseInt(value(args, ++i, a));
                case "--worker-steps" -> workerSteps = Integer.parseInt(value(args, ++i, a));
                case "--peer-jobs" -> peerJobs = Integer.parseInt(value(args, ++i, a));
                case "--peer-processes" -> {
                    String v = value(args, ++i, a);
                    peerProcesses = v.equals("none") ? List.of() : Arrays.stream(v.split(",")).map(Integer::valueOf).toList();
                }
                case "--chain-steps" -> chainSteps = Integer.parseInt(value(args, ++i, a));
                case "--dag-steps" -> dagSteps = Integer.parseInt(value(args, ++i, a));
                case "--sleep-steps" -> sleepSteps = Integer.parseInt(value(args, ++i, a));
                case "--budget" -> engineBudget = Integer.parseInt(value(args, ++i, a));
                case "--report" -> report = Paths.get(value(args, ++i, a));
                case "--no-report" -> report = null;
                case "--work-dir" -> workDir = Paths.get(value(args, ++i, a));
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--report") || args[i].equals("--work-dir")) {
                i++; // where files go is not part of what was measured
            } else {
                shown.add(args[i]);
            }
        }
        String command = "java -jar task-sync-benchmarks/target/benchmarks.jar" + (shown.isEmpty() ? "" : " " + String.join(" ", shown));
        return new Config(quick, engineSteps, concurrency, sleepSteps, 10, 8, dagSteps, 3, 10,
                hashMiB, rerunSteps, watchedFiles, dockerRuns, List.of(args).contains("--cold-workers"), workerSteps, peerJobs, chainSteps, peerProcesses, engineBudget, quick ? 4 : 20, only, report, workDir, command);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    boolean runs(String section) {
        return only.isEmpty() || only.contains(section);
    }

    /** BENCHMARKS.md at the root of the task-sync checkout the command runs in (or the current directory). */
    private static Path defaultReport() {
        Path dir = Paths.get("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("task-sync-benchmarks"))
                    && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d.resolve("BENCHMARKS.md");
            }
        }
        return dir.resolve("BENCHMARKS.md");
    }
}
