package dev.tasksync.internal.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link StoredGraphs#ids}: the "ID,ID,…" text of column {@code deps} read without String.split. */
class StoredGraphsTest {
    @Test
    void nullOrEmptyIsNoIds() {
        assertThat(StoredGraphs.ids(null)).isEmpty();
        assertThat(StoredGraphs.ids("")).isEmpty();
    }

    @Test
    void oneId() {
        assertThat(StoredGraphs.ids("7")).containsExactly(7);
        assertThat(StoredGraphs.ids(String.valueOf(Integer.MAX_VALUE))).containsExactly(Integer.MAX_VALUE);
    }

    @Test
    void manyIdsInTheirOrderWithRepeatsKept() {
        assertThat(StoredGraphs.ids("12,3,45,3")).containsExactly(12, 3, 45, 3);
        List<Integer> many = IntStream.rangeClosed(1, 2_000).boxed().toList();
        String text = many.stream().map(String::valueOf).collect(Collectors.joining(","));
        assertThat(StoredGraphs.ids(text)).isEqualTo(many);
    }

    @Test
    void theListCanBeChanged() {
        List<Integer> ids = StoredGraphs.ids("1,0");
        ids.removeIf(id -> id == 0); // load() drops ids that are not steps of the task
        assertThat(ids).containsExactly(1);
        StoredGraphs.ids(null).add(1);
    }

    /**
     * Settings stored by other means can name ids that are not numbers ({@code {"id": "x"}}, {@code {"id": ""}}, an id
     * beyond int): each is 0, no step, as Store.dependsOn reads it, and the numbers beside it are still read, so that
     * step keeps its dependencies that are steps (a worker does not refuse the whole task's graph for it; the step's
     * own claim fails it with its settings' error).
     */
    @Test
    void whatIsNotANumberIsNoStepAndTheRestIsStillRead() {
        assertThat(StoredGraphs.ids("x")).containsExactly(0);
        assertThat(StoredGraphs.ids("4,x,5")).containsExactly(4, 0, 5);
        assertThat(StoredGraphs.ids("4,,5")).containsExactly(4, 0, 5);
        assertThat(StoredGraphs.ids(",4")).containsExactly(0, 4);
        assertThat(StoredGraphs.ids("4,")).containsExactly(4, 0);
        assertThat(StoredGraphs.ids(",")).containsExactly(0, 0);
        assertThat(StoredGraphs.ids("1.5,2")).containsExactly(0, 2);
        assertThat(StoredGraphs.ids(" 3,4 ")).containsExactly(0, 0);
        assertThat(StoredGraphs.ids("99999999999,6")).containsExactly(0, 6);
        assertThat(StoredGraphs.ids("-")).containsExactly(0);
    }

    /** The same ids as the String.split reading this replaced, once the non-steps (0) are dropped. */
    @Test
    void readsAsSplitDid() {
        for (String text : List.of("1", "1,2", "1,,2", "1,", ",1", ",", "a,1,b", "+3,-4", "10,20,30")) {
            List<Integer> bySplit = new java.util.ArrayList<>();
            for (String part : text.split(",")) {
                int id;
                try {
                    id = Integer.parseInt(part);
                } catch (NumberFormatException e) {
                    id = 0;
                }
                bySplit.add(id);
            }
            bySplit.removeIf(id -> id == 0);
            List<Integer> read = StoredGraphs.ids(text);
            read.removeIf(id -> id == 0);
            assertThat(read).as(text).isEqualTo(bySplit);
        }
    }
}
