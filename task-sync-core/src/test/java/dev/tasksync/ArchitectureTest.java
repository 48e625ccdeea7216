package dev.tasksync;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Keeps internals and third-party types out of the public API. */
class ArchitectureTest {
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tasksync");

    @Test
    void publicApiDoesNotExposeJooqJgraphtOrInternals() {
        methods().that().arePublic()
                .and().areDeclaredInClassesThat().resideInAnyPackage("dev.tasksync", "dev.tasksync.spi", "dev.tasksync.steps")
                .should().haveRawReturnType(DescribedPredicate.describe("an API type",
                        (JavaClass c) -> !c.getPackageName().startsWith("org.jooq")
                                && !c.getPackageName().startsWith("org.jgrapht")
                                && !c.getPackageName().startsWith("dev.tasksync.internal")))
                .check(CLASSES);
        methods().that().arePublic()
                .and().areDeclaredInClassesThat().resideInAnyPackage("dev.tasksync", "dev.tasksync.spi", "dev.tasksync.steps")
                .should().haveRawParameterTypes(DescribedPredicate.describe("API types only",
                        (List<JavaClass> params) -> params.stream().noneMatch(c ->
                                c.getPackageName().startsWith("org.jooq") || c.getPackageName().startsWith("org.jgrapht")
                                        || c.getPackageName().startsWith("dev.tasksync.internal"))))
                .check(CLASSES);
    }

    @Test
    void spiDependsOnNoInternals() {
        noClasses().that().resideInAPackage("dev.tasksync.spi..")
                .should().dependOnClassesThat().resideInAPackage("dev.tasksync.internal..")
                .check(CLASSES);
    }

    @Test
    void internalsDoNotUseTheFacade() {
        noClasses().that().resideInAPackage("dev.tasksync.internal..")
                .should().dependOnClassesThat().haveFullyQualifiedName(TaskSync.class.getName())
                .check(CLASSES);
    }
}
