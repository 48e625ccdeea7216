package dev.tasksync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {
    @Test
    void queryPasswordsAreMasked() {
        assertThat(Redaction.redact("cannot connect to jdbc:postgresql://127.0.0.1:1/postgres?user=postgres&password=s3cret (refused)"))
                .isEqualTo("cannot connect to jdbc:postgresql://127.0.0.1:1/postgres?user=postgres&password=*** (refused)");
        String once = Redaction.redact("jdbc:postgresql://h/db?password=x") + ": refused";
        assertThat(Redaction.redact(once)).isEqualTo("jdbc:postgresql://h/db?password=***: refused");
        assertThat(Redaction.redact("jdbc:postgresql://h/db?password=***abc")).isEqualTo("jdbc:postgresql://h/db?password=***");
        // a password may hold ':' (or anything but '&'): all of it goes
        assertThat(Redaction.redact("jdbc:postgresql://h/db?password=a:b@c")).isEqualTo("jdbc:postgresql://h/db?password=***");
        assertThat(Redaction.redact("jdbc:postgresql://h/db?PASSWORD=a%26b&ssl=true&sslpassword=k"))
                .isEqualTo("jdbc:postgresql://h/db?PASSWORD=***&ssl=true&sslpassword=***");
    }

    @Test
    void userinfoPasswordsAreMaskedEvenWhenMalformedOrHoldingAnAt() {
        assertThat(Redaction.redact("Malformed escape pair at index 22: postgres://postgres:s3cret%ZZ@db:5432/tasks"))
                .isEqualTo("Malformed escape pair at index 22: postgres://postgres:***@db:5432/tasks");
        assertThat(Redaction.redact("was 'postgresql://u:p@ss@db/x'")).isEqualTo("was 'postgresql://u:***@db/x'");
        assertThat(Redaction.redact("postgres://db:5432/tasks and http://host:80/x")).isEqualTo("postgres://db:5432/tasks and http://host:80/x");
    }

    @Test
    void givenSecretsAreMaskedAnywhereAlsoUrlEncoded() {
        assertThat(Redaction.redact("FATAL: role x (pw s3 cr@t) s3+cr%40t", "s3 cr@t")).isEqualTo("FATAL: role x (pw ***) ***");
        assertThat(Redaction.redact("nothing here", null, "")).isEqualTo("nothing here");
        assertThat(Redaction.redact(null)).isNull();
    }
}
