package dev.tasksync.console;

import dev.tasksync.TaskSyncException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --tls-cert/--tls-key}: HTTPS from Jetty with a self-signed certificate made here, over real connections. */
class ConsoleTlsIT {
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness.withStepTypes().startedByTheTest();
    @TempDir
    Path dir;
    @Test
    void withTlsAndUsersItServesHttpsBeyondLoopbackWithSecureCookiesAndRefusesPlainHttp() throws Exception {
        SelfSignedCert cert = SelfSignedCert.write(dir, "console");
        web.addUser("olga", Role.OPERATOR, "operator-pass");
        web.start(ConsoleOptions.defaults().withBind("0.0.0.0").withPort(0).withTls(cert.cert(), cert.key()));
        assertThat(web.console.url()).startsWith("https://");

        HttpSession https = new HttpSession(web.console, cert.trustingClient());
        HttpResponse<String> login = https.login("olga", "operator-pass");
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Set-Cookie").orElseThrow())
                .contains("HttpOnly").contains("SameSite=Strict").contains("; Secure");
        HttpResponse<String> page = https.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(cert.certificate());

        HttpClient plain = HttpClient.newHttpClient();
        HttpRequest overHttp = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.console.port() + "/login")).GET().build();
        assertThatThrownBy(() -> plain.send(overHttp, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void missingOrBadFilesAreErrorsNamingTheirFlagAndNothingIsServed() throws Exception {
        SelfSignedCert cert = SelfSignedCert.write(dir, "a");
        SelfSignedCert other = SelfSignedCert.write(dir, "b");
        Path notPem = Files.writeString(dir.resolve("notes.txt"), "hello\n");
        ConsoleOptions base = ConsoleOptions.defaults().withPort(0);

        assertThatThrownBy(() -> Console.start(web.ts, base.withTls(dir.resolve("missing.pem"), cert.key())))
                .isInstanceOf(TaskSyncException.class).hasMessageContaining("--tls-cert").hasMessageContaining("no such file");
        assertThatThrownBy(() -> Console.start(web.ts, base.withTls(notPem, cert.key())))
                .isInstanceOf(TaskSyncException.class).hasMessageContaining("--tls-cert").hasMessageContaining("not a PEM certificate chain");
        assertThatThrownBy(() -> Console.start(web.ts, base.withTls(cert.cert(), dir)))
                .isInstanceOf(TaskSyncException.class).hasMessageContaining("--tls-key").hasMessageContaining("no such file");
        assertThatThrownBy(() -> Console.start(web.ts, base.withTls(cert.cert(), notPem)))
                .isInstanceOf(TaskSyncException.class).hasMessageContaining("--tls-key").hasMessageContaining("no unencrypted PEM private key");
        assertThatThrownBy(() -> Console.start(web.ts, base.withTls(cert.cert(), other.key())))
                .isInstanceOf(TaskSyncException.class).hasMessageContaining("--tls-key").hasMessageContaining("does not belong");
        assertThatThrownBy(() -> base.withTls(cert.cert(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-key: missing");
        assertThatThrownBy(() -> base.withTls(null, cert.key()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-cert: missing");
    }
}
