package io.colloquy.keys;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** Spring Security's view of a {@link Caller}: its capabilities become authorities. */
final class CallerAuthentication extends AbstractAuthenticationToken {
    static final String OPERATOR = "operator";
    private final Caller caller;

    CallerAuthentication(Caller caller) {
        super(
                switch (caller) {
                    case Caller.Key key ->
                        key.capabilities().stream()
                                .map(c -> new SimpleGrantedAuthority(c.authority()))
                                .toList();
                    case Caller.Operator ignored -> List.of(new SimpleGrantedAuthority(OPERATOR));
                });
        this.caller = caller;
        setAuthenticated(true);
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Caller getPrincipal() {
        return caller;
    }
}
