package io.colloquy.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard's matrix. Names resolve through a fixed table (the {@link EgressGuard.Resolver} seam),
 * so nothing here touches DNS or the network, and every refused case records that it was never resolved
 * to anything the caller could connect to.
 */
class EgressGuardTests {
    private final List<String> lookups = new ArrayList<>();
    private final Map<String, List<InetAddress>> dns = Map.of(
            "public.example", List.of(ip("93.184.215.14")),
            "public6.example", List.of(ip("2606:2800:21f:cb07:6820:80da:af6b:8b2c")),
            "private.example", List.of(ip("10.1.2.3")),
            "loopback.example", List.of(ip("127.0.0.1")),
            "metadata.example", List.of(ip("169.254.169.254")),
            "rebinding.example", List.of(ip("93.184.215.14"), ip("192.168.1.1")),
            "rebinding6.example", List.of(ip("2606:2800:21f:cb07:6820:80da:af6b:8b2c"), ip("fd00:ec2::254")),
            "mapped.example", List.of(mappedV6(127, 0, 0, 1)),
            "nat64.example", List.of(ip("64:ff9b::7f00:1")));
    private final EgressGuard guard = new EgressGuard(this::resolve, false, false);

    private List<InetAddress> resolve(String host) throws UnknownHostException {
        lookups.add(host);
        List<InetAddress> found = dns.get(host);
        if (found == null) {
            throw new UnknownHostException(host);
        }
        return found;
    }

    @Test
    void acceptsHttpsToAPublicNameAndConnectsToTheAddressItChecked() throws Exception {
        EgressGuard.Target t = guard.check("https://public.example/hooks?x=1");
        assertThat(t.host()).isEqualTo("public.example");
        assertThat(t.port()).isEqualTo(443);
        assertThat(t.address()).isEqualTo(ip("93.184.215.14"));
        assertThat(lookups).containsExactly("public.example");
    }

    @Test
    void acceptsPublicIpv6AndPublicLiterals() throws Exception {
        assertThat(guard.check("https://public6.example:8443/").port()).isEqualTo(8443);
        assertThat(guard.check("https://93.184.215.14/").address()).isEqualTo(ip("93.184.215.14"));
        assertThat(guard.check("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/")
                        .address())
                .isEqualTo(ip("2606:2800:21f:cb07:6820:80da:af6b:8b2c"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // loopback, "this network", unspecified
                "https://127.0.0.1/",
                "https://127.255.0.1/",
                "https://0.0.0.0/",
                "https://0.1.2.3/",
                "https://[::1]/",
                "https://[::]/",
                // private
                "https://10.0.0.1/",
                "https://172.16.0.1/",
                "https://172.31.255.255/",
                "https://192.168.0.1/",
                // CGNAT, link-local, metadata
                "https://100.64.0.1/",
                "https://100.127.255.254/",
                "https://169.254.0.1/",
                "https://169.254.169.254/",
                "https://[fe80::1]/",
                "https://[fd00:ec2::254]/",
                // multicast, broadcast, reserved, documentation, benchmarking
                "https://224.0.0.1/",
                "https://239.255.255.250/",
                "https://255.255.255.255/",
                "https://240.0.0.1/",
                "https://192.0.2.1/",
                "https://198.18.0.1/",
                "https://203.0.113.9/",
                "https://[ff02::1]/",
                // unique-local, IPv4-mapped and -compatible, NAT64, 6to4, Teredo, site-local, documentation
                "https://[fc00::1]/",
                "https://[fdff::1]/",
                "https://[::ffff:127.0.0.1]/",
                "https://[::ffff:8.8.8.8]/",
                "https://[::ffff:7f00:1]/",
                "https://[::127.0.0.1]/",
                "https://[::8.8.8.8]/",
                "https://[64:ff9b::7f00:1]/",
                "https://[64:ff9b::808:808]/",
                "https://[2002:7f00:1::]/",
                "https://[2001:0:4136:e378::1]/",
                "https://[fec0::1]/",
                "https://[2001:db8::1]/",
                "https://[fe80::1%25eth0]/",
                // decimal, octal, hex and short IPv4 spellings
                "https://2130706433/",
                "https://0x7f.1/",
                "https://0x7f000001/",
                "https://017700000001/",
                "https://0177.0.0.1/",
                "https://127.1/",
                "https://127.0.1/",
                "https://0x7f.0x0.0x0.0x1/",
                "https://08.8.8.8/",
                "https://3232235777/",
                "https://foo.0x7f/",
                "https://foo.1/",
                // names
                "https://localhost/",
                "https://LOCALHOST./",
                "https://api.localhost/",
                "https://metadata.google.internal/",
                "https://metadata.google.internal./",
                "https://metadata/",
                "https://metadata.goog/",
                "https://printer.local/",
                // names resolving to refused addresses, and rebinding: public first, private second
                "https://private.example/",
                "https://loopback.example/",
                "https://metadata.example/",
                "https://rebinding.example/",
                "https://rebinding6.example/",
                "https://mapped.example/",
                "https://nat64.example/",
                // not https, credentials, no host, unresolvable
                "http://public.example/",
                "ftp://public.example/",
                "file:///etc/passwd",
                "https://user:pw@public.example/",
                "https://public.example/#frag",
                "https:///nohost",
                "not a url",
                "https://unknown.example/",
                "gopher://public.example/",
                "https://ex_ample.com/"
            })
    void refuses(String url) {
        assertThatThrownBy(() -> guard.check(url)).isInstanceOf(EgressGuard.Refused.class);
    }

    @Test
    void neverResolvesANumericSpellingOrAReservedName() {
        for (String url : List.of(
                "https://2130706433/",
                "https://0x7f.1/",
                "https://017700000001/",
                "https://localhost/",
                "https://metadata.google.internal/")) {
            assertThatThrownBy(() -> guard.check(url)).isInstanceOf(EgressGuard.Refused.class);
        }
        assertThat(lookups).isEmpty();
    }

    @Test
    void refusesAnIpv6AddressHoldingAnIpv4MappedAddressFromTheResolver() throws Exception {
        assertThat(guard.refused(mappedV6(8, 8, 8, 8))).isTrue();
        assertThat(guard.refused(ip("8.8.8.8"))).isFalse();
    }

    @Test
    void plainHttpOnlyWithTheOperatorsDevelopmentSetting() throws Exception {
        EgressGuard dev = new EgressGuard(this::resolve, true, false);
        assertThat(dev.check("http://public.example/").port()).isEqualTo(80);
        assertThatThrownBy(() -> dev.check("http://private.example/")).isInstanceOf(EgressGuard.Refused.class);
    }

    @Test
    void loopbackOnlyWithTheTestSettingAndStillNoPrivateAddress() throws Exception {
        EgressGuard tests = new EgressGuard(this::resolve, false, true);
        assertThat(tests.check("https://127.0.0.1:8443/").address()).isEqualTo(ip("127.0.0.1"));
        assertThat(tests.check("https://[::1]:8443/").address()).isEqualTo(ip("::1"));
        assertThat(tests.check("https://loopback.example/").address()).isEqualTo(ip("127.0.0.1"));
        for (String url : List.of(
                "https://10.0.0.1/", "https://169.254.169.254/", "https://private.example/", "https://2130706433/")) {
            assertThatThrownBy(() -> tests.check(url)).isInstanceOf(EgressGuard.Refused.class);
        }
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    private static InetAddress mappedV6(int a, int b, int c, int d) {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        bytes[12] = (byte) a;
        bytes[13] = (byte) b;
        bytes[14] = (byte) c;
        bytes[15] = (byte) d;
        try {
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
