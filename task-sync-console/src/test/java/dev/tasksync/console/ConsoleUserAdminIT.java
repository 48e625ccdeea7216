package dev.tasksync.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** User management in the web pages and {@code /api/users}: admins only, every change with CSRF and an audit row. */
class ConsoleUserAdminIT {
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes().user("ada", Role.ADMIN, "admin-pass").operatorAndViewer();
    static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Test
    void viewersAndOperatorsGet403AndChangeNothing() {
        for (HttpSession s : List.of(web.as("vic", "viewer-pass"), web.as("olga", "operator-pass"))) {
            assertThat(s.get("/users").statusCode()).isEqualTo(403);
            assertThat(s.get("/api/users").statusCode()).isEqualTo(403);
            assertThat(s.get("/").body()).doesNotContain("href=\"/users\"");
            HttpResponse<String> add = s.post("/api/users", Map.of("name", "mallory", "role", "admin", "password", "mallory-pass"),
                    Map.of("X-CSRF-Token", s.csrf()));
            assertThat(add.statusCode()).isEqualTo(403);
            assertThat(s.post("/api/users/ada/remove", Map.of(), Map.of("X-CSRF-Token", s.csrf())).statusCode()).isEqualTo(403);
            assertThat(s.post("/api/users/olga/role", Map.of("role", "admin"), Map.of("X-CSRF-Token", s.csrf())).statusCode()).isEqualTo(403);
        }
        assertThat(users().list()).extracting(u -> u.name() + ":" + u.role()).containsExactly("ada:admin", "olga:operator", "vic:viewer");
        assertThat(web.audit()).isEmpty();
    }

    @Test
    void anAdminListsAddsChangesAndRemovesUsersWithCsrfAndEachChangeIsAudited() {
        HttpSession admin = web.as("ada", "admin-pass");
        String page = admin.get("/users").body();
        assertThat(page).contains("data-user=\"olga\"").contains("data-user=\"vic\"").contains("id=\"add-user\"");
        assertThat(admin.get("/").body()).contains("href=\"/users\"");
        Matcher m = CSRF.matcher(page);
        assertThat(m.find()).isTrue();
        String formToken = m.group(1);

        // without the token, or with a forged one: refused, nothing stored
        assertThat(admin.post("/users", Map.of("name", "nina", "role", "viewer", "password", "nina-pass-1"), Map.of()).statusCode()).isEqualTo(403);
        assertThat(admin.post("/users", Map.of("name", "nina", "role", "viewer", "password", "nina-pass-1", "_csrf", "forged"), Map.of())
                .statusCode()).isEqualTo(403);
        assertThat(users().list()).extracting(ConsoleUser::name).doesNotContain("nina");

        // add through the page's form, then the new user logs in
        HttpResponse<String> added = admin.post("/users", Map.of("name", "nina", "role", "viewer", "password", "nina-pass-1", "_csrf", formToken), Map.of());
        assertThat(added.statusCode()).isEqualTo(303);
        assertThat(added.headers().firstValue("Location")).hasValue("/users");
        HttpSession nina = web.as("nina", "nina-pass-1");
        assertThat(HttpSession.json(nina.get("/api/session")).get("role").asText()).isEqualTo("viewer");

        // change the role through the API: nina's open session has it at once
        HttpResponse<String> changed = admin.post("/api/users/nina/role", Map.of("role", "operator"), Map.of("X-CSRF-Token", admin.csrf()));
        assertThat(changed.statusCode()).isEqualTo(202);
        assertThat(HttpSession.json(nina.get("/api/session")).get("role").asText()).isEqualTo("operator");
        assertThat(HttpSession.json(admin.get("/api/users")).toString()).contains("{\"name\":\"nina\",\"role\":\"operator\"");

        // bad input: 400 naming the field, nothing changed
        String token = admin.csrf();
        HttpResponse<String> shortPassword = admin.post("/api/users", Map.of("name", "zed", "role", "viewer", "password", "short"), Map.of("X-CSRF-Token", token));
        assertThat(shortPassword.statusCode()).isEqualTo(400);
        assertThat(HttpSession.json(shortPassword).get("error").asText()).startsWith("password:");
        HttpResponse<String> badRole = admin.post("/api/users/nina/role", Map.of("role", "boss"), Map.of("X-CSRF-Token", token));
        assertThat(badRole.statusCode()).isEqualTo(400);
        assertThat(HttpSession.json(badRole).get("error").asText()).startsWith("role:");
        HttpResponse<String> self = admin.post("/api/users/ada/remove", Map.of(), Map.of("X-CSRF-Token", token));
        assertThat(self.statusCode()).isEqualTo(400);
        assertThat(HttpSession.json(self).get("error").asText()).contains("yourself");
        assertThat(admin.post("/api/users/nobody/remove", Map.of(), Map.of("X-CSRF-Token", token)).statusCode()).isEqualTo(404);
        assertThat(users().list()).extracting(u -> u.name() + ":" + u.role())
                .containsExactly("ada:admin", "nina:operator", "olga:operator", "vic:viewer");

        // remove: her session ends
        assertThat(admin.post("/api/users/nina/remove", Map.of(), Map.of("X-CSRF-Token", token)).statusCode()).isEqualTo(202);
        assertThat(users().list()).extracting(ConsoleUser::name).doesNotContain("nina");
        assertThat(nina.get("/api/session").statusCode()).isEqualTo(401);

        assertThat(web.audit()).containsExactly("ada add user user 'nina' (viewer)", "ada change role user 'nina' to operator",
                "ada remove user user 'nina'");
        assertThat(admin.get("/api/openapi.yaml").body()).contains("/api/users:").contains("/api/users/{name}/role:");
    }

    private ConsoleUsers users() {
        return ConsoleUsers.of(web.ts);
    }
}
