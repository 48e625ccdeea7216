package dev.tasksync.examples;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code ```java} blocks of the READMEs, compiled as written against the test class path.
 *
 * <p>A block that declares a type ({@code public final class ...}) is a source file; any other block is
 * the body of a method. All blocks of one README share a package, so a fragment can use a type an earlier
 * block declares. A block's own {@code import} lines are its only imports; a block that shows none gets
 * {@link #DEFAULT_IMPORTS} (the README says so). An HTML comment {@code <!-- snippet: TaskSync taskSync,
 * Task task -->} right above a fragment declares the variables it uses from the text around it.
 */
final class ReadmeSnippets {
    static final List<String> DEFAULT_IMPORTS = List.of("dev.tasksync.*", "dev.tasksync.spi.*", "dev.tasksync.steps.*",
            "dev.tasksync.docker.*", "java.nio.file.*", "java.time.*", "java.util.*", "javax.sql.DataSource");

    private static final Pattern TYPE = Pattern.compile("(?m)^(?:public |final |abstract )*(?:class|record|interface|enum) (\\w+)");
    private static final Pattern CONTEXT = Pattern.compile("^<!--\\s*snippet:\\s*(.*?)\\s*-->$");

    /** One block: where it is, what it declares as its context, and its text. */
    record Snippet(Path readme, int line, String context, String text) {
        String where() {
            return readme.getParent().getFileName() + "/" + readme.getFileName() + ":" + line;
        }

        List<String> imports() {
            return text.lines().filter(l -> l.startsWith("import ")).toList();
        }

        String body() {
            return String.join("\n", text.lines().map(l -> l.startsWith("import ") ? "" : l).toList());
        }

        /** The type the block declares, if it is a source file. */
        java.util.Optional<String> declaredType() {
            Matcher m = TYPE.matcher(text);
            return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
        }
    }

    /** A compilation problem, named by README and line. */
    record Problem(String where, String message) {
        @Override
        public String toString() {
            return where + ": " + message;
        }
    }

    private ReadmeSnippets() {
    }

    /** The repository root: the first directory up from here with a README.md beside task-sync-core. */
    static Path root() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("task-sync-core"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + Paths.get("").toAbsolutePath());
    }

    /** README.md and every module README with a Java block. */
    static List<Path> readmes() throws IOException {
        Path root = root();
        List<Path> readmes = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> modules = Files.list(root)) {
            modules.filter(m -> m.getFileName().toString().startsWith("task-sync-")).sorted()
                    .map(m -> m.resolve("README.md")).filter(Files::isRegularFile).forEach(readmes::add);
        }
        return readmes;
    }

    static List<Snippet> in(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        List<Snippet> snippets = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```java")) {
                continue;
            }
            String context = "";
            for (int j = i - 1; j >= 0 && !lines.get(j).isBlank(); j--) {
                Matcher m = CONTEXT.matcher(lines.get(j).strip());
                if (m.matches()) {
                    context = m.group(1);
                    break;
                }
            }
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).strip().equals("```")) {
                end++;
            }
            snippets.add(new Snippet(readme, start + 1, context, String.join("\n", lines.subList(start, end))));
            i = end;
        }
        return snippets;
    }

    /** The source files for one README's blocks, each with the README line its first body line maps to. */
    static List<Source> sources(String pkg, List<Snippet> snippets, UnaryOperator<String> edit) {
        List<Source> sources = new ArrayList<>();
        for (int n = 0; n < snippets.size(); n++) {
            Snippet s = snippets.get(n);
            StringBuilder src = new StringBuilder("package ").append(pkg).append(";");
            List<String> imports = s.imports().isEmpty()
                    ? DEFAULT_IMPORTS.stream().map(i -> "import " + i + ";").toList() : s.imports();
            imports.forEach(src::append);   // all on the package's line, so that the block's lines keep their numbers
            String name = s.declaredType().orElse("Snippet" + (n + 1));
            if (s.declaredType().isPresent()) {
                src.append("\n").append(edit.apply(s.body()));
            } else {
                src.append("class ").append(name).append(" { void snippet(").append(s.context())
                        .append(") throws Exception {\n").append(edit.apply(s.body())).append("\n}}");
            }
            sources.add(new Source(pkg + "." + name, s, src.toString()));
        }
        return sources;
    }

    /** A generated source file and the block it holds (line 2 of the file is the block's first line). */
    record Source(String className, Snippet snippet, String code) {
        JavaFileObject file() {
            return new SimpleJavaFileObject(URI.create("string:///" + className.replace('.', '/') + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return code;
                }
            };
        }
    }

    /** Compiles {@code sources} into {@code out} against the test class path; returns the problems. */
    static List<Problem> compile(List<Source> sources, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("-classpath", classPath, "-d", out.toString(), "-proc:none",
                "-encoding", "UTF-8", "-Xlint:none", "-nowarn");
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            javac.getTask(null, files, diagnostics, options, null, sources.stream().map(Source::file).toList()).call();
        }
        List<Problem> problems = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            Source source = sources.stream().filter(s -> d.getSource() != null
                    && d.getSource().toUri().equals(s.file().toUri())).findFirst().orElse(null);
            String where = source == null ? String.valueOf(d.getSource())
                    : source.snippet().readme().getFileName() + ":" + (source.snippet().line() + d.getLineNumber() - 2)
                            + " (" + source.snippet().where() + ")";
            problems.add(new Problem(where, d.getMessage(Locale.ROOT)));
        }
        return problems;
    }

    static String packageFor(Path readme) {
        return "snippets." + readme.getParent().getFileName().toString().replaceAll("[^A-Za-z0-9]", "_").toLowerCase(Locale.ROOT);
    }

    static String classPathOf(Path out) {
        return out + File.pathSeparator + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }
}
