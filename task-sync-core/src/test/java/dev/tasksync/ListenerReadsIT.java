package dev.tasksync;

import dev.tasksync.testing.TestDatabase;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An in-process run's listener hears each step's end as stored (title, status, results) while the run reads its steps
 * back once per recorded batch, not once per step on the recording thread.
 */
class ListenerReadsIT {
    private static final int STEPS = 120;
    /** jOOQ's read of one step by id (Store.step). */
    private static final Pattern ONE_STEP = Pattern.compile("from \"[^\"]+\"\\.\"steps\" where \"[^\"]+\"\\.\"steps\"\\.\"id\" = \\?$");

    @Test
    void aRunsListenerHearsEveryStepsEndWithoutAQueryPerStep() {
        AtomicInteger oneStepReads = new AtomicInteger();
        DataSource counting = counting(TestDatabase.dataSource(), oneStepReads);
        Map<Integer, StepResult> heard = new ConcurrentHashMap<>();
        try (TaskSync ts = TaskSync.builder().dataSource(counting).schema(TestDatabase.newSchema())
                .stepType(new TestSteps.SleepType()).build()) {
            Task task = ts.save(TestSteps.independentSleeps("heard-" + System.nanoTime(), STEPS, 0));
            RunResult r = ts.run(task.id(), RunOptions.defaults().withConcurrency(8).withListener(new RunListener() {
                @Override
                public void stepFinished(StepResult result) {
                    assertThat(heard.put(result.stepId(), result)).as("step %d heard once", result.stepId()).isNull();
                }
            }));
            assertThat(r.succeeded()).isTrue();
            assertThat(heard).hasSize(STEPS);
            for (Step s : ts.steps(task.id())) {
                StepResult h = heard.get(s.id());
                assertThat(h.title()).isEqualTo(s.title());
                assertThat(h.status()).isEqualTo(StepStatus.COMPLETED);
                assertThat(h.results()).isEqualTo(s.results());
            }
        }
        // a step's end is read back with the rest of its batch: far fewer reads than steps (none by a single id)
        assertThat(oneStepReads.get()).as("reads of a single step by id").isZero();
    }

    /** {@code ds}, counting the statements prepared that read one step by id. */
    private static DataSource counting(DataSource ds, AtomicInteger oneStepReads) {
        return (DataSource) Proxy.newProxyInstance(ListenerReadsIT.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(ds, method, args);
                    if (result instanceof Connection c) {
                        return Proxy.newProxyInstance(ListenerReadsIT.class.getClassLoader(), new Class<?>[] {Connection.class},
                                (p2, m2, a2) -> {
                                    if (m2.getName().startsWith("prepare") && a2 != null && a2[0] instanceof String sql
                                            && ONE_STEP.matcher(sql.strip()).find()) {
                                        oneStepReads.incrementAndGet();
                                    }
                                    return invoke(c, m2, a2);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
