package dev.tasksync.internal.types;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.InvalidSettingsException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SettingsJson#check} builds no path text for good documents, yet names the path of every problem. */
class SettingsJsonTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static void refused(JsonNode node, String path, String message) {
        assertThatThrownBy(() -> SettingsJson.check(node, "$"))
                .isInstanceOfSatisfying(InvalidSettingsException.class, e -> assertThat(e.path()).isEqualTo(path))
                .hasMessageContaining(message);
    }

    @Test
    void acceptsAGoodDocument() {
        JsonNode doc = SettingsJson.parse("{\"t\": {\"a\": [1, 2.5, \"x\", true, {\"b\": \"\\ud83d\\ude00\"}], \"c\": {}}}");
        assertThatCode(() -> SettingsJson.check(doc, "$")).doesNotThrowAnyException();
    }

    @Test
    void namesTheNullsPath() {
        refused(SettingsJson.parse("{\"t\": {\"a\": [1, {\"b\": null}]}}"), "$.t.a[1].b", "null is not a value here");
    }

    @Test
    void namesTheNulCharactersPathInAValueAndInAKey() {
        refused(SettingsJson.parse("{\"t\": {\"cmd\": [\"ok\", \"a\\u0000b\"]}}"), "$.t.cmd[1]", "the value contains a NUL character");
        refused(SettingsJson.parse("{\"t\": {\"env\": {\"A\\u0000\": \"x\"}}}"), "$.t.env", "a key contains a NUL character");
    }

    @Test
    void namesAnUnpairedSurrogatesPath() {
        refused(SettingsJson.parse("{\"t\": [\"\\ud83d\"]}"), "$.t[0]", "unpaired UTF-16 surrogate");
    }

    @Test
    void namesOverlongStringsAndKeys() {
        ObjectNode t = F.objectNode();
        t.put("s", "x".repeat(SettingsJson.MAX_STRING_LENGTH + 1));
        refused(F.objectNode().set("t", t), "$.t.s", "characters long; at most " + SettingsJson.MAX_STRING_LENGTH);
        ObjectNode k = F.objectNode();
        k.put("k".repeat(SettingsJson.MAX_KEY_LENGTH + 1), 1);
        refused(F.objectNode().set("t", k), "$.t", "a key is " + (SettingsJson.MAX_KEY_LENGTH + 1) + " characters long");
    }

    @Test
    void namesANonFiniteNumbersPath() {
        ObjectNode t = F.objectNode();
        t.putArray("n").add(1).add(Double.POSITIVE_INFINITY);
        refused(F.objectNode().set("t", t), "$.t.n[1]", "is out of range");
        refused(SettingsJson.parse("{\"t\": {\"big\": 1e400}}"), "$.t.big", "out of range");
    }

    @Test
    void namesTheDepthAtWhichADocumentIsTooDeep() {
        int arrays = SettingsJson.MAX_DEPTH + 1; // $.t is at depth 1, its innermost array at depth MAX_DEPTH + 1
        String text = "{\"t\": " + "[".repeat(arrays) + "]".repeat(arrays) + "}";
        refused(SettingsJson.parse(text), "$.t" + "[0]".repeat(arrays - 1), "nested more than " + SettingsJson.MAX_DEPTH);
        String fits = "{\"t\": " + "[".repeat(arrays - 1) + "]".repeat(arrays - 1) + "}";
        assertThatCode(() -> SettingsJson.check(SettingsJson.parse(fits), "$")).doesNotThrowAnyException();
    }

    @Test
    void namesTheFirstProblemInDocumentOrder() {
        refused(SettingsJson.parse("{\"t\": {\"a\": [\"ok\", null], \"b\": null}}"), "$.t.a[1]", "null is not a value here");
    }
}
