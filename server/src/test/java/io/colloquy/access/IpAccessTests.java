package io.colloquy.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class IpAccessTests {
    private static final IpAccess BEHIND_PROXIES = new IpAccess(new AccessSettings(List.of("10.0.0.0/8", "fd00::/8")));
    private static final IpAccess NO_PROXIES = new IpAccess(new AccessSettings(List.of()));

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerIsIgnored() {
        assertThat(client(BEHIND_PROXIES, "198.51.100.7", "203.0.113.5")).isEqualTo("198.51.100.7");
        assertThat(client(NO_PROXIES, "10.0.0.1", "203.0.113.5")).isEqualTo("10.0.0.1");
        assertThat(client(BEHIND_PROXIES, "2001:db8::7", "203.0.113.5")).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void behindTrustedProxiesTheClientIsTheRightMostUntrustedEntry() {
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "203.0.113.5")).isEqualTo("203.0.113.5");
        // whatever the client prepends stays left of what the proxies appended
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "192.0.2.1, 203.0.113.5")).isEqualTo("203.0.113.5");
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "192.0.2.1, 203.0.113.5, 10.1.2.3"))
                .isEqualTo("203.0.113.5");
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "192.0.2.1", "203.0.113.5, 10.9.9.9"))
                .isEqualTo("203.0.113.5");
        assertThat(client(BEHIND_PROXIES, "fd00::1", "[2001:db8::5]:443")).isEqualTo("2001:db8:0:0:0:0:0:5");
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "203.0.113.5:50123")).isEqualTo("203.0.113.5");
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "::ffff:203.0.113.5")).isEqualTo("203.0.113.5");
    }

    @Test
    void aChainOfOnlyTrustedProxiesEndsAtItsLeftMostHopAndNoHeaderMeansThePeer() {
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "10.0.0.3, 10.0.0.2")).isEqualTo("10.0.0.3");
        assertThat(client(BEHIND_PROXIES, "10.0.0.1")).isEqualTo("10.0.0.1");
    }

    @Test
    void anEntryThatIsNotAnAddressMakesTheWholeHeaderUntrusted() {
        for (String bad : List.of("evil.example", "", "unknown", "300.1.1.1", "1.2.3", "203.0.113.5/24", "_hidden")) {
            assertThat(client(BEHIND_PROXIES, "10.0.0.1", "203.0.113.5, " + bad))
                    .as(bad)
                    .isEqualTo("10.0.0.1");
        }
        // left of the right-most untrusted entry nothing is read, so garbage there is harmless
        assertThat(client(BEHIND_PROXIES, "10.0.0.1", "evil.example, 203.0.113.5"))
                .isEqualTo("203.0.113.5");
    }

    @Test
    void literalsAreNeverHostNames() {
        assertThat(IpAccess.literal("localhost")).isEmpty();
        assertThat(IpAccess.literal("1")).isEmpty();
        assertThat(IpAccess.literal("fe80::1%eth0")).isPresent();
        assertThat(IpAccess.literal(" 192.0.2.1 ")).isPresent();
    }

    @Test
    void badTrustedProxiesStopTheServer() {
        assertThatThrownBy(() -> new IpAccess(new AccessSettings(List.of("10.0.0.1/8"))))
                .hasMessageContaining("colloquy.access.trusted-proxies");
    }

    @Test
    void emptyListsAllowEveryAddressAndBothListsMustAllow() throws Exception {
        InetAddress a = InetAddress.ofLiteral("203.0.113.9");
        assertThat(NO_PROXIES.allows(a, List.of(), List.of())).isTrue();
        assertThat(NO_PROXIES.allows(a, List.of("203.0.113.0/24"), List.of())).isTrue();
        assertThat(NO_PROXIES.allows(a, List.of(), List.of("203.0.113.0/24"))).isTrue();
        assertThat(NO_PROXIES.allows(a, List.of("203.0.113.0/24"), List.of("198.51.100.0/24")))
                .isFalse();
        assertThat(NO_PROXIES.allows(a, List.of("::/0"), List.of())).isFalse();
        assertThat(NO_PROXIES.allows(InetAddress.ofLiteral("::ffff:203.0.113.9"), List.of("203.0.113.0/24"), List.of()))
                .isTrue();
    }

    /** The allowlist decision agrees with a BigInteger reference, with probes on and just past range edges. */
    @Property(tries = 2000)
    void allowlistDecisionsAgreeWithAReference(
            @ForAll("allowlists") List<String> keyList,
            @ForAll("allowlists") List<String> projectList,
            @ForAll("probes") Probe probe) {
        List<String> all = new ArrayList<>(keyList);
        all.addAll(projectList);
        InetAddress address = address(probe.address(all));
        byte[] client = address.getAddress(); // an IPv4-mapped IPv6 address is an IPv4 address, as in the JDK
        boolean expected = reference(keyList, client) && reference(projectList, client);
        assertThat(NO_PROXIES.allows(address, keyList, projectList))
                .as("%s in %s and %s", address, keyList, projectList)
                .isEqualTo(expected);
    }

    @Provide
    Arbitrary<List<String>> allowlists() {
        Arbitrary<String> v4 = Combinators.combine(
                        Arbitraries.bytes().array(byte[].class).ofSize(4),
                        Arbitraries.integers().between(0, 32))
                .as(IpAccessTests::cidr);
        Arbitrary<String> v6 = Combinators.combine(
                        Arbitraries.bytes().array(byte[].class).ofSize(16),
                        Arbitraries.integers().between(0, 128))
                .as(IpAccessTests::cidr);
        Arbitrary<String> edges = Arbitraries.of("0.0.0.0/0", "::/0", "255.255.255.255/32", "::/128", "ffff::/16");
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(4, v4), net.jqwik.api.Tuple.of(4, v6), net.jqwik.api.Tuple.of(1, edges))
                .list()
                .ofMaxSize(4);
    }

    /** Where the probe lands: a random address, or the first/last address of a listed range, or one past. */
    record Probe(int entry, int where, byte[] random) {
        byte[] address(List<String> cidrs) {
            if (cidrs.isEmpty() || where == 0) {
                return random;
            }
            Cidr c = Cidr.parse(cidrs.get(entry % cidrs.size()));
            int bits = c.network().getAddress().length * 8;
            BigInteger first = new BigInteger(1, c.network().getAddress());
            BigInteger size = BigInteger.ONE.shiftLeft(bits - c.prefix());
            BigInteger max = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            BigInteger v =
                    switch (where) {
                        case 1 -> first;
                        case 2 -> first.add(size).subtract(BigInteger.ONE);
                        case 3 -> first.subtract(BigInteger.ONE);
                        default -> first.add(size);
                    };
            if (v.signum() < 0 || v.compareTo(max) > 0) {
                return random;
            }
            return toBytes(v, bits / 8);
        }
    }

    @Provide
    Arbitrary<Probe> probes() {
        Arbitrary<byte[]> random = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16));
        return Combinators.combine(
                        Arbitraries.integers().between(0, 7),
                        Arbitraries.integers().between(0, 4),
                        random)
                .as(Probe::new);
    }

    private static boolean reference(List<String> list, byte[] client) {
        if (list.isEmpty()) {
            return true;
        }
        for (String entry : list) {
            String[] parts = entry.split("/");
            byte[] network = address(parts[0]).getAddress();
            int prefix = Integer.parseInt(parts[1]);
            if (network.length != client.length) {
                continue;
            }
            int bits = network.length * 8;
            BigInteger n = new BigInteger(1, network).shiftRight(bits - prefix);
            BigInteger c = new BigInteger(1, client).shiftRight(bits - prefix);
            if (n.equals(c)) {
                return true;
            }
        }
        return false;
    }

    private static String cidr(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = prefix; i < masked.length * 8; i++) {
            masked[i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        InetAddress network = address(masked);
        if (network.getAddress().length != masked.length) {
            return "::/128"; // an IPv4-mapped network: not something an allowlist can hold
        }
        return new Cidr(network, prefix).toString();
    }

    private static byte[] toBytes(BigInteger v, int length) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        return out;
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress address(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    private static String client(IpAccess access, String peer, String... forwardedFor) {
        return access.resolve(peer, List.of(forwardedFor)).getHostAddress();
    }
}
