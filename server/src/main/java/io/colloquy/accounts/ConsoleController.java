package io.colloquy.accounts;

import static io.colloquy.accounts.ConsolePage.esc;

import io.colloquy.access.IpAccess;
import io.colloquy.platform.Ids;
import io.colloquy.web.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The console's account pages (docs/console.md): sign in, accept an invitation and set a password, the user's
 * projects, the user's sessions (end one), sign out. Plain HTML forms with a CSRF field on every one (the session's
 * token once signed in; before that a token of the form itself, also held in a {@code SameSite=Strict} cookie), no
 * script; every change redirects (303) to a page. The same service as the API does the work.
 */
@RestController
class ConsoleController {
    static final String FORM_CSRF_COOKIE = "colloquy_form_csrf";
    static final String CSP_METER = "colloquy.console.csp.violations";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private final AccountService accounts;
    private final SessionCookies cookies;
    private final IpAccess access;
    private final MeterRegistry meters;
    private final byte[] stylesheet;

    ConsoleController(AccountService accounts, SessionCookies cookies, IpAccess access, MeterRegistry meters)
            throws IOException {
        this.accounts = accounts;
        this.cookies = cookies;
        this.access = access;
        this.meters = meters;
        try (InputStream in = ConsoleController.class.getResourceAsStream("/console/console.css")) {
            this.stylesheet =
                    java.util.Objects.requireNonNull(in, "console.css").readAllBytes();
        }
    }

    @GetMapping({"/console", "/console/"})
    ResponseEntity<String> home(HttpServletRequest request) {
        return redirect(signedIn(request).isPresent() ? "/console/projects" : "/console/sign-in");
    }

