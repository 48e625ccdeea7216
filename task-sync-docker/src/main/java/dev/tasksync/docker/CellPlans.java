package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.spi.LocalFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@code docker_rubrics} matrix grades: its columns (solutions, original, golden) and, cell by cell, what is
 * graded again (with why) and what is kept from the last results, by the cells' input fingerprints. Used by a run
 * ({@link MatrixGrader}) and by a plan, which must say the same.
 */
final class CellPlans {
    /** The key of a column's run (its commands and inputs) among its cells, when the cells come from test reports. */
    static final String RUN = "\u0001run";

    private CellPlans() {
    }

    static Map<String, String> shared(DockerRubrics settings, Path localPath, List<PathMatcher> ignore,
                                      Path heldOut, String imageId) {
        return CellFingerprints.shared(imageId, localPath, settings.files(), settings.allowOutside(), ignore, heldOut,
                settings.grading().verdict().toJson() + " " + (settings.limits() == null ? "no limits" : settings.limits().toJson()));
    }

    /** Which cells of each column are graded (with why) and which are kept from the last results. */
    static List<ColumnPlan> plan(List<DockerRubrics.Criterion> criteria, List<GradingColumn> columns,
                                 Map<String, String> shared, JsonNode lastResults, boolean reports) {
        Map<String, JsonNode> before = new LinkedHashMap<>();
        if (lastResults != null && lastResults.get("solutions") != null) {
            for (JsonNode c : lastResults.get("solutions")) {
                before.put(c.path("name").asText(), c);
            }
        }
        List<ColumnPlan> plans = new ArrayList<>();
        for (GradingColumn col : columns) {
            ColumnPlan plan = new ColumnPlan(col, new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
            JsonNode old = before.get(col.name());
            for (DockerRubrics.Criterion c : criteria) {
                Map<String, String> inputs = new LinkedHashMap<>(shared);
                inputs.put("patch", CellFingerprints.column(col));
                inputs.put("criterion", CellFingerprints.criterion(c));
                plan.inputs.put(c.id(), inputs);
                JsonNode oldCell = old == null ? null : reports ? old.get("run")
                        : old.get("cells") == null ? null : old.get("cells").get(c.id());
                String reason = CellFingerprints.reason(inputs, oldCell == null ? null : oldCell.get("inputs"));
                if (reason == null && reports) {
                    plan.kept.put(RUN, (ObjectNode) oldCell.deepCopy());
                    old.path("cells").fields().forEachRemaining(e -> plan.kept.put(e.getKey(), (ObjectNode) e.getValue().deepCopy()));
                } else if (reason == null) {
                    plan.kept.put(c.id(), (ObjectNode) oldCell.deepCopy());
                } else {
                    plan.toGrade.put(c.id(), reason);
                }
            }
            plans.add(plan);
        }
        return plans;
    }

    /**
     * For plan: the cells a run would grade again, as "model-2 × tests_pass: patch changed". The image is taken to be
     * the one the last results graded in (a rebuilt image re-runs the step as its upstream changed anyway).
     */
    static List<String> changedCells(DockerRubrics settings, List<DockerRubrics.Criterion> criteria, Path localPath,
                                     List<PathMatcher> ignore, JsonNode lastResults) throws IOException {
        if (lastResults == null || lastResults.get("solutions") == null) {
            return List.of();
        }
        List<GradingColumn> columns;
        try {
            columns = columns(settings, localPath);
        } catch (MissingInput e) {
            return List.of(e.getMessage());
        }
        Path heldOut = settings.grading().heldOutTests() == null ? null
                : LocalFiles.resolve(localPath, settings.grading().heldOutTests(), settings.allowOutside());
        JsonNode first = lastResults.path("solutions").path(0);
        JsonNode anyInputs = first.has("run") ? first.get("run").path("inputs")
                : first.path("cells").elements().hasNext() ? first.path("cells").elements().next().path("inputs") : null;
        String imageId = anyInputs == null ? "" : anyInputs.path("image").asText();
        List<String> changed = new ArrayList<>();
        for (ColumnPlan p : plan(planned(settings, criteria), columns, shared(settings, localPath, ignore, heldOut, imageId),
                lastResults, reports(settings))) {
            p.toGrade().forEach((id, why) -> changed.add(p.column().name() + " × " + id + ": " + why));
        }
        return changed;
    }

    /** True when the cells come from test reports the commands write (Gradescope's results.json, JUnit XML). */
    static boolean reports(DockerRubrics settings) {
        String kind = settings.grading().verdict().kind();
        return "results_json".equals(kind) || "junit_xml".equals(kind);
    }

    /**
     * What is planned cell by cell: the criteria, or with test reports the column's commands as one unit (the tests
     * are known only once they ran).
     */
    static List<DockerRubrics.Criterion> planned(DockerRubrics settings, List<DockerRubrics.Criterion> criteria) {
        if (!reports(settings)) {
            return criteria;
        }
        StringBuilder commands = new StringBuilder();
        criteria.forEach(c -> commands.append(c.id()).append('\u0000').append(c.command()).append('\u0000'));
        return List.of(new DockerRubrics.Criterion("tests", "tests", commands.toString(), 0, false));
    }

    /** What one column grades: the criteria to grade with the reason, the cells kept, every cell's inputs. */
    record ColumnPlan(GradingColumn column, Map<String, String> toGrade, Map<String, ObjectNode> kept,
                              Map<String, Map<String, String>> inputs) {
    }

    static final class MissingInput extends Exception {
        MissingInput(String message) {
            super(message);
        }
    }

    static List<GradingColumn> columns(DockerRubrics settings, Path localPath) throws MissingInput, IOException {
        DockerRubrics.Grading g = settings.grading();
        List<GradingColumn> columns = new ArrayList<>();
        for (DockerRubrics.Solution s : g.solutions()) {
            columns.add(new GradingColumn(s.name(), GradingColumn.SOLUTION, patch(settings, localPath, "solution '" + s.name() + "'", s.patch())));
        }
        if (g.solutionsGlob() != null) {
            for (Path p : SolutionGlob.files(localPath, g.solutionsGlob())) {
                String file = p.getFileName().toString();
                int dot = file.lastIndexOf('.');
                columns.add(new GradingColumn(dot > 0 ? file.substring(0, dot) : file, GradingColumn.SOLUTION, p));
            }
            if (columns.isEmpty()) {
                throw new MissingInput("no solution patch matches " + g.solutionsGlob() + " under " + localPath);
            }
        }
        if (g.original()) {
            columns.add(new GradingColumn(GradingColumn.ORIGINAL, GradingColumn.ORIGINAL, null));
        }
        if (g.golden() != null) {
            columns.add(new GradingColumn(GradingColumn.GOLDEN, GradingColumn.GOLDEN, patch(settings, localPath, "golden", g.golden())));
        }
        return columns;
    }

    private static Path patch(DockerRubrics settings, Path localPath, String what, String path) throws MissingInput {
        Path p = LocalFiles.resolve(localPath, path, settings.allowOutside());
        if (!Files.isRegularFile(p)) {
            throw new MissingInput("patch of " + what + " not found: " + p);
        }
        return p;
    }
}
