package dev.tasksync.console;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tasksync.StepSettings;
import dev.tasksync.StepStatus;
import dev.tasksync.Step;
import dev.tasksync.Task;
import dev.tasksync.TaskDefinition;
import dev.tasksync.TaskStatus;
import dev.tasksync.WorkerOptions;
import dev.tasksync.internal.console.ConsoleServer;
import dev.tasksync.testing.TestSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real browser: Debian's chromium, headless, driven through the system chromedriver
 * (Selenium Manager is never asked to download anything). Skipped where they are not installed, unless
 * TASKSYNC_REQUIRE_BROWSER=true (as CI sets it), which turns the skip into a failure.
 */
class ConsoleBrowserIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String XSS = "<img src=x onerror=alert(1)><script>alert('x')</script>";

    final TestSteps.GateType gate = new TestSteps.GateType();
    @RegisterExtension
    final ConsoleHarness web = ConsoleHarness
            .withStepTypes(gate, new TestSteps.SleepType(), new EchoType(), new GradedRubricType(), new WaitForFileType())
            .configure(b -> b.workerOptions(WorkerOptions.defaults().withLease(Duration.ofSeconds(3), Duration.ofMillis(200))))
            .operatorAndViewer()
            .beforeClose(gate.open::countDown); // a run still waiting ends now
    WebDriver driver;
    String base;

    @BeforeAll
    static void browserPresent() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("TASKSYNC_REQUIRE_BROWSER"))) {
            throw new AssertionError("TASKSYNC_REQUIRE_BROWSER=true but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: apt-get install -y chromium chromium-driver");
        }
        assumeTrue(present, "browser tests skipped: no " + CHROMIUM + " and " + CHROMEDRIVER
                + " (apt-get install -y chromium chromium-driver)");
    }

    @BeforeEach
    void open() {
        base = "http://127.0.0.1:" + web.console.port();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.quit();
        }
    }

    private void login(String user, String password) {
        driver.get(base + "/");
        assertThat(driver.getCurrentUrl()).contains("/login");
        driver.findElement(By.id("user-input")).sendKeys(user);
        driver.findElement(By.id("password-input")).sendKeys(password);
        driver.findElement(By.id("login-button")).click();
        waitFor(() -> driver.findElements(By.id("tasks")).size() == 1);
        assertThat(driver.findElement(By.id("user")).getText()).isEqualTo(user);
    }

    private void waitFor(BooleanSupplier condition) {
        new WebDriverWait(driver, WAIT).until(d -> condition.getAsBoolean());
    }

    private Task diamond() {
        return web.ts.save(TaskDefinition.named("diamond")
                .step("fetch", TestSteps.gate())
                .step("build", new TestSteps.Sleep(50)).dependsOn("fetch")
                .step("test", new TestSteps.Sleep(50)).dependsOn("fetch")
                .step("package", new TestSteps.Sleep(50)).dependsOn("build", "test")
                .build());
    }

    private List<String> nodeClasses() {
        return driver.findElements(By.cssSelector("#dag g.node")).stream().map(e -> e.getAttribute("class")).toList();
    }

    @Test
    void aRunTurnsEveryNodeCompletedWithoutAReload() throws IOException {
        Task t = diamond();
        login("olga", "operator-pass");
        driver.findElement(By.linkText("diamond")).click();
        assertThat(driver.findElements(By.cssSelector("#dag g.node"))).hasSize(4);
        assertThat(driver.findElements(By.cssSelector("#dag line.edge"))).hasSize(4);
        assertThat(nodeClasses()).allMatch(c -> c.contains("new"));

        driver.findElement(By.id("run-button")).click(); // a POST, then the page again (303)
        waitFor(() -> web.ts.steps(t.id()).get(0).status() == StepStatus.ACTIVE);
        waitFor(() -> "open".equals(driver.findElement(By.tagName("body")).getAttribute("data-live")));
        ((JavascriptExecutor) driver).executeScript("window.stillTheSamePage = true;");
        waitFor(() -> driver.findElement(By.id("node-" + web.ts.steps(t.id()).get(0).id())).getAttribute("class").contains("active"));

        gate.open.countDown();
        waitFor(() -> nodeClasses().stream().allMatch(c -> c.contains("completed")));
        waitFor(() -> driver.findElement(By.id("task-status")).getText().equals("completed"));
        assertThat(((JavascriptExecutor) driver).executeScript("return window.stillTheSamePage === true;")).isEqualTo(true);
        assertThat(driver.findElements(By.cssSelector("[data-step-status]"))).extracting(WebElement::getText)
                .containsOnly("completed");
        assertThat(web.ts.task(t.id()).is(TaskStatus.COMPLETED)).isTrue();
        screenshot("console-task-page.png");

        driver.findElement(By.id("node-" + web.ts.steps(t.id()).get(3).id())).click();
        waitFor(() -> driver.findElements(By.id("step-title")).size() == 1);
        assertThat(driver.findElement(By.id("step-title")).getText()).isEqualTo("package");
    }

    @Test
    void aBigTaskShowsBarsAndAStepTableThatFillAsTheRunGoesOn() {
        TaskDefinition.Builder b = TaskDefinition.named("big");
        for (int i = 0; i < 600; i++) { // 30 layers of 20 (more than DagView.FULL_LIMIT steps)
            var step = b.step("s" + i, new TestSteps.Sleep(0));
            if (i >= 20) {
                step.dependsOn("s" + (i - 20));
            }
        }
        Task t = web.ts.save(b.build());
        login("olga", "operator-pass");
        driver.get(base + "/tasks/" + t.id());
        assertThat(driver.findElements(By.cssSelector("#dag g.band"))).hasSize(30);
        assertThat(driver.findElements(By.cssSelector("#dag g.node"))).isEmpty();
        waitFor(() -> "open".equals(driver.findElement(By.tagName("body")).getAttribute("data-live")));
        ((JavascriptExecutor) driver).executeScript("window.stillTheSamePage = true;");

        web.ts.run(t.id());
        JavascriptExecutor js = (JavascriptExecutor) driver;
        // every bar reads all completed and is one green segment; every row shows its attempt and finish time
        waitFor(() -> Boolean.TRUE.equals(js.executeScript(
                "return [...document.querySelectorAll('#dag text.counts')].every(e => e.textContent === '20 completed')"
                        + " && [...document.querySelectorAll('#steps td[id^=step-attempt-]')].every(e => e.textContent === '1')"
                        + " && [...document.querySelectorAll('#steps td[id^=step-finished-]')].every(e => e.textContent !== '-');")));
        assertThat(js.executeScript("return window.stillTheSamePage === true")).isEqualTo(true);
        assertThat(driver.findElements(By.cssSelector("#dag rect.segment.completed")))
                .allSatisfy(r -> assertThat(r.getAttribute("width")).isEqualTo("600"));
        assertThat(driver.findElements(By.cssSelector("#dag rect.segment.new")))
                .allSatisfy(r -> assertThat(r.getAttribute("width")).isEqualTo("0"));

        // the table shows the first 500 rows; the bars above counted the other 100 from the live events
        assertThat(driver.findElements(By.cssSelector("#steps tbody tr"))).hasSize(500);
        assertThat(driver.findElement(By.id("step-range")).getText()).isEqualTo("steps 1–500 of 600");

        driver.findElement(By.id("dag-full-link")).click();
        waitFor(() -> driver.findElements(By.cssSelector("#dag g.node")).size() == 600);
        assertThat(nodeClasses()).allMatch(c -> c.contains("completed"));
        driver.findElement(By.id("steps-next")).click(); // the next page keeps the full picture
        waitFor(() -> driver.findElements(By.cssSelector("#steps tbody tr")).size() == 100);
        assertThat(driver.findElements(By.cssSelector("#dag g.node"))).hasSize(600);
        assertThat(driver.findElements(By.cssSelector("[data-step-status]"))).extracting(WebElement::getText).containsOnly("completed");
    }

    @Test
    void aPageWhoseTaskIsDeletedSaysSoAndStopsListening() {
        Task t = web.ts.save(TaskDefinition.named("doomed").step("only", new TestSteps.Sleep(0)).build());
        login("olga", "operator-pass");
        driver.get(base + "/tasks/" + t.id());
        waitFor(() -> "open".equals(driver.findElement(By.tagName("body")).getAttribute("data-live")));
        // the statuses console.js colours by are the server's enum, in its order
        assertThat(driver.findElement(By.id("dag-section")).getAttribute("data-statuses"))
                .isEqualTo(Arrays.stream(StepStatus.values()).map(StepStatus::dbValue).collect(Collectors.joining(" ")));
        assertThat(driver.findElement(By.id("task-deleted")).isDisplayed()).isFalse();

        web.ts.deleteTask(t.id());
        waitFor(() -> "deleted".equals(driver.findElement(By.tagName("body")).getAttribute("data-live")));
        assertThat(driver.findElement(By.id("task-deleted")).isDisplayed()).isTrue();
        assertThat(((ConsoleServer) web.console).liveTasks()).doesNotContain(t.id());
    }

    @Test
    void anOperatorCancelsARunningStep() {
        Task t = web.ts.save(TaskDefinition.named("long").step("wait", TestSteps.gate()).build());
        int stepId = web.ts.steps(t.id()).get(0).id();
        login("olga", "operator-pass");
        driver.get(base + "/tasks/" + t.id());
        driver.findElement(By.id("run-button")).click();
        waitFor(() -> web.ts.step(stepId).status() == StepStatus.ACTIVE);
        driver.get(base + "/steps/" + stepId);
        assertThat(driver.findElement(By.id("step-status")).getText()).isEqualTo("active");
        driver.findElement(By.id("step-cancel-button")).click();
        waitFor(() -> web.ts.step(stepId).status() == StepStatus.CANCELLED);
        driver.navigate().refresh();
        assertThat(driver.findElement(By.id("step-status")).getText()).isEqualTo("cancelled");
        assertThat(gate.started.get()).isEqualTo(1);
    }

    @Test
    void aViewerSeesNoButtonsAndTheApiRefusesTheirChanges() {
        Task t = diamond();
        login("vic", "viewer-pass");
        driver.get(base + "/tasks/" + t.id());
        assertThat(driver.findElements(By.cssSelector("#dag g.node"))).hasSize(4);
        assertThat(driver.findElements(By.id("run-button"))).isEmpty();
        assertThat(driver.findElements(By.id("task-actions"))).isEmpty();
        Object status = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/api/session').then(r => r.json()).then(s => fetch('/api/tasks/" + t.id() + "/run',"
                        + " {method: 'POST', headers: {'X-CSRF-Token': s.csrf_token}})).then(r => done(r.status));");
        assertThat(status).isEqualTo(403L);
        assertThat(web.ts.step(web.ts.steps(t.id()).get(0).id()).status()).isEqualTo(StepStatus.NEW);
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefused() {
        Task t = diamond();
        login("olga", "operator-pass");
        driver.get(base + "/tasks/" + t.id());
        Object status = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/tasks/" + t.id() + "/run', {method: 'POST'}).then(r => done(r.status));");
        assertThat(status).isEqualTo(403L);
        assertThat(gate.started.get()).isZero();
    }

    @Test
    void untrustedTitlesSettingsAndLogLinesRenderAsText() {
        Task t = web.ts.save(TaskDefinition.named(XSS).step(XSS, StepSettings.of("echo", new TextNode(XSS))).build());
        web.ts.run(t.id());
        int stepId = web.ts.steps(t.id()).get(0).id();
        assertThat(web.ts.history(stepId).get(0).logTail()).contains(XSS);
        login("olga", "operator-pass");
        assertThat(driver.findElement(By.cssSelector("#tasks a[href='/tasks/" + t.id() + "']")).getText()).isEqualTo(XSS);
        noAlert(driver);
        driver.get(base + "/tasks/" + t.id());
        assertThat(driver.findElement(By.id("task-name")).getText()).isEqualTo(XSS);
        assertThat(driver.findElement(By.cssSelector("#steps a")).getText()).isEqualTo(XSS);
        noAlert(driver);
        driver.get(base + "/steps/" + stepId);
        assertThat(driver.findElement(By.id("step-title")).getText()).isEqualTo(XSS);
        assertThat(driver.findElement(By.id("settings")).getText()).contains("<script>alert('x')</script>");
        assertThat(driver.findElement(By.id("log-1")).getText()).contains(XSS);
        noAlert(driver);
        // the console's own modules only (the page's and the step log's), none inline
        assertThat(driver.findElements(By.tagName("script"))).extracting(e -> e.getAttribute("src"))
                .containsExactly(base + "/static/console.js", base + "/static/step-log.js");
        assertThat(driver.findElements(By.cssSelector("main img"))).isEmpty();
    }

    @Test
    void theStepPageShowsTheFirstLogLineOfARunningAttemptBeforeItEnds(@TempDir Path dir) {
        Path release = dir.resolve("release");
        Task t = web.ts.save(TaskDefinition.named("waits").step("wait", WaitForFileType.settings(release)).build());
        int stepId = web.ts.steps(t.id()).get(0).id();
        Thread run = new Thread(() -> web.ts.run(t.id()), "test-run");
        run.start();
        login("olga", "operator-pass");
        waitFor(() -> web.ts.history(stepId).size() == 1);
        driver.get(base + "/steps/" + stepId);
        waitFor(() -> driver.findElement(By.id("log-1")).getText().contains(WaitForFileType.FIRST_LINE + XSS));
        assertThat(web.ts.step(stepId).status()).isEqualTo(StepStatus.ACTIVE); // shown while the step still waits
        assertThat(driver.findElement(By.id("log-1")).getText()).doesNotContain(WaitForFileType.LAST_LINE);
        noAlert(driver);

        try {
            Files.writeString(release, "go");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        waitFor(() -> driver.findElement(By.id("log-1")).getText().contains(WaitForFileType.LAST_LINE));
        waitFor(() -> "done".equals(driver.findElement(By.id("log-1")).getAttribute("data-follow")));
        assertThat(driver.findElement(By.id("log-1")).getText())
                .containsSubsequence(WaitForFileType.FIRST_LINE, WaitForFileType.LAST_LINE);
        assertThat(driver.findElements(By.cssSelector("main img"))).isEmpty();
    }

    @Test
    void theStepPageLinksToTheGradingMatrixWhoseCellsRenderAsText() {
        Step step = ConsoleMatrixIT.gradedStep(web.ts, web.ts.createTask("grading"));
        login("vic", "viewer-pass");
        driver.get(base + "/steps/" + step.id());
        driver.findElement(By.id("matrix-link")).click();
        waitFor(() -> driver.findElements(By.id("matrix")).size() == 1);
        // runs × (model-1, model-2, O, G); the XSS criterion's id is shown as text
        assertThat(driver.findElements(By.cssSelector("#matrix tr[data-criterion='runs'] td.cell")).stream().map(e -> e.getText()).toList())
                .containsExactly("✔", "?", "✔", "✔");
        assertThat(driver.findElement(By.id("broken")).getText()).contains(ConsoleMatrixIT.XSS);
        noAlert(driver);
    }

    private void screenshot(String name) throws IOException {
        String docs = System.getProperty("tasksync.docs");
        if (docs == null) {
            return;
        }
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of(docs));
        Files.copy(shot.toPath(), Path.of(docs, name), StandardCopyOption.REPLACE_EXISTING);
    }

    static void noAlert(WebDriver driver) {
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }
}
