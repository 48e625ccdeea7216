package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.InspectImageResponse;
import dev.tasksync.spi.JsonSettings;
import dev.tasksync.spi.StepContext;
import dev.tasksync.spi.StepOutcome;
import dev.tasksync.spi.StepResources;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code docker_pull}: pulls an image, unless {@code prevent_run_before} lies in the future; checks the expected
 * {@code image_id}; after a successful pull, results' {@code prevent_run_before} moves to now + {@code pull_interval},
 * and the step becomes due again once that time has passed (or the image is gone).
 */
public final class DockerPullStepType extends DockerStepType<DockerPull> {
    private static final Set<String> FIELDS = Set.of("image_tag", "image_id", "prevent_run_before", "pull_interval");

    private final Clock clock;

    public DockerPullStepType(DockerConnection connection) {
        this(connection, Clock.systemUTC());
    }

    public DockerPullStepType(DockerConnection connection, Clock clock) {
        super(connection, DockerPull.TYPE);
        this.clock = clock;
    }

    /** The image it pulls: steps of the task that use it wait for this one. */
    @Override
    public Set<String> produces(DockerPull settings) {
        return Set.of(StepResources.image(settings.imageTag()));
    }

    @Override
    public DockerPull parse(JsonSettings value) {
        Settings.onlyFields(value, FIELDS);
        String imageTag = ImageReference.check(value.field("image_tag"), true);
        String imageId = Settings.optionalImageId(value, "image_id").orElse(null);
        OffsetDateTime before = value.optionalField("prevent_run_before").map(t -> {
            try {
                return OffsetDateTime.parse(t.asNonBlankString());
            } catch (DateTimeParseException e) {
                throw t.invalid("expected an RFC 3339 time such as 2026-01-31T12:00:00Z, got '" + t.asString() + "'");
            }
        }).orElse(null);
        Duration interval = value.optionalField("pull_interval").map(t -> {
            try {
                Duration d = Duration.parse(t.asNonBlankString());
                if (d.isNegative()) {
                    throw t.invalid("must not be negative");
                }
                return d;
            } catch (DateTimeParseException e) {
                throw t.invalid("expected an ISO-8601 duration such as PT6H, got '" + t.asString() + "'");
            }
        }).orElse(null);
        return new DockerPull(imageTag, imageId, before, interval);
    }

    @Override
    public Optional<String> staleReason(DockerPull settings, JsonNode lastResults) {
        Instant now = clock.instant();
        if (lastResults != null && lastResults.hasNonNull("prevent_run_before")) {
            String text = lastResults.get("prevent_run_before").asText();
            try {
                Instant next = OffsetDateTime.parse(text).toInstant();
                // Not due before that time, even when the image is gone.
                return now.isBefore(next) ? Optional.empty() : Optional.of("prevent_run_before " + text + " has passed");
            } catch (DateTimeParseException ignored) {
                // not ours: fall through
            }
        }
        try {
            if (docker.inspectImage(settings.imageTag()).isEmpty()) {
                return Optional.of("image '" + settings.imageTag() + "' is gone");
            }
        } catch (DockerStepException e) {
            return Optional.of("cannot check image '" + settings.imageTag() + "': " + e.getMessage());
        }
        return Optional.empty();
    }

    @Override
    public StepOutcome execute(StepContext<DockerPull> context) throws Exception {
        return StepFailures.failingOn(results -> pull(context, results), DockerStepException.class);
    }

    private StepOutcome pull(StepContext<DockerPull> context, ObjectNode results) throws Exception {
        DockerPull s = context.settings();
        Instant now = clock.instant();
        results.put("image_tag", s.imageTag());
        if (s.preventRunBefore() != null && now.isBefore(s.preventRunBefore().toInstant())) {
            results.put("pulled", false);
            results.put("prevent_run_before", s.preventRunBefore().toString());
            context.log().line("not pulling " + s.imageTag() + " before " + s.preventRunBefore());
            Optional<InspectImageResponse> local = docker.inspectImage(s.imageTag());
            if (local.isPresent()) {
                results.put("image_id", local.get().getId());
                return check(s, local.get(), results, "present locally");
            }
            return StepOutcome.success(results);
        }
        String failed = ImageTransfer.pull(docker, context, s.imageTag());
        if (failed != null) {
            return StepOutcome.failure(failed, results);
        }
        InspectImageResponse image = docker.requireImage(s.imageTag());
        results.put("pulled", true);
        results.put("image_id", image.getId());
        results.put("pulled_at", OffsetDateTime.ofInstant(now, ZoneOffset.UTC).toString());
        results.put("prevent_run_before", OffsetDateTime.ofInstant(now.plus(s.effectivePullInterval()), ZoneOffset.UTC).toString());
        return check(s, image, results, "pulled");
    }

    private StepOutcome check(DockerPull s, InspectImageResponse image, ObjectNode results, String how) {
        docker.pin(results); // the image is on this engine now: its users run here
        if (s.imageId() == null) {
            return StepOutcome.success(results);
        }
        boolean matches = matches(s.imageId(), image.getId(), image.getRepoDigests());
        results.put("image_id_matches", matches);
        if (!matches) {
            return StepOutcome.failure("image '" + s.imageTag() + "' (" + how + ") is " + image.getId()
                    + ", but image_id expects " + s.imageId(), results);
        }
        return StepOutcome.success(results);
    }

    /** Whether an expected id (full, short, with or without sha256:, or a repo digest) names this image. */
    static boolean matches(String expected, String id, List<String> repoDigests) {
        String want = expected.strip();
        String bare = want.startsWith("sha256:") ? want.substring(7) : want;
        String haveId = id == null ? "" : id.startsWith("sha256:") ? id.substring(7) : id;
        if (bare.length() >= 12 && haveId.startsWith(bare)) {
            return true;
        }
        if (repoDigests != null) {
            for (String d : repoDigests) {
                int at = d.indexOf('@');
                String digest = at >= 0 ? d.substring(at + 1) : d;
                if (digest.equals(want) || d.equals(want) || digest.equals("sha256:" + bare)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Repository and tag (null for a digest reference, which stays whole). */
    static String[] split(String ref) {
        if (ref.contains("@")) {
            return new String[]{ref, null};
        }
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon > slash) {
            return new String[]{ref.substring(0, colon), ref.substring(colon + 1)};
        }
        return new String[]{ref, "latest"};
    }

}
