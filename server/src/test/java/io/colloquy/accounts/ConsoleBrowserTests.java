package io.colloquy.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}): invitation →
 * password → projects → sessions (end another one) → sign out → sign in again, with no Content-Security-Policy
 * violation on the way (reported by the browser to the server, and in its console log). Screenshots of each page go
 * to {@code docs/console/}.
 */
@IntegrationTest
class ConsoleBrowserTests {
    private static final Path SHOTS = Path.of("..", "docs", "console");

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    WebDriver browser;
    Path profile;

    @BeforeEach
    void startBrowser() throws IOException {
        profile = Files.createTempDirectory("colloquy-chromium");
        ChromeOptions options = new ChromeOptions()
                .setBinary("/usr/bin/chromium")
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1200, 760));
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void anInvitedUserJoinsSeesProjectsEndsASessionSignsOutAndInWithoutACspViolation() throws IOException {
        double violationsBefore = violations();
        TestApi api = new TestApi(port);
        TestProject p = TestProjects.aProject(api, "{\"name\":\"Acme support bot\"}");
        String email = "ada." + java.util.UUID.randomUUID().toString().substring(0, 6) + "@example.com";
        String token = TestAccounts.invite(p, email, "owner");

        browser.get(base() + "/console/invite?token=" + token);
        assertThat(browser.getTitle()).isEqualTo("Join your team · Colloquy");
        browser.findElement(By.id("password")).sendKeys("short");
        browser.findElement(By.id("confirm")).sendKeys("short");
        // the browser's own minlength check stops the form: the server's policy is what the test checks next
        ((JavascriptExecutor) browser).executeScript("document.querySelector('form.card').noValidate = true");
        browser.findElement(By.cssSelector("form.card button")).click();
        assertThat(browser.findElement(By.cssSelector(".notice.error")).getText())
                .contains("at least 12 characters");
        screenshot("join.png");
        browser.findElement(By.id("password")).sendKeys(TestAccounts.PASSWORD);
        browser.findElement(By.id("confirm")).sendKeys(TestAccounts.PASSWORD);
        browser.findElement(By.cssSelector("form.card button")).click();

        assertThat(browser.getCurrentUrl()).endsWith("/console/projects");
        assertThat(browser.findElement(By.tagName("table")).getText()).contains("Acme support bot", "owner", p.id());
        screenshot("projects.png");

        TestAccounts.Session elsewhere = TestAccounts.login(
                api.withHeader("User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"),
                email,
                TestAccounts.PASSWORD);
        browser.get(base() + "/console/sessions");
        assertThat(browser.findElements(By.cssSelector("tbody tr"))).hasSize(2);
        assertThat(browser.findElement(By.cssSelector(".badge.current")).getText())
                .isEqualTo("This browser");
        screenshot("sessions.png");
        browser.findElement(By.cssSelector("button.danger")).click();
        assertThat(browser.findElement(By.cssSelector(".notice")).getText()).contains("ended");
        assertThat(browser.findElements(By.cssSelector("tbody tr"))).hasSize(1);
        assertThat(elsewhere.bare().get(null, "/v1/auth/session").status()).isEqualTo(401);

        browser.findElement(By.cssSelector("nav button.link")).click();
        assertThat(browser.getCurrentUrl()).contains("/console/sign-in");
        browser.get(base() + "/console/projects");
        assertThat(browser.getCurrentUrl()).as("signed out: back to sign in").endsWith("/console/sign-in");

        browser.findElement(By.id("email")).sendKeys(email);
        browser.findElement(By.id("password")).sendKeys("not-the-password-at-all");
        browser.findElement(By.cssSelector("form.card button")).click();
        assertThat(browser.findElement(By.cssSelector(".notice.error")).getText())
                .isEqualTo("Wrong email or password.");
        screenshot("sign-in.png");
        browser.findElement(By.id("password")).sendKeys(TestAccounts.PASSWORD);
        browser.findElement(By.cssSelector("form.card button")).click();
        assertThat(browser.getCurrentUrl()).endsWith("/console/projects");

        assertThat(cspMessages()).as("CSP violations in the browser console").isEmpty();
        assertThat(violations()).as("CSP violations reported to the server").isEqualTo(violationsBefore);

        // and the detection itself works: a stylesheet from elsewhere is blocked, reported and logged
        ((JavascriptExecutor) browser)
                .executeScript("const l = document.createElement('link'); l.rel = 'stylesheet';"
                        + " l.href = 'https://example.invalid/x.css'; document.head.appendChild(l);");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(b -> violations() > violationsBefore);
    }

    private double violations() {
        var counter = meters.find(ConsoleController.CSP_METER).counter();
        return counter == null ? 0 : counter.count();
    }

    private List<String> cspMessages() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .filter(m -> m.contains("Content Security Policy"))
                .toList();
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private void screenshot(String name) throws IOException {
        Path shot = ((org.openqa.selenium.TakesScreenshot) browser)
                .getScreenshotAs(OutputType.FILE)
                .toPath();
        Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(
                SHOTS.resolve(name), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
}