    @GetMapping("/console/console.css")
    ResponseEntity<byte[]> stylesheet() {
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "css", StandardCharsets.UTF_8))
                .cacheControl(CacheControl.maxAge(java.time.Duration.ofHours(1)))
                .body(stylesheet);
    }

    /** Where the browser reports what the policy blocked: counted, so a test (or an operator) sees any. */
    @PostMapping("/console/csp-report")
    ResponseEntity<Void> cspReport(HttpServletRequest request) {
        meters.counter(CSP_METER).increment();
        return ResponseEntity.noContent().build();
    }

    // ---- sign in

    @GetMapping("/console/sign-in")
    ResponseEntity<String> signInPage(
            HttpServletRequest request,
            HttpServletResponse response,
            @RequestParam(required = false) @Nullable String done) {
        if (signedIn(request).isPresent()) {
            return redirect("/console/projects");
        }
        return signInForm(request, response, "", "signed-out".equals(done) ? "You are signed out." : null, false)
                .respond(HttpStatus.OK);
    }

    @PostMapping("/console/sign-in")
    ResponseEntity<String> signIn(HttpServletRequest request, HttpServletResponse response) {
        Map<String, String> form = form(request);
        String email = form.getOrDefault("email", "");
        if (!formCsrfOk(request, form)) {
            return signInForm(request, response, email, "The form expired: please try again.", true)
                    .respond(HttpStatus.FORBIDDEN);
        }
        try {
            AccountService.SignedIn in = accounts.login(
                    AccountService.validEmail(email),
                    form.getOrDefault("password", ""),
                    address(request),
                    request.getHeader(HttpHeaders.USER_AGENT),
                    SessionCookies.read(request));
            cookies.set(request, response, in.cookie());
            return redirect("/console/projects");
        } catch (ApiException e) {
            String message = e instanceof AccountService.LoginThrottled
                    ? "Too many failed attempts: wait a moment before trying again."
                    : "Wrong email or password.";
            return signInForm(request, response, email, message, true)
                    .respond(e.code().status());
        }
    }

    private ConsolePage signInForm(
            HttpServletRequest request,
            HttpServletResponse response,
            String email,
            @Nullable String message,
            boolean error) {
        ConsolePage page = new ConsolePage("Sign in", null).narrow().csrf(formCsrf(request, response));
        return page.notice(message, error)
                .html("<form class=\"card\" method=\"post\" action=\"/console/sign-in\">" + page.csrfField()
                        + "<label for=\"email\">Email</label>"
                        + "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\""
                        + esc(email) + "\">"
                        + "<label for=\"password\">Password</label>"
                        + "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\""
                        + " required>"
                        + "<button type=\"submit\">Sign in</button></form>");
    }

    // ---- invitation

    @GetMapping("/console/invite")
    ResponseEntity<String> invitePage(
            HttpServletRequest request,
            HttpServletResponse response,
            @RequestParam(required = false) @Nullable String token) {
        return inviteForm(request, response, token == null ? "" : token, null).respond(HttpStatus.OK);
    }

    @PostMapping("/console/invite")
    ResponseEntity<String> accept(HttpServletRequest request, HttpServletResponse response) {
        Map<String, String> form = form(request);
        String token = form.getOrDefault("token", "");
        if (!formCsrfOk(request, form)) {
            return inviteForm(request, response, token, "The form expired: please try again.")
                    .respond(HttpStatus.FORBIDDEN);
        }
        String password = form.getOrDefault("password", "");
        if (!password.equals(form.getOrDefault("confirm", ""))) {
            return inviteForm(request, response, token, "The two passwords differ.")
                    .respond(HttpStatus.BAD_REQUEST);
        }
        try {
            AccountService.SignedIn in = accounts.accept(
                    token,
                    password,
                    address(request),
                    request.getHeader(HttpHeaders.USER_AGENT),
                    SessionCookies.read(request));
            cookies.set(request, response, in.cookie());
            return redirect("/console/projects");
        } catch (ApiException e) {
            String message = e.fields().isEmpty()
                    ? e.getMessage()
                    : "The password " + e.fields().getFirst().problem() + ".";
            return inviteForm(request, response, token, message)
                    .respond(e.code().status());
        }
    }

    private ConsolePage inviteForm(
            HttpServletRequest request, HttpServletResponse response, String token, @Nullable String error) {
        ConsolePage page = new ConsolePage("Join your team", null).narrow().csrf(formCsrf(request, response));
        return page.notice(error, true)
                .html("<form class=\"card\" method=\"post\" action=\"/console/invite\">" + page.csrfField()
                        + "<input type=\"hidden\" name=\"token\" value=\"" + esc(token) + "\">"
                        + "<p class=\"hint\">Choose a password for your account. If you already have one, enter "
                        + "it to join this project.</p>"
                        + "<label for=\"password\">Password</label>"
                        + "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\""
                        + " minlength=\"12\" required>"
                        + "<p class=\"hint\">At least 12 characters; not a common password, not your email.</p>"
                        + "<label for=\"confirm\">Repeat the password</label>"
                        + "<input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\""
                        + " minlength=\"12\" required>"
                        + "<button type=\"submit\">Join</button></form>");
    }

    // ---- signed in

    @GetMapping("/console/projects")
    ResponseEntity<String> projects(HttpServletRequest request) {
        Optional<AccountService.Current> current = signedIn(request);
        if (current.isEmpty()) {
            return redirect("/console/sign-in");
        }
        AccountService.SignedIn me = accounts.whoAmI(current.get());
        ConsolePage page = new ConsolePage("Your projects", me.email()).csrf(me.csrfToken());
        if (me.projects().isEmpty()) {
            page.html("<p class=\"empty\">You belong to no project yet.</p>");
        } else {
            StringBuilder rows = new StringBuilder();
            for (AccountRepository.Membership m : me.projects()) {
                rows.append("<tr><td>")
                        .append(esc(m.projectName()))
                        .append("</td><td><span class=\"badge\">")
                        .append(esc(m.role().wireName()))
                        .append("</span></td><td><code>")
                        .append(esc(Ids.format("prj", m.projectId())))
                        .append("</code></td></tr>");
            }
            page.html("<table><thead><tr><th>Project</th><th>Your role</th><th>Id</th></tr></thead><tbody>" + rows
                    + "</tbody></table>");
        }
        return page.respond(HttpStatus.OK);
    }

    @GetMapping("/console/sessions")
    ResponseEntity<String> sessions(HttpServletRequest request, @RequestParam(required = false) @Nullable String done) {
        Optional<AccountService.Current> current = signedIn(request);
        if (current.isEmpty()) {
            return redirect("/console/sign-in");
        }
        AccountService.SignedIn me = accounts.whoAmI(current.get());
        ConsolePage page = new ConsolePage("Your sessions", me.email()).csrf(me.csrfToken());
        page.notice("ended".equals(done) ? "The session is ended." : null, false);
        StringBuilder rows = new StringBuilder();
        for (AccountRepository.SessionInfo s : accounts.sessions(current.get())) {
            boolean mine = s.sessionId().equals(current.get().sessionId());
            rows.append("<tr><td>")
                    .append(esc(device(s.userAgent())))
                    .append("<br><code>")
                    .append(esc(s.address()))
                    .append("</code></td><td>")
                    .append(esc(WHEN.format(s.createdAt())))
                    .append("</td><td>")
                    .append(esc(WHEN.format(s.lastSeenAt())))
                    .append("</td><td>");
            if (mine) {
                rows.append("<span class=\"badge current\">This browser</span>");
            } else {
                rows.append("<form method=\"post\" action=\"/console/sessions/")
                        .append(esc(Ids.format("ses", s.sessionId())))
                        .append("/end\">")
                        .append(page.csrfField())
                        .append("<button class=\"danger\" type=\"submit\">End</button></form>");
            }
            rows.append("</td></tr>");
        }
        page.html("<table><thead><tr><th>Device</th><th>Signed in</th><th>Last active</th><th></th></tr></thead>"
                + "<tbody>" + rows + "</tbody></table>");
        return page.respond(HttpStatus.OK);
    }

    @PostMapping("/console/sessions/{id}/end")
    ResponseEntity<String> endSession(
            HttpServletRequest request, HttpServletResponse response, @PathVariable String id) {
        Optional<AccountService.Current> current = signedIn(request);
        Map<String, String> form = form(request);
        if (current.isEmpty() || !sessionCsrfOk(current.get(), form)) {
            return redirect("/console/sign-in");
        }
        Optional<UUID> session = Ids.parse("ses", id);
        if (session.isPresent()) {
            try {
                accounts.revoke(current.get(), session.get(), address(request));
            } catch (ApiException e) {
                return redirect("/console/sessions");
            }
            if (session.get().equals(current.get().sessionId())) {
                cookies.clear(request, response);
                return redirect("/console/sign-in");
            }
        }
        return redirect("/console/sessions?done=ended");
    }

    @PostMapping("/console/sign-out")
    ResponseEntity<String> signOut(HttpServletRequest request, HttpServletResponse response) {
        Optional<AccountService.Current> current = signedIn(request);
        Map<String, String> form = form(request);
        if (current.isPresent() && sessionCsrfOk(current.get(), form)) {
            accounts.revoke(current.get(), current.get().sessionId(), address(request));
            cookies.clear(request, response);
            return redirect("/console/sign-in?done=signed-out");
        }
        return redirect(current.isPresent() ? "/console/projects" : "/console/sign-in");
    }

    // ---- helpers

    private Optional<AccountService.Current> signedIn(HttpServletRequest request) {
        return accounts.current(SessionCookies.read(request));
    }

    private static boolean sessionCsrfOk(AccountService.Current current, Map<String, String> form) {
        String presented = form.get("csrf");
        return presented != null && Secrets.sameText(presented, current.csrfToken());
    }

    /**
     * The token of a form shown before anyone is signed in (sign in, join): the same random value in a
     * {@code SameSite=Strict} cookie and in the form, compared when the form comes back (double submit), so no other
     * site can sign a browser in to an account of its choosing.
     */
    private String formCsrf(HttpServletRequest request, HttpServletResponse response) {
        String existing = cookie(request, FORM_CSRF_COOKIE);
        if (existing != null && existing.matches("[A-Za-z0-9_-]{43}")) {
            return existing;
        }
        String token = Secrets.random();
        response.addHeader(
                HttpHeaders.SET_COOKIE,
                ResponseCookie.from(FORM_CSRF_COOKIE, token)
                        .path("/console")
                        .httpOnly(true)
                        .sameSite("Strict")
                        .secure(cookies.secure(request))
                        .build()
                        .toString());
        return token;
    }

    private static boolean formCsrfOk(HttpServletRequest request, Map<String, String> form) {
        String expected = cookie(request, FORM_CSRF_COOKIE);
        String presented = form.get("csrf");
        return expected != null && presented != null && Secrets.sameText(presented, expected);
    }

    private static @Nullable String cookie(HttpServletRequest request, String name) {
        Cookie[] all = request.getCookies();
        if (all == null) {
            return null;
        }
        for (Cookie c : all) {
            if (name.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    /** An {@code application/x-www-form-urlencoded} body (read from the request filter's replayed body). */
    private static Map<String, String> form(HttpServletRequest request) {
        String body;
        try {
            body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.putIfAbsent(name, value);
            } catch (IllegalArgumentException malformed) {
                // a malformed pair is left out: the form then lacks a field and is answered as such
            }
        }
        return out;
    }

    private static String device(@Nullable String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "Unknown device";
        }
        String browser = userAgent.contains("Edg/")
                ? "Edge"
                : userAgent.contains("Chrome/")
                        ? "Chrome"
                        : userAgent.contains("Firefox/")
                                ? "Firefox"
                                : userAgent.contains("Safari/")
                                        ? "Safari"
                                        : userAgent.length() > 40 ? userAgent.substring(0, 40) + "…" : userAgent;
        String os = userAgent.contains("Windows")
                ? " on Windows"
                : userAgent.contains("Mac OS")
                        ? " on macOS"
                        : userAgent.contains("Android")
                                ? " on Android"
                                : userAgent.contains("Linux") ? " on Linux" : "";
        return browser + os;
    }

    private String address(HttpServletRequest request) {
        return access.clientAddress(request).getHostAddress();
    }

    private static ResponseEntity<String> redirect(String to) {
        return ResponseEntity.status(HttpStatus.SEE_OTHER)
                .header(HttpHeaders.LOCATION, to)
                .cacheControl(CacheControl.noStore())
                .build();
    }
}
