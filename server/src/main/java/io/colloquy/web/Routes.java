package io.colloquy.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The one route table: for every method and path, who may call it, whether it acts in one namespace or
 * the whole project, how it runs against the database and how it is rate limited. The security chain,
 * the request filter (key check, tenant transaction, authorization), the rate limits, the body limit, the
 * database-outage filter and the audit routes all read it, nothing else decides these by path.
 *
 * <p>Paths are matched exactly as the MVC router matches them: percent-decoded segments with path
 * parameters ({@code ;p=1}) dropped, against {@link PathPattern}s, so {@code /v1/%6eamespaces/a/dialogues}
 * is the namespace route of namespace {@code a}, never a project-wide one. The first matching row wins.
 */
public final class Routes {
    /** Who may call a route. */
    public enum Access {
        /** Anyone: no credential needed (a presented one is still checked). */
        PUBLIC,
        /** The operator token only. */
        OPERATOR,
        /** An API key with this capability. */
        READ,
        WRITE,
        ADMIN,
        /** An owner: a user whose role is owner, or an API key with the admin capability. */
        OWNER,
        /** Any authenticated caller (unknown paths: they end in 404 after authentication). */
        AUTHENTICATED
    }

    /** Which tenant a route acts as. */
    public enum Scope {
        /** The namespace of its {@code {ns}} segment. */
        NAMESPACE,
        /** Every namespace of the caller's project. */
        PROJECT,
        /** A project the operator creates: its id is chosen before the transaction that creates it. */
        NEW_PROJECT,
        /** The project named by the {@code {id}} segment (the operator's plan change). */
        PROJECT_IN_PATH
    }

    /** How a route runs against the database. */
    public enum Transaction {
        /** One tenant transaction for the whole request, its response sent after commit. */
        REQUEST,
        /** A stream (the audit WebSocket and JSON-lines export): its own short tenant transactions. */
        STREAMING,
        /** The signed export link: its own credential and its own short transactions. */
        EXPORT_LINK,
        /**
         * The MCP endpoint: the context is bound, then each tool call opens one tenant transaction of its own in the
         * namespace its arguments name (a JSON-RPC message carries its namespace in its body, not in its path).
         */
        CALLS,
        /** No tenant data at all (health probes, the OpenAPI document, error pages). */
        NONE
    }

    /** Which bucket a request is charged to before its key is known. */
    public enum RateClass {
        /** Charged to the caller's project (or, without a valid key, to its client address). */
        CHARGED,
        /** Health probes: never refused nor charged, so a flood cannot take the server out of its load balancer. */
        PROBE
    }

    /**
     * One row of the table. {@code streamToken}: a single-use stream token is accepted
     * in {@code ?token=} in place of a key.
     */
    public record Route(
            String name,
            Access access,
            Scope scope,
            Transaction transaction,
            RateClass rateClass,
            boolean streamToken) {

        public boolean probe() {
            return rateClass == RateClass.PROBE;
        }

        public boolean needsCredential() {
            return access != Access.PUBLIC;
        }
    }

    /**
     * A request's route and the path segment its scope names, as the router sees it: the namespace of a
     * namespace route, the project id of {@link Scope#PROJECT_IN_PATH}.
     */
    public record Match(Route route, @Nullable String segment) {}

    private record Row(
            @Nullable String method,
            PathPattern pattern,
            @Nullable String query,
            Route route) {}

