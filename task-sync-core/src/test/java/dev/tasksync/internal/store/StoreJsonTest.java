package dev.tasksync.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jooq.JSONB;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Store's JSON text in and out: "{}" without the parser or a generator, the rest through them. */
class StoreJsonTest {
    @Test
    void anEmptyObjectIsWrittenAsBraces() {
        assertThat(Store.text(Store.JSON.createObjectNode())).isEqualTo("{}");
        assertThat(Store.jsonb(Store.JSON.createObjectNode()).data()).isEqualTo("{}");
        assertThat(Store.text(Store.JSON.createObjectNode().put("a", 1))).isEqualTo("{\"a\":1}");
        assertThat(Store.text(Store.JSON.createArrayNode())).isEqualTo("[]");
        assertThat(Store.jsonb(null)).isNull();
    }

    @Test
    void readingBracesGivesANewEmptyObjectEachTime() {
        JsonNode a = Store.parse("{}");
        JsonNode b = Store.parse(JSONB.valueOf("{}"));
        assertThat(a.isObject()).isTrue();
        assertThat(a.isEmpty()).isTrue();
        assertThat(a).isNotSameAs(b);
        ((ObjectNode) a).put("changed", true); // callers may change what they read (a StepResult's results are the user's)
        assertThat(b.isEmpty()).isTrue();
        assertThat(Store.parse("{}").isEmpty()).isTrue();
    }

    @Test
    void otherTextGoesThroughTheParser() {
        assertThat(Store.parse("{ }")).isEqualTo(Store.JSON.createObjectNode());
        assertThat(Store.parse("{\"a\": [1]}").path("a").get(0).asInt()).isEqualTo(1);
        assertThat(Store.parse("[]").isArray()).isTrue();
        assertThat(Store.parse((String) null)).isNull();
        assertThat(Store.parse((JSONB) null)).isNull();
    }
}
