package dev.tasksync.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The CLI is built on the libraries' public API, as any other application would be. */
class ArchitectureTest {
    private static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tasksync.cli");

    @Test
    void theCliUsesNoInternalPackage() {
        noClasses().that().resideInAPackage("dev.tasksync.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.tasksync..internal..")
                .because("the CLI uses task-sync's public API (dev.tasksync, spi, steps, docker, embedded) only")
                .check(CLI);
    }
}
