package io.colloquy.governance;

import io.colloquy.access.IpAccess;
import io.colloquy.keys.ApiKeyService;
import io.colloquy.keys.Caller;
import io.colloquy.tenant.Tenant;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Project deletion, namespace erasure and export (admin), and the signed export link itself (no key). */
@RestController
class GovernanceController {
    private final Erasure erasure;
    private final Exports exports;
    private final Retention retention;
    private final JsonMapper json;
    private final java.time.Clock clock;
    private final ApiKeyService keys;
    private final IpAccess access;

    GovernanceController(
            Erasure erasure,
            Exports exports,
            Retention retention,
            JsonMapper json,
            java.time.Clock clock,
            ApiKeyService keys,
            IpAccess access) {
        this.erasure = erasure;
        this.exports = exports;
        this.keys = keys;
        this.access = access;
        this.retention = retention;
        this.json = json;
        this.clock = clock;
    }

    /** A signed deletion receipt: the receipt, the exact text that was signed, and the signature. */
    record ReceiptView(JsonNode receipt, String signedText, String signature, String algorithm, String keyId) {}

    record ExportLink(String url, Instant expiresAt) {}

    @GetMapping("/v1/project/retention/preview")
    Retention.Preview retentionPreview(Caller.Key caller) {
        return retention.preview(caller.projectId(), clock.instant());
    }

    @DeleteMapping("/v1/project")
    ReceiptView deleteProject(Caller.Key caller) {
        return view(erasure.deleteProject(caller.projectId()));
    }

    @DeleteMapping("/v1/namespaces/{ns}")
    ReceiptView eraseNamespace(Tenant tenant) {
        return view(erasure.eraseNamespace(tenant.projectId(), tenant.namespace()));
    }

    @PostMapping("/v1/namespaces/{ns}/export")
    ExportLink export(Tenant tenant, Caller.Key caller) {
        Exports.Link link = exports.create(tenant.projectId(), tenant.namespace(), caller.keyId());
        String url = ServletUriComponentsBuilder.fromCurrentContextPath()
                .path("/v1/exports/{token}")
                .buildAndExpand(link.token())
                .toUriString();
        return new ExportLink(url, link.expiresAt());
    }

    /**
     * The link itself: no API key (an {@code Authorization} header is not needed and changes nothing),
     * refused unless the key that made it still stands and admits the client's address. Never cached,
     * never passed on as a referrer.
     */
    @GetMapping("/v1/exports/{token}")
    void download(@PathVariable String token, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        response.setHeader("Referrer-Policy", "no-referrer");
        Exports.Target target = exports.verify(token);
        switch (keys.adminStanding(target.project(), target.key(), access.clientAddress(request))) {
            case ApiKeyService.Verdict.Valid ignored -> {}
            case ApiKeyService.Verdict.AddressNotAllowed ignored -> throw ExportLinkRefused.addressNotAllowed();
            case ApiKeyService.Verdict.Invalid ignored -> throw ExportLinkRefused.keyGone();
        }
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"colloquy-export.json\"");
        exports.write(target, response.getOutputStream());
    }

    private ReceiptView view(Receipts.Signed signed) {
        return new ReceiptView(
                json.readTree(signed.signedText()), signed.signedText(), signed.signature(), "Ed25519", signed.keyId());
    }
}
