package dev.tasksync.docker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiVersionsTest {
    @Test
    void oldEngineIsSpokenToAtItsOwnMaximum() {
        assertThat(ApiVersions.negotiate("1.41", "1.12", "1.44")).isEqualTo("1.41");
    }

    @Test
    void newEngineIsSpokenToAtTheClientMaximum() {
        assertThat(ApiVersions.negotiate("1.51", "1.44", "1.44")).isEqualTo("1.44");
        assertThat(ApiVersions.negotiate("1.52", "1.24", "1.44")).isEqualTo("1.44");
    }

    @Test
    void engineWhoseMinimumIsAboveTheClientIsSpokenToAtItsMinimum() {
        assertThat(ApiVersions.negotiate("1.53", "1.46", "1.44")).isEqualTo("1.46");
    }

    @Test
    void versionsCompareNumericallyNotAsText() {
        assertThat(ApiVersions.compare("1.9", "1.41")).isNegative();
        assertThat(ApiVersions.compare("1.100", "1.44")).isPositive();
        assertThat(ApiVersions.negotiate("1.100", null, "1.44")).isEqualTo("1.44");
    }

    @Test
    void rejectsNonVersions() {
        assertThatThrownBy(() -> ApiVersions.parse("latest")).hasMessageContaining("latest");
        assertThatThrownBy(() -> DockerConnection.builder().apiVersion("1")).hasMessageContaining("1.41");
    }
}
