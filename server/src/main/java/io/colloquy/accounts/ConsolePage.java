package io.colloquy.accounts;

import java.security.SecureRandom;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * One console page: server-rendered HTML in the one layout, with the one stylesheet admitted by a nonce of this
 * response alone. The Content-Security-Policy admits nothing else: no script at all, no inline style or handler,
 * forms posting only to this origin, no framing; violations are reported to {@code /console/csp-report}.
 */
final class ConsolePage {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String title;
    private final @Nullable String user;
    private final StringBuilder body = new StringBuilder();
    private boolean narrow;

    ConsolePage(String title, @Nullable String user) {
        this.title = title;
        this.user = user;
    }

    static String esc(@Nullable String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Appends trusted markup (every value in it already escaped with {@link #esc}). */
    ConsolePage html(String markup) {
        body.append(markup);
        return this;
    }

    /** A page of one small form (sign in, join): the whole page in a narrow column. */
    ConsolePage narrow() {
        this.narrow = true;
        return this;
    }

    ConsolePage notice(@Nullable String message, boolean error) {
        if (message != null) {
            body.append("<p class=\"notice")
                    .append(error ? " error" : "")
                    .append("\" role=\"")
                    .append(error ? "alert" : "status")
                    .append("\">")
                    .append(esc(message))
                    .append("</p>");
        }
        return this;
    }

    ResponseEntity<String> respond(HttpStatus status) {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        String nonce = Base64.getEncoder().encodeToString(bytes);
        String nav = user == null
                ? ""
                : "<nav><a href=\"/console/projects\">Projects</a><a href=\"/console/sessions\">Sessions</a>"
                        + "<span class=\"who\">" + esc(user) + "</span>"
                        + "<form method=\"post\" action=\"/console/sign-out\">" + csrfField()
                        + "<button class=\"link\" "
                        + "type=\"submit\">Sign out</button></form></nav>";
        String page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + esc(title) + " · Colloquy</title>"
                + "<link rel=\"stylesheet\" href=\"/console/console.css\" nonce=\"" + nonce + "\"></head>"
                + "<body><header><a class=\"brand\" href=\"/console/\">Colloquy</a>" + nav + "</header>"
                + "<main" + (narrow ? " class=\"narrow\"" : "") + "><h1>" + esc(title) + "</h1>" + body + "</main>"
                + "<footer>Colloquy · conversations and memories, encrypted and audited</footer></body></html>";
        return ResponseEntity.status(status)
                .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noStore())
                .header("Content-Security-Policy", policy(nonce))
                .header(HttpHeaders.VARY, "Cookie")
                .body(page);
    }

    static String policy(String nonce) {
        return "default-src 'none'; style-src 'nonce-" + nonce + "'; img-src 'self'; form-action 'self'; "
                + "base-uri 'none'; frame-ancestors 'none'; report-uri /console/csp-report";
    }

    private String csrf = "";

    /** The CSRF token every form of this page carries (the session's, or the sign-in form's own). */
    ConsolePage csrf(String token) {
        this.csrf = token;
        return this;
    }

    String csrfField() {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(csrf) + "\">";
    }
}
