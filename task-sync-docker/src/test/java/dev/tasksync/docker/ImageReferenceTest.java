package dev.tasksync.docker;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tasksync.InvalidSettingsException;
import dev.tasksync.spi.JsonSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Docker's reference grammar: what the engine accepts passes, the rest is refused naming the field. */
class ImageReferenceTest {
    private static final String HEX = "0123456789abcdef".repeat(4);

    private static JsonSettings field(String value) {
        return new JsonSettings(TextNode.valueOf(value), "$.docker_run.image_tag");
    }

    static Stream<String> valid() {
        return Stream.of("app", "my-app:1.0", "my_app:latest", "a__b", "a--b.c", "team/app:v2", "ubuntu:22.04",
                "localhost/app", "localhost:5000/team/app:1", "registry.example.com/a/b/c:tag_1-x.y", "127.0.0.1:5000/app",
                "[::1]:5000/app:1", "Registry.Example.com/app", "app:" + "t".repeat(128), "app@sha256:" + HEX,
                "registry:5000/team/app:1@sha256:" + HEX, "tsd-python-grader:latest");
    }

    @ParameterizedTest
    @MethodSource("valid")
    void acceptsWhatDockerAccepts(String ref) {
        assertThat(ImageReference.check(field(ref), true)).isEqualTo(ref);
    }

    @ParameterizedTest
    @ValueSource(strings = {"UPPER:1", "a b", "x;touch /tmp/p", "-rm", "a:b:c", "a@@b", "a:", ":1", "a//b", "a/", "_a", "a_",
            "a...b", "app:-x", "app:.x", "a@sha256:short", "app:t@", "$(id)"})
    void refusesTheRest(String ref) {
        assertThatThrownBy(() -> ImageReference.check(field(ref), true))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("$.docker_run.image_tag");
    }

    static Stream<String> ids() {
        return Stream.of("sha256:" + HEX, HEX, "0123456789ab", "sha256:0123456789abcdef", "alpine@sha256:" + HEX);
    }

    @ParameterizedTest
    @MethodSource("ids")
    void imageIds(String id) {
        assertThat(ImageReference.checkId(field(id))).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"xyz", "sha256:abc", "0123456789a", "ABCDEF012345", "sha256:gggggggggggggggggggggggg", "alpine:3", "md5:0123456789ab"})
    void notImageIds(String id) {
        assertThatThrownBy(() -> ImageReference.checkId(field(id))).isInstanceOf(InvalidSettingsException.class);
    }

    // ---- acr16: docker_build's registry
    @ParameterizedTest
    @ValueSource(strings = {"localhost:5000", "127.0.0.1:5000", "registry.example.com", "[::1]:5000", "reg:1"})
    void acceptsRegistries(String registry) {
        assertThat(ImageReference.checkRegistry(new JsonSettings(TextNode.valueOf(registry), "$.docker_build.registry"))).isEqualTo(registry);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:5000", "localhost:5000/team", "localhost:0", "localhost:70000", "a b", "-reg", "reg:"})
    void refusesOtherRegistriesNamingTheField(String registry) {
        assertThatThrownBy(() -> ImageReference.checkRegistry(new JsonSettings(TextNode.valueOf(registry), "$.docker_build.registry")))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("$.docker_build.registry");
    }

    @Test
    void aReferenceMovesIntoARegistry() {
        assertThat(ImageReference.registryOf("app:1")).isNull();
        assertThat(ImageReference.registryOf("team/app:1")).isNull();
        assertThat(ImageReference.registryOf("localhost/app")).isEqualTo("localhost");
        assertThat(ImageReference.registryOf("reg.example.com:5000/team/app:1")).isEqualTo("reg.example.com:5000");
        assertThat(ImageReference.inRegistry("localhost:5000", "team/app:1")).isEqualTo("localhost:5000/team/app:1");
        assertThat(ImageReference.inRegistry("localhost:5000", "other:6000/app:1")).isEqualTo("localhost:5000/app:1");
        assertThat(ImageReference.repositoryAndTag("localhost:5000/app:1")).containsExactly("localhost:5000/app", "1");
        assertThat(ImageReference.repositoryAndTag("localhost:5000/app")).containsExactly("localhost:5000/app", "latest");
    }
}
