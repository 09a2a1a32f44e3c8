package io.colloquy.webhooks;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Decides whether the server may send a request to a URL a tenant gave it (SSRF defence, after Stripe's
 * Smokescreen): the URL must be {@code https} (plain {@code http} only with the operator's development
 * setting), name a host without credentials, and its host must resolve ONCE to addresses that are all
 * public unicast. A host that spells an IPv4 address any other way than the canonical dotted quad
 * ({@code 2130706433}, {@code 0x7f.1}, {@code 017700000001}, {@code 127.1}) is refused outright, never
 * handed to a resolver that might read it as an address. The caller connects to {@link Target#address()},
 * the address that was checked, never resolving the name again (no DNS rebinding window).
 *
 * <p>Refused: unspecified, "this network" 0/8, loopback, private (10/8, 172.16/12, 192.168/16), CGNAT
 * 100.64/10, link-local 169.254/16 (cloud metadata 169.254.169.254 among them) and fe80::/10, multicast,
 * broadcast and reserved 240/4, the documentation, benchmarking and protocol-assignment blocks, every IPv6
 * address outside global unicast 2000::/3 (unique-local fc00::/7 with AWS's fd00:ec2::254, IPv4-mapped and
 * -compatible, NAT64 64:ff9b::/96, discard 100::/64), the IPv6 transition prefixes that embed an IPv4
 * address (6to4 2002::/16, Teredo 2001::/32), and the names {@code localhost}, {@code *.localhost},
 * {@code *.internal} (so {@code metadata.google.internal}), {@code *.local} and {@code metadata.goog}.
 * A name is refused when ANY of its addresses is refused: a resolver answering a public address first
 * and a private one second gets nothing through.
 */
final class EgressGuard {
    /** Resolves a host name to its addresses: {@link #SYSTEM} in production; tests inject their own. */
    interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    static final Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    /** A URL that passed: connect to {@code address} (already checked), sending {@code host} as SNI and Host. */
    record Target(URI uri, String host, int port, InetAddress address) {}

    /** Why a URL is refused (safe to show the client: it names no address the URL did not). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final Pattern NUMERIC_LABEL = Pattern.compile("(?i)(0x[0-9a-f]*|[0-9]+)");
    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final List<Range> REFUSED_V4 = List.of(
            Range.of("0.0.0.0", 8),
            Range.of("10.0.0.0", 8),
            Range.of("100.64.0.0", 10),
            Range.of("127.0.0.0", 8),
            Range.of("169.254.0.0", 16),
            Range.of("172.16.0.0", 12),
            Range.of("192.0.0.0", 24),
            Range.of("192.0.2.0", 24),
            Range.of("192.88.99.0", 24),
            Range.of("192.168.0.0", 16),
            Range.of("198.18.0.0", 15),
            Range.of("198.51.100.0", 24),
            Range.of("203.0.113.0", 24),
            Range.of("224.0.0.0", 4),
            Range.of("240.0.0.0", 4));
    private static final Range GLOBAL_UNICAST_V6 = Range.of("2000::", 3);
    private static final List<Range> REFUSED_V6 = List.of(
            Range.of("2001::", 23), // IETF protocol assignments, Teredo 2001::/32 among them
            Range.of("2001:db8::", 32), // documentation
            Range.of("2002::", 16), // 6to4: embeds an IPv4 address
            Range.of("3fff::", 20)); // documentation (RFC 9637)
    private static final Range LOOPBACK_V4 = Range.of("127.0.0.0", 8);

    private final Resolver resolver;
    private final boolean allowHttp;
    private final boolean allowLoopback;

    /**
     * @param allowHttp the operator's development setting: plain {@code http} URLs too
     * @param allowLoopback for tests only: loopback receivers ({@code localhost}, 127/8, ::1)
     */
    EgressGuard(Resolver resolver, boolean allowHttp, boolean allowLoopback) {
        this.resolver = resolver;
        this.allowHttp = allowHttp;
        this.allowLoopback = allowLoopback;
    }

    /** Checks a URL and resolves its host once; the target names the address to connect to. */
    Target check(String url) throws Refused {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            throw new Refused(allowHttp ? "must be an https or http URL" : "must be an https URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("must not contain credentials");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("must not contain a fragment");
        }
        String host = uri.getHost();
        if (host == null) {
            // java.net.URI leaves the host out when it is no host name: 0x7f.1, 127.1, foo.1, under_score.com
            String authority = uri.getRawAuthority();
            throw new Refused(
                    authority != null && looksNumeric(authority)
                            ? "must not spell an IP address that way"
                            : "must name a valid host");
        }
        int port = uri.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : uri.getPort();
        List<InetAddress> addresses;
        if (host.startsWith("[")) {
            String literal = host.substring(1, host.length() - 1);
            if (literal.contains("%")) {
                throw new Refused("must not name an IPv6 zone");
            }
            InetAddress address = literal(literal);
            if (address instanceof Inet4Address) {
                throw new Refused("must not be an IPv4-mapped IPv6 address");
            }
            addresses = List.of(address);
        } else {
            String name = host.toLowerCase(Locale.ROOT);
            if (name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
            if (isNumeric(name)) {
                if (!DOTTED_QUAD.matcher(name).matches()) {
                    throw new Refused("must not spell an IP address that way");
                }
                addresses = List.of(literal(name));
            } else {
                refuseReservedName(name);
                try {
                    addresses = resolver.resolve(name);
                } catch (UnknownHostException e) {
                    throw new Refused("names a host that does not resolve");
                }
                if (addresses.isEmpty()) {
                    throw new Refused("names a host that does not resolve");
                }
            }
            host = name;
        }
        for (InetAddress a : addresses) {
            if (refused(a)) {
                throw new Refused("resolves to an address that is not public (loopback, private, link-local,"
                        + " multicast, metadata or reserved)");
            }
        }
        return new Target(
                uri, host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port, addresses.getFirst());
    }

    /** Whether the server must not connect to this address. */
    boolean refused(InetAddress address) {
        byte[] a = address.getAddress();
        if (allowLoopback && (address.isLoopbackAddress() || (a.length == 4 && LOOPBACK_V4.contains(a)))) {
            return false;
        }
        if (address instanceof Inet4Address) {
            return REFUSED_V4.stream().anyMatch(r -> r.contains(a)) || isBroadcast(a);
        }
        return !GLOBAL_UNICAST_V6.contains(a) || REFUSED_V6.stream().anyMatch(r -> r.contains(a));
    }

    private void refuseReservedName(String name) throws Refused {
        if ((!allowLoopback && (name.equals("localhost") || name.endsWith(".localhost")))
                || name.equals("metadata")
                || name.equals("metadata.goog")
                || name.endsWith(".internal")
                || name.equals("internal")
                || name.endsWith(".local")) {
            throw new Refused("names a local or cloud metadata host");
        }
    }

    private static boolean isBroadcast(byte[] a) {
        return (a[0] & a[1] & a[2] & a[3]) == (byte) 0xff;
    }

    /** A host whose last label is a number (decimal, octal or hex) is read as an IPv4 address by URL parsers. */
    private static boolean isNumeric(String name) {
        String[] labels = name.split("\\.", -1);
        return NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches();
    }

    private static boolean looksNumeric(String authority) {
        String host = authority.replaceFirst(":\\d*$", "").toLowerCase(Locale.ROOT);
        return !host.isEmpty() && isNumeric(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
    }

    private static InetAddress literal(String text) throws Refused {
        try {
            return InetAddress.ofLiteral(text); // a literal only: never a DNS lookup
        } catch (IllegalArgumentException e) {
            throw new Refused("must name a valid host");
        }
    }

    /** An address range by its leading bits (IPv6 ranges kept as 16 bytes even where Java maps them to IPv4). */
    private record Range(byte[] network, int prefix) {
        static Range of(String literal, int prefix) {
            InetAddress parsed = InetAddress.ofLiteral(literal);
            byte[] bytes = parsed.getAddress();
            return new Range(literal.contains(":") && bytes.length == 4 ? mapped(bytes) : bytes, prefix);
        }

        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            for (int i = 0; i < prefix; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        private static byte[] mapped(byte[] v4) {
            byte[] out = new byte[16];
            out[10] = (byte) 0xff;
            out[11] = (byte) 0xff;
            System.arraycopy(v4, 0, out, 12, 4);
            return out;
        }
    }
}
