package dev.tasksync.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Item 3 under JMH: {@code java -cp task-sync-benchmarks/target/benchmarks.jar org.openjdk.jmh.Main StepGraphJmh}
 * (add {@code -prof gc} for allocation per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class StepGraphJmh {
    @Param({"100000"})
    public int steps;

    private Map<Integer, List<Integer>> dag;

    @Setup
    public void setUp() {
        dag = DagBench.randomDag(steps, 3, 42);
    }

    @Benchmark
    public List<Integer> stepGraphValidateAndOrder() {
        return DagBench.validateAndOrder(dag);
    }

    @Benchmark
    public int[] kahnBaseline() {
        return DagBench.kahn(dag);
    }
}