    private static final PathPatternParser PARSER = new PathPatternParser();
    private static final String ATTRIBUTE = Routes.class.getName();
    private static final List<Row> TABLE = List.of(
            row("GET", "/healthz", route("probe", Access.PUBLIC, Scope.PROJECT, Transaction.NONE, RateClass.PROBE)),
            row("GET", "/readyz", route("probe", Access.PUBLIC, Scope.PROJECT, Transaction.NONE, RateClass.PROBE)),
            row(null, "/v1/openapi.json", route("openapi", Access.PUBLIC, Scope.PROJECT, Transaction.NONE)),
            row(null, "/error", route("error", Access.PUBLIC, Scope.PROJECT, Transaction.NONE)),
            row(
                    "GET",
                    "/v1/exports/{token}",
                    route("export link", Access.PUBLIC, Scope.PROJECT, Transaction.EXPORT_LINK)),
            row(
                    "POST",
                    "/v1/projects",
                    route("project create", Access.OPERATOR, Scope.NEW_PROJECT, Transaction.REQUEST)),
            row(
                    "POST",
                    "/v1/projects/{id}/invites",
                    route("operator invite", Access.OPERATOR, Scope.PROJECT_IN_PATH, Transaction.REQUEST)),
            // the user's own account and sessions: no project; the accounts feature checks the session itself
            row(null, "/v1/auth/**", route("account", Access.PUBLIC, Scope.PROJECT, Transaction.NONE)),
            // the console's pages (docs/console.md): they check the session themselves, like /v1/auth
            row(null, "/console", route("console", Access.PUBLIC, Scope.PROJECT, Transaction.NONE)),
            row(null, "/console/**", route("console", Access.PUBLIC, Scope.PROJECT, Transaction.NONE)),
            row(
                    null,
                    "/v1/projects/{id}",
                    route("project plan", Access.OPERATOR, Scope.PROJECT_IN_PATH, Transaction.REQUEST)),
            row(null, "/v1/projects", route("operator", Access.OPERATOR, Scope.NEW_PROJECT, Transaction.REQUEST)),
            row(
                    null,
                    "/v1/projects/**",
                    route("operator", Access.OPERATOR, Scope.PROJECT_IN_PATH, Transaction.REQUEST)),
            // JSON-RPC over HTTP; each tool checks its own capability (read or write) and opens its own transaction
            row(null, "/mcp", route("mcp", Access.READ, Scope.PROJECT, Transaction.CALLS)),
            row("GET", "/v1/project", route("project", Access.READ, Scope.PROJECT, Transaction.REQUEST)),
            row("GET", "/v1/audit/public-key", route("audit key", Access.READ, Scope.PROJECT, Transaction.REQUEST)),
            row(
                    "GET",
                    "/v1/audit/stream",
                    new Route(
                            "audit stream",
                            Access.ADMIN,
                            Scope.PROJECT,
                            Transaction.STREAMING,
                            RateClass.CHARGED,
                            true)),
            row(
                    "GET",
                    "/v1/audit/events",
                    "jsonl",
                    route("audit export", Access.ADMIN, Scope.PROJECT, Transaction.STREAMING)),
            row("DELETE", "/v1/project", route("project delete", Access.OWNER, Scope.PROJECT, Transaction.REQUEST)),
            row(
                    "DELETE",
                    "/v1/members/{id}/sessions",
                    route("member sessions", Access.OWNER, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/members", route("members", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/members/**", route("members", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/project", route("project admin", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/project/**", route("project admin", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/keys", route("keys", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/keys/**", route("keys", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/audit/**", route("audit", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/webhooks", route("webhooks", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/webhooks/**", route("webhooks", Access.ADMIN, Scope.PROJECT, Transaction.REQUEST)),
            row(
                    "POST",
                    "/v1/namespaces/{ns}/export",
                    route("export", Access.ADMIN, Scope.NAMESPACE, Transaction.REQUEST)),
            row("DELETE", "/v1/namespaces/{ns}", route("erasure", Access.ADMIN, Scope.NAMESPACE, Transaction.REQUEST)),
            // a check that changes nothing: a read key may ask it
            row(
                    "POST",
                    "/v1/namespaces/{ns}/grounding",
                    route("grounding", Access.READ, Scope.NAMESPACE, Transaction.REQUEST)),
            row(
                    "GET",
                    "/v1/namespaces/{ns}/**",
                    route("namespace read", Access.READ, Scope.NAMESPACE, Transaction.REQUEST)),
            row(
                    null,
                    "/v1/namespaces/{ns}/**",
                    route("namespace write", Access.WRITE, Scope.NAMESPACE, Transaction.REQUEST)),
            row("GET", "/v1/**", route("read", Access.READ, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/v1/**", route("write", Access.WRITE, Scope.PROJECT, Transaction.REQUEST)),
            row(null, "/**", route("other", Access.AUTHENTICATED, Scope.PROJECT, Transaction.REQUEST)));

    private Routes() {}

    /** The route of a request (matched once per request, then remembered with it). */
    public static Match of(HttpServletRequest request) {
        if (request.getAttribute(ATTRIBUTE) instanceof Match known) {
            return known;
        }
        // the query is read only where a row asks for it (a GET): reading parameters of a form POST would read its body
        Match match = match(request.getMethod(), path(request), () -> request.getParameter("format"));
        request.setAttribute(ATTRIBUTE, match);
        return match;
    }

    static Match match(String method, PathContainer path, Supplier<@Nullable String> format) {
        for (Row row : TABLE) {
            if ((row.method() == null || row.method().equals(method))
                    && (row.query() == null || row.query().equals(format.get()))) {
                PathPattern.PathMatchInfo info = row.pattern().matchAndExtract(path);
                if (info != null) {
                    Map<String, String> variables = info.getUriVariables();
                    return new Match(
                            row.route(),
                            switch (row.route().scope()) {
                                case NAMESPACE -> variables.get("ns");
                                case PROJECT_IN_PATH -> variables.get("id");
                                case PROJECT, NEW_PROJECT -> null;
                            });
                }
            }
        }
        throw new IllegalStateException("the route table ends with /**, which matches every path");
    }

    /** The path the router matches: decoded segments, path parameters dropped. */
    private static PathContainer path(HttpServletRequest request) {
        return RequestPath.parse(request.getRequestURI(), request.getContextPath())
                .pathWithinApplication();
    }

    private static Row row(@Nullable String method, String pattern, Route route) {
        return new Row(method, PARSER.parse(pattern), null, route);
    }

    private static Row row(@Nullable String method, String pattern, String format, Route route) {
        return new Row(method, PARSER.parse(pattern), format, route);
    }

    private static Route route(String name, Access access, Scope scope, Transaction transaction) {
        return route(name, access, scope, transaction, RateClass.CHARGED);
    }

    private static Route route(String name, Access access, Scope scope, Transaction transaction, RateClass rateClass) {
        return new Route(name, access, scope, transaction, rateClass, false);
    }
}
