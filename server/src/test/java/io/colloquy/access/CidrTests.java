package io.colloquy.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CidrTests {

    @Property
    void containsAgreesWithAReferenceOnBigIntegersForIpv4(
            @ForAll("ipv4") byte[] network,
            @ForAll @IntRange(min = 0, max = 32) int prefix,
            @ForAll("ipv4") byte[] probe)
            throws Exception {
        byte[] masked = mask(network, prefix);
        Cidr cidr = new Cidr(InetAddress.getByAddress(masked), prefix);
        assertThat(cidr.contains(InetAddress.getByAddress(probe))).isEqualTo(reference(masked, prefix, probe));
        assertThat(cidr.contains(InetAddress.getByAddress(masked))).isTrue();
    }

    @Property
    void containsAgreesWithAReferenceOnBigIntegersForIpv6(
            @ForAll("ipv6") byte[] network,
            @ForAll @IntRange(min = 0, max = 128) int prefix,
            @ForAll("ipv6") byte[] probe)
            throws Exception {
        byte[] masked = mask(network, prefix);
        Cidr cidr = new Cidr(InetAddress.getByAddress(masked), prefix);
        assertThat(cidr.contains(InetAddress.getByAddress(probe))).isEqualTo(reference(masked, prefix, probe));
    }

    @Provide
    Arbitrary<byte[]> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4);
    }

    @Provide
    Arbitrary<byte[]> ipv6() {
        return Arbitraries.bytes().array(byte[].class).ofSize(16);
    }

    @Test
    void parsesAndNormalisesAndRejectsBadInput() {
        assertThat(Cidr.parse("10.0.0.0/8").toString()).isEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse("192.168.1.7").toString()).isEqualTo("192.168.1.7/32");
        assertThat(Cidr.parse("2001:db8::/32").prefix()).isEqualTo(32);
        for (String bad : new String[] {
            "",
            "10.0.0.1/8",
            "10.0.0.0/33",
            "300.0.0.1",
            "example.com",
            "10.0.0.0/",
            "1.2.3.4/-1",
            "::1/129",
            "10.0.0.0/8/8"
        }) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Cidr.parse("0.0.0.0/0").contains(address("::1"))).isFalse();
    }

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] mask(byte[] a, int prefix) {
        byte[] out = a.clone();
        for (int i = prefix; i < a.length * 8; i++) {
            out[i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        return out;
    }

    private static boolean reference(byte[] network, int prefix, byte[] probe) {
        int bits = network.length * 8;
        BigInteger n = new BigInteger(1, network).shiftRight(bits - prefix);
        BigInteger p = new BigInteger(1, probe).shiftRight(bits - prefix);
        return n.equals(p);
    }
}
