package dev.tasksync.internal.sql;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlFileTest {
    private static final Map<String, String> TABLES = Map.of("steps", "\"s1\".\"steps\"");

    @Test
    void parametersBecomePlaceholdersInOrderAndRepeat() {
        SqlFile f = SqlFile.parse("t.sql", """
                -- name: one
                -- a comment line is dropped
                SELECT * FROM ${steps} WHERE id = :id AND owner = :owner OR id = :id
                """);
        Rendered r = f.query("one").render(TABLES, Set.of());
        assertThat(r.text()).isEqualTo("/* one */ SELECT * FROM \"s1\".\"steps\" WHERE id = ? AND owner = ? OR id = ?");
        assertThat(r.parameters()).containsExactly("id", "owner", "id");
        Bound b = r.bind(Params.of().set("id", 7).set("owner", null));
        assertThat(b.values()).containsExactly(7, null, 7);
        assertThat(NamedQuery.is(b.text(), "one")).isTrue();
        assertThat(NamedQuery.is(b.text(), "on")).isFalse();
    }

    @Test
    void literalsQuotedNamesCommentsAndCastsHoldNoParameters() {
        SqlFile f = SqlFile.parse("t.sql", """
                -- name: q
                SELECT ':not', 'it''s :no', "col:x", x::jsonb, :p::text[], '${steps}' /* :c */ -- :d
                FROM t
                """);
        Rendered r = f.query("q").render(TABLES, Set.of());
        assertThat(r.parameters()).containsExactly("p");
        assertThat(f.query("q").parameters()).containsExactly("p");
        assertThat(r.text()).contains("':not'", "'it''s :no'", "\"col:x\"", "x::jsonb", "?::text[]", "'${steps}'", "/* :c */", "-- :d");
    }

    @Test
    void aMissingNameFailsNamingTheOnesThereAre() {
        SqlFile f = SqlFile.parse("t.sql", "-- name: a\nSELECT 1\n-- name: b\nSELECT 2\n");
        assertThatThrownBy(() -> f.query("c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t.sql has no query named 'c'").hasMessageContaining("[a, b]");
        assertThatThrownBy(() -> SqlFile.load(SqlFileTest.class, "missing.sql")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("missing.sql not found");
    }

    @Test
    void anUnknownOrMissingParameterFails() {
        Rendered r = SqlFile.parse("t.sql", "-- name: a\nSELECT :x\n, :y -- if: f\n").query("a").render(TABLES, Set.of());
        assertThatThrownBy(() -> r.bind(Params.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("query 'a' of t.sql needs parameter :x");
        assertThatThrownBy(() -> r.bind(Params.of().set("x", 1).set("z", 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no parameter :z");
        // y belongs to a variant this rendering leaves out: giving it is fine, not giving it too
        assertThat(r.bind(Params.of().set("x", 1).set("y", 2)).values()).containsExactly(1);
    }

    @Test
    void conditionalLinesAndIncludesPickTheVariant() {
        SqlFile f = SqlFile.parse("t.sql", """
                -- name: main
                SELECT 1
                  , :a -- if: a
                  , 3 -- if: !a
                -- include: part -- if: b
                -- name: part
                , :p -- if: !a
                , 4
                """);
        NamedQuery q = f.query("main");
        assertThat(q.render(TABLES, "a").text()).isEqualTo("/* main */ SELECT 1\n, ?");
        assertThat(q.render(TABLES).text()).isEqualTo("/* main */ SELECT 1\n, 3");
        assertThat(q.render(TABLES, "b").text()).isEqualTo("/* main */ SELECT 1\n, 3\n, ?\n, 4");
        assertThat(q.render(TABLES, "a", "b").parameters()).containsExactly("a");
        assertThat(q.parameters()).containsExactlyInAnyOrder("a", "p");
        assertThatThrownBy(() -> q.render(TABLES, "c")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no flag 'c'");
    }

    @Test
    void malformedFilesFailWhenParsed() {
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "SELECT 1\n")).hasMessageContaining("t.sql:1: SQL before the first '-- name:'");
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n")).hasMessageContaining("named twice");
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- name: a\n-- include: b\n")).hasMessageContaining("unknown query 'b'");
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- name: a\n-- include: a\n")).hasMessageContaining("includes itself");
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- name: a\nSELECT 'x\n")).hasMessageContaining("unterminated string literal");
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- name: a\nSELECT ?\n")).hasMessageContaining("name the parameter");
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- name: a\n-- only a comment\n")).hasMessageContaining("has no SQL");
        NamedQuery q = SqlFile.parse("t.sql", "-- name: a\nSELECT * FROM ${tasks}\n").query("a");
        assertThatThrownBy(() -> q.render(TABLES)).hasMessageContaining("needs identifier ${tasks}");
    }

    @Test
    void aSectionWithoutParametersIsInlinedAsItsTextAndOneWithParametersOrFlagsIsRefused() {
        SqlFile f = SqlFile.parse("t.sql", """
                -- name: main
                SELECT * FROM ${steps} c WHERE
                -- include: part
                -- name: part
                -- the one copy
                c.id > 0 AND EXISTS (SELECT 1 FROM ${steps} u
                  WHERE u.id = c.id)
                -- name: bound
                c.id = :id
                -- name: flagged
                c.id = 1 -- if: f
                """);
        String part = f.query("part").fragment(TABLES);
        assertThat(part).isEqualTo("c.id > 0 AND EXISTS (SELECT 1 FROM \"s1\".\"steps\" u\nWHERE u.id = c.id)");
        // what Java inlines is what the including statement renders
        assertThat(f.query("main").render(TABLES).text()).endsWith("WHERE\n" + part);
        assertThatThrownBy(() -> f.query("bound").fragment(TABLES)).hasMessageContaining("query 'bound' of t.sql cannot be inlined");
        assertThatThrownBy(() -> f.query("flagged").fragment(TABLES)).hasMessageContaining("cannot be inlined");
    }
}
