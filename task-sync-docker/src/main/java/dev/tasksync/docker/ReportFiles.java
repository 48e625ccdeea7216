package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.exception.NotFoundException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test reports a grading container wrote, read out of it after its criteria ran: Gradescope's {@code results.json}
 * ({@code tests[]} with {@code name}, {@code score}, {@code max_score}, {@code status}, {@code output}) or JUnit XML
 * files (Surefire, pytest {@code --junitxml}). Each test becomes a cell of the matrix, by test name. The files come
 * from untrusted code: each is read up to {@link #MAX_BYTES}, and XML is parsed without DTDs or external entities.
 */
final class ReportFiles {
    static final int MAX_BYTES = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportFiles() {
    }

    /** The cells of a Gradescope results file at {@code path} in the container; null when there is none. */
    static Map<String, ObjectNode> gradescope(DockerOps docker, String containerId, String path) throws IOException {
        Map<String, byte[]> files = copyOut(docker, containerId, path);
        if (files.isEmpty()) {
            return null;
        }
        JsonNode root = JSON.readTree(files.values().iterator().next());
        Map<String, ObjectNode> cells = new LinkedHashMap<>();
        int n = 0;
        for (JsonNode t : root.path("tests")) {
            n++;
            String name = t.hasNonNull("name") ? t.get("name").asText() : "test " + n;
            double max = t.path("max_score").asDouble(0);
            double score = t.path("score").asDouble(0);
            boolean passed = t.hasNonNull("status") ? "passed".equals(t.get("status").asText()) : score >= max;
            ObjectNode cell = Settings.JSON.objectNode().put("passed", passed).put("score", score).put("max_score", max)
                    .put("output", tail(t.path("output").asText(""))).put("timed_out", false);
            cells.put(name, cell);
        }
        return cells;
    }

    /** The cells of the JUnit XML files matching {@code glob} (relative to {@code workspace}); null when none matches. */
    static Map<String, ObjectNode> junit(DockerOps docker, String containerId, String workspace, String glob) throws Exception {
        String dir = SolutionGlob.directory(glob);
        String ws = workspace.replaceAll("/+$", "");
        String copied = ".".equals(dir) ? ws : ws + "/" + dir.replaceAll("/+$", "");
        // Entries are named from the copied directory's own name: make them relative to the workspace again.
        String copiedName = Path.of(copied).getFileName().toString();
        String prefix = ".".equals(dir) ? "" : parentOf(dir.replaceAll("/+$", ""));
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        Map<String, ObjectNode> cells = new LinkedHashMap<>();
        boolean any = false;
        for (Map.Entry<String, byte[]> f : copyOut(docker, containerId, copied).entrySet()) {
            String name = f.getKey();
            String rel = ".".equals(dir) ? name.substring(Math.min(name.length(), copiedName.length() + 1)) : prefix + name;
            if (!matcher.matches(Path.of(rel))) {
                continue;
            }
            any = true;
            readJunit(f.getValue(), cells);
        }
        return any ? cells : null;
    }

    private static void readJunit(byte[] xml, Map<String, ObjectNode> cells) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        NodeList cases = doc.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String cls = c.getAttribute("classname");
            String name = cls.isEmpty() ? c.getAttribute("name") : cls + "." + c.getAttribute("name");
            boolean failed = c.getElementsByTagName("failure").getLength() > 0 || c.getElementsByTagName("error").getLength() > 0;
            boolean skipped = c.getElementsByTagName("skipped").getLength() > 0;
            String output = failed ? text(c, "failure") + text(c, "error") : "";
            ObjectNode cell = Settings.JSON.objectNode().put("passed", !failed && !skipped).put("score", !failed && !skipped ? 1 : 0)
                    .put("max_score", 1).put("output", tail(output)).put("timed_out", false);
            if (skipped) {
                cell.put("graded", false);
            }
            cells.put(name, cell);
        }
    }

    private static String text(Element c, String tag) {
        NodeList l = c.getElementsByTagName(tag);
        if (l.getLength() == 0) {
            return "";
        }
        Element e = (Element) l.item(0);
        return (e.getAttribute("message") + "\n" + e.getTextContent()).strip();
    }

    /** The regular files under {@code path} in the container (by their name in the archive); empty when it is missing. */
    private static Map<String, byte[]> copyOut(DockerOps docker, String containerId, String path) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        InputStream in;
        try {
            in = docker.client().copyArchiveFromContainerCmd(containerId, path).exec();
        } catch (NotFoundException e) {
            return files;
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.isFile()) {
                    files.put(e.getName(), tar.readNBytes(MAX_BYTES));
                }
            }
        }
        return files;
    }

    private static String parentOf(String dir) {
        int slash = dir.lastIndexOf('/');
        return slash < 0 ? "" : dir.substring(0, slash + 1);
    }

    private static String tail(String s) {
        return s.length() <= Output.TAIL_CHARS ? s : s.substring(s.length() - Output.TAIL_CHARS);
    }
}
