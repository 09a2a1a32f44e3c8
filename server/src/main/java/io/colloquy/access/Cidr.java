package io.colloquy.access;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 CIDR range, normalised (host bits must be zero; a bare address is a /32 or /128). */
public record Cidr(InetAddress network, int prefix) {
    public static final int MAX_ENTRIES = 100;
    private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]+");

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix out of range");
        }
        byte[] a = network.getAddress();
        for (int i = prefix; i < bits; i++) {
            if ((a[i / 8] & (0x80 >>> (i % 8))) != 0) {
                throw new IllegalArgumentException("host bits set");
            }
        }
    }

    /** Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a bare address; throws IllegalArgumentException. */
    public static Cidr parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length > 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("not a CIDR");
        }
        String address = parts[0];
        boolean v4 = V4.matcher(address).matches();
        if (!v4 && !(address.contains(":") && V6.matcher(address).matches())) {
            throw new IllegalArgumentException("not an IP address");
        }
        InetAddress network;
        try {
            network = InetAddress.ofLiteral(address); // a literal only: never a DNS lookup
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address");
        }
        int bits = network.getAddress().length * 8;
        int prefix = bits;
        if (parts.length == 2) {
            if (!parts[1].matches("\\d{1,3}")) {
                throw new IllegalArgumentException("bad prefix length");
            }
            prefix = Integer.parseInt(parts[1]);
        }
        return new Cidr(network, prefix);
    }

    /** Parses and normalises a client-supplied list; the problem names the first bad entry. */
    public static List<Cidr> parseAll(List<String> entries) {
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("at most " + MAX_ENTRIES + " entries");
        }
        List<Cidr> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i);
            try {
                out.add(parse(entry == null ? "" : entry.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "entry " + i + " is not a valid IPv4 or IPv6 CIDR (" + e.getMessage() + ")");
            }
        }
        return List.copyOf(out);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        for (int i = 0; i < prefix; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((a[i / 8] & mask) != (n[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
