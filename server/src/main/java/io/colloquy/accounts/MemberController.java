package io.colloquy.accounts;

import io.colloquy.platform.Ids;
import io.colloquy.tenant.RequestContext;
import io.colloquy.web.NotFound;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code /v1/members}: the people of the caller's project and their roles (admin; ending a member's sessions: owner),
 * and {@code POST /v1/projects/{id}/invites}, the operator's invitation of a project's first owner.
 */
@RestController
class MemberController {
    private final AccountService accounts;

    MemberController(AccountService accounts) {
        this.accounts = accounts;
    }

    record Invite(@Nullable String email, @Nullable String role) {}

    record RoleChange(@Nullable String role) {}

    @GetMapping("/v1/members")
    AccountViews.MemberList list(RequestContext context) {
        return new AccountViews.MemberList(accounts.members(context.projectId()).stream()
                .map(AccountViews.MemberView::of)
                .toList());
    }

    @PostMapping(path = "/v1/members", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    AccountViews.InviteView invite(RequestContext context, HttpServletRequest request, @RequestBody Invite body) {
        return AccountViews.InviteView.of(accounts.invite(
                context.projectId(),
                context.caller(),
                AccountService.validEmail(body.email()),
                AccountService.validRole(body.role()),
                baseUrl(request)));
    }

    @PostMapping(path = "/v1/projects/{id}/invites", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    AccountViews.InviteView operatorInvite(
            RequestContext context, HttpServletRequest request, @PathVariable String id, @RequestBody Invite body) {
        return AccountViews.InviteView.of(accounts.invite(
                context.projectId(),
                null,
                AccountService.validEmail(body.email()),
                AccountService.validRole(body.role()),
                baseUrl(request)));
    }

    @PatchMapping(path = "/v1/members/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    AccountViews.MemberView changeRole(RequestContext context, @PathVariable String id, @RequestBody RoleChange body) {
        return AccountViews.MemberView.of(
                accounts.changeRole(context, user(id), AccountService.validRole(body.role())));
    }

    @DeleteMapping("/v1/members/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void remove(RequestContext context, @PathVariable String id) {
        accounts.remove(context, user(id));
    }

    @DeleteMapping("/v1/members/{id}/sessions")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void endSessions(RequestContext context, @PathVariable String id) {
        accounts.endSessions(context, user(id));
    }

    private static UUID user(String id) {
        return Ids.parse("usr", id).orElseThrow(() -> new NotFound("Member not found."));
    }

    /** Where this server was reached (for the set-up link unless colloquy.accounts.base-url says otherwise). */
    private static String baseUrl(HttpServletRequest request) {
        return ServletUriComponentsBuilder.fromContextPath(request)
                .replacePath(null)
                .replaceQuery(null)
                .build()
                .toUriString();
    }
}
