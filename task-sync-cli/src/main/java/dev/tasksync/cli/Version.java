package dev.tasksync.cli;

import picocli.CommandLine;

/** {@code --version}: the jar's Implementation-Version and the runtime it runs on. */
final class Version implements CommandLine.IVersionProvider {
    static String version() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
                "task-sync " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
