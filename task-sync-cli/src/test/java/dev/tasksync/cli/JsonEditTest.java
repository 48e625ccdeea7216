package dev.tasksync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonEditTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode doc(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    /** {@code json} after {@link JsonEdit#set} of each assignment, in order. */
    private static ObjectNode set(String json, String... assignments) throws Exception {
        ObjectNode d = doc(json);
        for (String assignment : assignments) {
            JsonEdit.set(d, assignment);
        }
        return d;
    }

    /** {@code json} after {@link JsonEdit#remove} of each path, in order. */
    private static ObjectNode removed(String json, String... paths) throws Exception {
        ObjectNode d = doc(json);
        for (String path : paths) {
            JsonEdit.remove(d, path);
        }
        return d;
    }

    @Test
    void setsNestedKeysCreatingMissingObjectsAndParsesJsonValues() throws Exception {
        ObjectNode d = doc("{\"docker_build\": {\"image_tag\": \"a:1\"}}");
        JsonEdit.set(d, "docker_build.image_tag=my-app:2.0");
        JsonEdit.set(d, "$.docker_build.files=[\"Dockerfile\", \"app/\"]");
        JsonEdit.set(d, "docker_build.depends_on[0].id=3");
        JsonEdit.set(d, "docker_build.quiet=true");
        JsonEdit.set(d, "docker_build.version=\"1.0\"");
        assertThat(d).isEqualTo(doc("{\"docker_build\": {\"image_tag\": \"my-app:2.0\", \"files\": [\"Dockerfile\", \"app/\"],"
                + " \"depends_on\": [{\"id\": 3}], \"quiet\": true, \"version\": \"1.0\"}}"));
    }

    @Test
    void replacesAndAppendsArrayElements() throws Exception {
        assertThat(set("{\"file_exists\": [\"a\", \"b\"]}", "file_exists[0]=z", "file_exists[2]=c"))
                .isEqualTo(doc("{\"file_exists\": [\"z\", \"b\", \"c\"]}"));
        assertThatThrownBy(() -> set("{\"file_exists\": [\"a\", \"b\"]}", "file_exists[5]=x")).hasMessageContaining("out of range");
    }

    @Test
    void removesKeysAndElements() throws Exception {
        String shell = "{\"docker_shell\": {\"command\": [{\"command\": \"ls\"}, {\"command\": \"pwd\"}], \"shell\": []}}";
        assertThat(removed(shell, "docker_shell.command[0]", "docker_shell.shell"))
                .isEqualTo(doc("{\"docker_shell\": {\"command\": [{\"command\": \"pwd\"}]}}"));
        assertThatThrownBy(() -> removed(shell, "docker_shell.nope")).hasMessageContaining("docker_shell.nope");
        assertThatThrownBy(() -> removed(shell, "x.y.z")).hasMessageContaining("nothing at $.x");
    }

    @Test
    void refusesMalformedAssignmentsAndPaths() throws Exception {
        ObjectNode d = doc("{\"file_exists\": \"a\"}");
        assertThatThrownBy(() -> JsonEdit.set(d, "no-equals-sign")).hasMessageContaining("json.path=VALUE");
        assertThatThrownBy(() -> JsonEdit.set(d, "file_exists[abc]=1")).hasMessageContaining("not an array index");
        assertThatThrownBy(() -> JsonEdit.set(d, "file_exists.x=1")).hasMessageContaining("not an object");
    }
}
