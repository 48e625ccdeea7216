package dev.tasksync.docker;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** docker-java (and other third-party) types stay out of the module's public signatures. */
class PublicApiTest {
    static final List<Class<?>> PUBLIC = List.of(DockerConnection.class, DockerConnection.Builder.class, DockerStepTypes.class,
            DockerStepException.class, DockerBuild.class, DockerRun.class, DockerRun.Mount.class, DockerShell.class,
            DockerShell.Target.class, DockerShell.Command.class, DockerRubrics.class, DockerRubrics.Criterion.class,
            DockerRubrics.Solution.class, DockerRubrics.Verdict.class, DockerRubrics.Grading.class, DockerLimits.class,
            DockerPull.class, DockerBuildStepType.class, DockerRunStepType.class, DockerShellStepType.class,
            DockerRubricsStepType.class, DockerPullStepType.class, DockerStepTypeProvider.class);

    @Test
    void publicSignaturesUseOnlyJdkJacksonAndTaskSyncTypes() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : PUBLIC) {
            assertThat(Modifier.isPublic(c.getModifiers())).as(c.getName()).isTrue();
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers())) {
                    Stream.concat(Stream.of(m.getGenericReturnType()), Stream.of(m.getGenericParameterTypes()))
                            .filter(PublicApiTest::foreign).forEach(t -> leaks.add(c.getSimpleName() + "." + m.getName() + ": " + t));
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Modifier.isPublic(k.getModifiers())) {
                    Stream.of(k.getGenericParameterTypes()).filter(PublicApiTest::foreign)
                            .forEach(t -> leaks.add(c.getSimpleName() + ".<init>: " + t));
                }
            }
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    if (foreign(rc.getGenericType())) {
                        leaks.add(c.getSimpleName() + "." + rc.getName() + ": " + rc.getGenericType());
                    }
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    @Test
    void internalsAreNotPublic() {
        for (Class<?> c : List.of(DockerOps.class, Output.class, Settings.class, Rubric.class, Archives.class,
                HostShell.class, ApiVersions.class, Errors.class,
                MatrixGrader.class, CellPlans.class, ColumnFiles.class, MatrixResults.class, Patches.class, CellFingerprints.class, Verdicts.class, SolutionGlob.class, GradingColumn.class)) {
            assertThat(Modifier.isPublic(c.getModifiers())).as(c.getName()).isFalse();
        }
    }

    private static boolean foreign(Type t) {
        String name = t.getTypeName();
        return name.contains("com.github.dockerjava") || name.contains("org.apache") || name.contains("com.google");
    }
}
