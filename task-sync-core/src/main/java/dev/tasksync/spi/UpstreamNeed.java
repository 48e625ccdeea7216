package dev.tasksync.spi;

import java.util.Set;

/**
 * What a step takes from a step upstream of it because its settings leave it out: a {@code docker_run} without an
 * image runs the image of the {@code docker_build} it depends on. A step with a need and no step of one of
 * {@code types} upstream of it (named in depends_on or waited for implicitly, directly or further up) could only
 * fail when it runs, so creating, editing or saving it is refused, naming {@code field}.
 *
 * @param field the field left out, relative to the type's value (e.g. {@code docker}, {@code image_tag})
 * @param types step types of which any one upstream meets the need
 * @param hint  what to do instead, e.g. {@code give image_tag or image_id, or depend on a docker_build step}
 */
public record UpstreamNeed(String field, Set<String> types, String hint) {
    public UpstreamNeed {
        types = Set.copyOf(types);
    }
}
