package dev.tasksync.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A client of a running console that keeps its session cookie, as a browser would (redirects not followed). */
final class HttpSession {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private final HttpClient client;
    private final String base;
    String cookie;

    HttpSession(RunningConsole console) {
        this.base = "http://127.0.0.1:" + console.port();
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Over HTTPS, trusting what {@code ssl} trusts. */
    HttpSession(RunningConsole console, SSLContext ssl) {
        this.base = "https://127.0.0.1:" + console.port();
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).sslContext(ssl).build();
    }

    HttpResponse<String> get(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        return send(b);
    }

    HttpResponse<String> post(String path, Map<String, String> form, Map<String, String> headers) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return send(b);
    }

    /** Logs in through the login form (with its CSRF token); returns the response to the POST. */
    HttpResponse<String> login(String user, String password) {
        String page = get("/login").body();
        Matcher m = CSRF.matcher(page);
        if (!m.find()) {
            throw new AssertionError("no CSRF token on the login page: " + page);
        }
        HttpResponse<String> r = post("/login", Map.of("user", user, "password", password, "_csrf", m.group(1)), Map.of());
        r.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.substring(0, c.indexOf(';')));
        return r;
    }

    String csrf() {
        return json(get("/api/session")).get("csrf_token").asText();
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
