package io.colloquy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Service;

/**
 * Who is calling, by network address, and whether that address may use a key. The client address is
 * the socket peer; only when the peer is one of the configured trusted proxies is
 * {@code X-Forwarded-For} read, from the right, and the first entry that is not itself a trusted proxy
 * is the client. A client can prepend whatever it likes to that header, but it cannot change what a
 * trusted proxy appended, so nothing left of the right-most untrusted entry is ever believed.
 */
@Service
@EnableConfigurationProperties(AccessSettings.class)
public class IpAccess {
    static final String FORWARDED_FOR = "X-Forwarded-For";
    private static final String ATTRIBUTE = IpAccess.class.getName() + ".client";
    private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern V4_WITH_PORT = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3}):\\d{1,5}");
    private static final Pattern V6_BRACKETED = Pattern.compile("\\[([0-9A-Fa-f:.]+)](?::\\d{1,5})?");
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<Cidr> trustedProxies;
    /** Stored allowlists are text; parsing 100 entries per request would show, so parsed lists are kept. */
    private final Cache<List<String>, List<Cidr>> parsedLists =
            Caffeine.newBuilder().maximumSize(10_000).build();

    IpAccess(AccessSettings settings) {
        this.trustedProxies = settings.trustedProxyRanges();
    }

    /** The address of the client that sent this request (resolved once per request). */
    public InetAddress clientAddress(HttpServletRequest request) {
        if (request.getAttribute(ATTRIBUTE) instanceof InetAddress known) {
            return known;
        }
        InetAddress client = resolve(request.getRemoteAddr(), Collections.list(request.getHeaders(FORWARDED_FOR)));
        request.setAttribute(ATTRIBUTE, client);
        return client;
    }

    /**
     * Whether a client may use a key: its address must be inside the key's allowlist and inside its
     * project's allowlist; an empty list allows every address.
     */
    public boolean allows(InetAddress client, List<String> keyAllowlist, List<String> projectAllowlist) {
        return within(client, keyAllowlist) && within(client, projectAllowlist);
    }

    /** The client address given the socket peer and the {@code X-Forwarded-For} headers, in order. */
    InetAddress resolve(String peerText, List<String> forwardedFor) {
        InetAddress peer = literal(peerText)
                .orElseThrow(() -> new IllegalStateException("The servlet container reported a non-IP peer address"));
        if (!trusted(peer) || forwardedFor.isEmpty()) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",", -1)) {
                hops.add(hop.strip());
            }
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = literal(hops.get(i));
            if (hop.isEmpty()) {
                // what a trusted proxy reported is not an address: believe none of the header
                return peer;
            }
            client = hop.get();
            if (!trusted(client)) {
                return client;
            }
        }
        return client; // every hop is a trusted proxy: the left-most one is as far as we can see
    }

    private boolean trusted(InetAddress address) {
        for (Cidr range : trustedProxies) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private boolean within(InetAddress client, List<String> allowlist) {
        if (allowlist.isEmpty()) {
            return true;
        }
        List<Cidr> ranges = parsedLists.get(List.copyOf(allowlist), Cidr::parseAll);
        for (Cidr range : ranges) {
            if (range.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An IP address literal as proxies write it ({@code 203.0.113.7}, {@code 203.0.113.7:5100},
     * {@code 2001:db8::1}, {@code [2001:db8::1]:443}, {@code fe80::1%eth0}); never a host name, so never
     * a DNS lookup.
     * IPv4-mapped IPv6 addresses become IPv4 addresses.
     */
    static Optional<InetAddress> literal(@Nullable String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.strip();
        var withPort = V4_WITH_PORT.matcher(s);
        if (withPort.matches()) {
            s = withPort.group(1);
        }
        var bracketed = V6_BRACKETED.matcher(s);
        if (bracketed.matches()) {
            s = bracketed.group(1);
        }
        int zone = s.indexOf('%'); // a link-local peer's scope: the address is what allowlists name
        if (zone > 0 && s.contains(":")) {
            s = s.substring(0, zone);
        }
        if (!V4.matcher(s).matches() && !V6.matcher(s).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.ofLiteral(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
