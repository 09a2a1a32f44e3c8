package io.colloquy.screening;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A labelled corpus of chat-like texts generated from a seed: each text holds zero to three pieces of personal data
 * (labelled with their kind and exact spelling) among near-misses that must stay (order, invoice and tracking
 * numbers, dates, timestamps, version strings, hashes, UUIDs, prices, ISBNs, MAC addresses, code). Values are made
 * the way their issuers define them (Luhn check digits and issuer prefixes for cards, mod-97 check digits and each
 * country's format for IBANs, real area codes and numbering plans for phones), independently of the detector.
 */
final class PiiCorpus {
    record Label(PiiType type, String value) {}

    record Sample(String text, List<Label> labels) {}

    private final Random random;
    private final List<Supplier<String>> nearMisses;

    PiiCorpus(long seed) {
        this.random = new Random(seed);
        this.nearMisses = nearMissMakers();
    }

    List<Sample> samples(int n) {
        List<Sample> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            samples.add(sample());
        }
        return samples;
    }

    private Sample sample() {
        StringBuilder text = new StringBuilder();
        List<Label> labels = new ArrayList<>();
        int pieces = 1 + random.nextInt(4);
        for (int i = 0; i < pieces; i++) {
            if (random.nextInt(5) < 3) {
                PiiType type = PiiType.values()[random.nextInt(PiiType.values().length)];
                String value = value(type);
                String[] frame = pick(FRAMES.get(type));
                text.append(frame[0]).append(value).append(frame[1]);
                labels.add(new Label(type, value));
            } else {
                text.append(nearMiss());
            }
            text.append(' ');
        }
        return new Sample(text.toString().strip(), labels);
    }

    private static final Map<PiiType, String[][]> FRAMES = new EnumMap<>(PiiType.class);

    static {
        FRAMES.put(PiiType.EMAIL, new String[][] {
            {"You can write to ", "."},
            {"Contact: ", ""},
            {"cc ", " on the thread please"},
            {"<", "> wrote:"},
            {"My email is ", ", thanks!"},
            {"Send the invoice to ", " by Friday."}
        });
        FRAMES.put(PiiType.PHONE, new String[][] {
            {"Call me at ", "."},
            {"Phone: ", ""},
            {"my cell is ", " after 5pm"},
            {"Tel. ", " (office)"},
            {"You can reach the front desk on ", "."},
            {"WhatsApp ", ""}
        });
        FRAMES.put(PiiType.CARD, new String[][] {
            {"Card number ", " exp 09/27"},
            {"charge it to ", " please"},
            {"my visa is ", "."},
            {"CC: ", ", CVV on the back"},
            {"use the card ", " for the deposit"}
        });
        FRAMES.put(PiiType.IBAN, new String[][] {
            {"IBAN ", "."},
            {"please wire it to ", " by Monday"},
            {"Bank account: ", ""},
            {"pay to ", " (reference invoice)"}
        });
        FRAMES.put(PiiType.SSN, new String[][] {
            {"SSN ", "."}, {"my social security number is ", ""}, {"SSN: ", " (for the W-2)"}, {"ssn ", ", dob on file"}
        });
        FRAMES.put(PiiType.IP_ADDRESS, new String[][] {
            {"Login from ", " was blocked."},
            {"the server at ", " is down"},
            {"client ip ", ""},
            {"ping ", " and tell me"},
            {"allowlist ", " please."}
        });
        FRAMES.put(PiiType.SECRET, new String[][] {
            {"here's the key: ", ""}, {"export OPENAI_API_KEY=", ""}, {"use token ", " for now"},
            {"Authorization: Bearer ", ""}, {"api_key=", "&q=1"}, {"password: ", ""}
        });
    }

    private String value(PiiType type) {
        return switch (type) {
            case EMAIL -> email();
            case PHONE -> phone();
            case CARD -> card();
            case IBAN -> iban();
            case SSN -> ssn();
            case IP_ADDRESS -> random.nextInt(3) == 0 ? ipv6() : ipv4();
            case SECRET -> secret();
        };
    }

    private static final String[] FIRST = {"anna", "john", "maria", "li", "omar", "sofia", "kwame", "eva", "raj", "ines"
    };
    private static final String[] LAST = {"smith", "garcia", "mueller", "chen", "okafor", "rossi", "dubois", "patel"};
    private static final String[] DOMAINS = {
        "example.com", "mail.co.uk", "corp.io", "uni.edu", "gmail.com", "firma.de", "agency.gov", "shop.fr"
    };

    private String email() {
        String local =
                switch (random.nextInt(4)) {
                    case 0 -> pick(FIRST) + "." + pick(LAST);
                    case 1 -> pick(FIRST) + "_" + pick(LAST) + random.nextInt(100);
                    case 2 -> pick(FIRST).charAt(0) + pick(LAST) + "+news";
                    default -> pick(FIRST).toUpperCase(java.util.Locale.ROOT) + "." + pick(LAST);
                };
        return local + "@" + pick(DOMAINS);
    }

    private static final int[] AREA_CODES = {
        201, 202, 206, 212, 213, 305, 312, 404, 415, 503, 512, 602, 617, 646, 702, 704, 713, 718, 801, 919
    };

    private String phone() {
        String area = Integer.toString(AREA_CODES[random.nextInt(AREA_CODES.length)]);
        String exchange = Integer.toString(200 + random.nextInt(800));
        if (exchange.endsWith("11") || exchange.equals("555")) {
            exchange = "456";
        }
        String line = String.format("%04d", random.nextInt(10_000));
        return switch (random.nextInt(10)) {
            case 0 -> "(" + area + ") " + exchange + "-" + line;
            case 1 -> area + "-" + exchange + "-" + line;
            case 2 -> area + "." + exchange + "." + line;
            case 3 -> "+1 " + area + " " + exchange + " " + line;
            case 4 -> "+1" + area + exchange + line;
            case 5 -> "+44 20 7946 0" + String.format("%03d", random.nextInt(1000));
            case 6 -> "020 7" + String.format("%03d", random.nextInt(1000)) + " " + line;
            case 7 -> "+49 30 " + (1000_0000 + random.nextInt(8000_0000));
            case 8 -> "01 42 " + twoDigits() + " " + twoDigits() + " " + twoDigits();
            default -> "+33 6 " + (10 + random.nextInt(80)) + " " + twoDigits() + " " + twoDigits() + " " + twoDigits();
        };
    }

    private String twoDigits() {
        return String.format("%02d", random.nextInt(100));
    }

    private static final String[][] ISSUERS = {
        {"4", "16"},
        {"4", "13"},
        {"51", "16"},
        {"55", "16"},
        {"2221", "16"},
        {"37", "15"},
        {"34", "15"},
        {"6011", "16"},
        {"65", "16"},
        {"36", "14"},
        {"3530", "16"}
    };

    private String card() {
        String[] issuer = pick(ISSUERS);
        int length = Integer.parseInt(issuer[1]);
        StringBuilder d = new StringBuilder(issuer[0]);
        while (d.length() < length - 1) {
            d.append(random.nextInt(10));
        }
        d.append(luhnDigit(d.toString()));
        String digits = d.toString();
        return switch (random.nextInt(3)) {
            case 0 -> digits;
            case 1 ->
                length == 15
                        ? digits.substring(0, 4) + " " + digits.substring(4, 10) + " " + digits.substring(10)
                        : String.join(" ", groups(digits, 4));
            default -> String.join("-", groups(digits, 4));
        };
    }

    static int luhnDigit(String payload) {
        int sum = 0;
        for (int i = payload.length() - 1, k = 0; i >= 0; i--, k++) {
            int v = payload.charAt(i) - '0';
            if (k % 2 == 0) {
                v *= 2;
                if (v > 9) {
                    v -= 9;
                }
            }
            sum += v;
        }
        return (10 - sum % 10) % 10;
    }

    /** Country code, then the BBAN's shape: n digits, a upper-case letters, c alphanumerics. */
    private static final String[][] IBAN_FORMATS = {
        {"DE", "18n"},
        {"GB", "4a14n"},
        {"FR", "10n11c2n"},
        {"NL", "4a10n"},
        {"ES", "20n"},
        {"IT", "1a10n12c"},
        {"BE", "12n"},
        {"CH", "5n12c"}
    };

    private String iban() {
        String[] format = pick(IBAN_FORMATS);
        StringBuilder bban = new StringBuilder();
        java.util.regex.Matcher part =
                java.util.regex.Pattern.compile("(\\d+)([nac])").matcher(format[1]);
        while (part.find()) {
            int n = Integer.parseInt(part.group(1));
            for (int i = 0; i < n; i++) {
                bban.append(
                        switch (part.group(2)) {
                            case "n" -> (char) ('0' + random.nextInt(10));
                            case "a" -> (char) ('A' + random.nextInt(26));
                            default ->
                                random.nextBoolean()
                                        ? (char) ('0' + random.nextInt(10))
                                        : (char) ('A' + random.nextInt(26));
                        });
            }
        }
        String check = String.format("%02d", 98 - mod97(bban + format[0] + "00"));
        String iban = format[0] + check + bban;
        return random.nextBoolean() ? iban : String.join(" ", groups(iban, 4));
    }

    static int mod97(String s) {
        StringBuilder digits = new StringBuilder();
        for (char c : s.toCharArray()) {
            digits.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
        }
        return new BigInteger(digits.toString()).mod(BigInteger.valueOf(97)).intValue();
    }

    private String ssn() {
        int area = 1 + random.nextInt(899);
        if (area == 666) {
            area = 667;
        }
        String s = String.format("%03d-%02d-%04d", area, 1 + random.nextInt(99), 1 + random.nextInt(9999));
        return s;
    }

    private String ipv4() {
        return (1 + random.nextInt(223)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                + (1 + random.nextInt(254));
    }

    private String ipv6() {
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            groups.add(Integer.toHexString(random.nextInt(0x10000)));
        }
        if (random.nextBoolean()) {
            return "2001:db8:" + groups.get(2) + "::" + groups.get(6) + ":" + groups.get(7);
        }
        return String.join(":", groups);
    }

    private static final String BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private String secret() {
        return switch (random.nextInt(9)) {
            case 0 -> "sk-proj-" + chars(BASE62, 48);
            case 1 -> "ghp_" + chars(BASE62, 36);
            case 2 -> "AKIA" + chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            case 3 -> "xoxb-" + chars("0123456789", 12) + "-" + chars(BASE62, 24);
            case 4 -> "AIza" + chars(BASE62 + "_-", 35);
            case 5 -> "sk_live_" + chars(BASE62, 24);
            case 6 -> "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi" + chars(BASE62, 20) + "." + chars(BASE62 + "_-", 43);
            case 7 -> "glpat-" + chars(BASE62, 20);
            default -> chars(BASE62, 32 + random.nextInt(16));
        };
    }

    private String chars(String alphabet, int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private String digits(int n) {
        return chars("0123456789", n);
    }

    private List<Supplier<String>> nearMissMakers() {
        return List.of(
                () -> "Order #" + digits(8 + random.nextInt(9)) + " has shipped.",
                () -> "order number " + String.join(" ", groups(digits(16), 4)) + " is confirmed",
                () -> "Invoice " + digits(10) + " is due.",
                () -> "Tracking: 1Z" + chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16) + ".",
                () -> "tracking number " + String.join(" ", groups(digits(22), 4)),
                () -> "USPS tracking " + digits(20) + " arrives Tuesday",
                () -> "See you on " + (2020 + random.nextInt(8)) + "-" + String.format("%02d", 1 + random.nextInt(12))
                        + "-" + String.format("%02d", 1 + random.nextInt(28)) + ".",
                () -> "Due " + String.format("%02d/%02d/%d", 1 + random.nextInt(12), 1 + random.nextInt(28), 2024)
                        + ".",
                () -> "meeting at "
                        + String.format("%02d:%02d:%02d", random.nextInt(24), random.nextInt(60), random.nextInt(60)),
                () -> "logged at " + (2020 + random.nextInt(8)) + "-0" + (1 + random.nextInt(9)) + "-1"
                        + random.nextInt(10) + "T"
                        + String.format("%02d:%02d:%02d", random.nextInt(24), random.nextInt(60), random.nextInt(60))
                        + "Z",
                () -> "epoch " + (1_600_000_000L + random.nextInt(200_000_000)),
                () -> "Upgrade to v" + random.nextInt(20) + "." + random.nextInt(30) + "." + random.nextInt(10)
                        + " today.",
                () -> "running version " + random.nextInt(12) + "." + random.nextInt(10) + "." + random.nextInt(10)
                        + "." + random.nextInt(10),
                () -> "Windows build 10.0." + (19000 + random.nextInt(3000)) + "." + random.nextInt(2000),
                () -> "commit " + chars("0123456789abcdef", 40),
                () -> "request id " + java.util.UUID.nameUUIDFromBytes(digits(8).getBytes()),
                () -> "It costs $" + random.nextInt(100) + "," + digits(3) + "." + digits(2) + " in total.",
                () -> "ISBN 978-" + random.nextInt(10) + "-" + digits(3) + "-" + digits(5) + "-" + random.nextInt(10),
                () -> "MAC 00:1a:" + chars("0123456789abcdef", 2) + ":" + chars("0123456789abcdef", 2) + ":3c:4d",
                () -> "call std::vector<int>::size() in the loop",
                () -> "ZIP " + digits(5) + "-" + digits(4) + " is in the city.",
                () -> "Quantity " + random.nextInt(1000) + ", SKU " + chars("ABCDEFGHJKLMNPQRSTUVWXYZ", 3) + "-"
                        + digits(6),
                () -> "the ratio was 3.14159 and 2.71828",
                () -> "see https://docs.example.org/guide/v2/install?step=" + random.nextInt(9),
                () -> "Room 4" + digits(2) + ", floor " + random.nextInt(20) + ".",
                () -> "the variable ThisIsAVeryLongIdentifierName is unused",
                () -> "hex colour #" + chars("0123456789abcdef", 6) + " and rgb(12, 34, 56)",
                () -> "Confirmation code " + chars("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6) + ".");
    }

    private String nearMiss() {
        return nearMisses.get(random.nextInt(nearMisses.size())).get();
    }

    private static List<String> groups(String s, int size) {
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < s.length(); i += size) {
            groups.add(s.substring(i, Math.min(s.length(), i + size)));
        }
        return groups;
    }

    private <T> T pick(T[] options) {
        return options[random.nextInt(options.length)];
    }
}
