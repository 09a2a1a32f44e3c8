package io.colloquy.screening;

import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.validator.routines.EmailValidator;
import org.apache.commons.validator.routines.IBANValidator;
import org.apache.commons.validator.routines.InetAddressValidator;
import org.apache.commons.validator.routines.checkdigit.LuhnCheckDigit;

/**
 * Finds personal data and secrets in a text. Every kind is found by a candidate pattern and then validated the
 * way its issuer defines it (libphonenumber's numbering plans, IBAN country formats and mod-97, Luhn and issuer
 * prefixes, the e-mail syntax and IANA's top-level domains, IP address syntax); near-misses that look alike (order,
 * tracking and invoice numbers, dates, version strings, timestamps) are told apart by the validation and by the
 * words just before them. Where two findings overlap, the kind found first in {@link #find}'s order wins.
 */
final class PiiDetector {
    private PiiDetector() {}

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final EmailValidator EMAILS = EmailValidator.getInstance(false, false);
    private static final IBANValidator IBANS = IBANValidator.getInstance();
    private static final InetAddressValidator ADDRESSES = InetAddressValidator.getInstance();

    /** National forms are read as these countries write them; international forms ({@code +…}) from anywhere. */
    private static final List<String> NATIONAL_REGIONS = List.of("US", "GB", "DE", "FR");

    /** Words right before a number that make it an identifier of something else, never personal data. */
    private static final Pattern NOT_PERSONAL = Pattern.compile(
            "(?i)\\b(?:order|invoice|tracking|shipment|parcel|package|reference|ref|confirmation|booking|ticket|serial|"
                    + "isbn|sku|part|model|build|version|release|case|po|transaction|txn|receipt|zip|postal|postcode)\\b"
                    + "(?:\\s*(?:number|num|id|code|no|nr)\\b\\.?)?[\\s#:.-]*$");

    private static final Pattern VERSION_BEFORE = Pattern.compile("(?i)(?:\\bv|version\\s?|release\\s?)$");
    private static final Pattern PHONE_CONTEXT = Pattern.compile(
            "(?i)(?:phone|tel|telephone|call|mobile|cell|fax|whatsapp|sms|text|reach|number|nr|ring)\\b[\\s.:#-]*$");

    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----[\\s\\S]{16,8192}?-----END [A-Z ]{0,20}PRIVATE KEY-----");
    private static final Pattern KNOWN_SECRET = Pattern.compile("(?<![A-Za-z0-9_-])(?:"
            + "sk-(?:proj-|ant-(?:api03-)?)?[A-Za-z0-9_-]{20,}"
            + "|gh[pousr]_[A-Za-z0-9]{36,}"
            + "|github_pat_[A-Za-z0-9_]{40,}"
            + "|(?:AKIA|ASIA)[A-Z0-9]{16}"
            + "|xox[abprs]-[A-Za-z0-9-]{10,}"
            + "|AIza[0-9A-Za-z_-]{35}"
            + "|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"
            + "|glpat-[A-Za-z0-9_-]{20,}"
            + "|npm_[A-Za-z0-9]{36}"
            + "|hf_[A-Za-z0-9]{30,}"
            + "|cq_key_[0-9a-f]{32}_[A-Za-z0-9_-]{16,}"
            + "|eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"
            + ")(?![A-Za-z0-9_-])");
    /**
     * {@code api_key = "…"}, {@code my_client_secret: …}, {@code Authorization: Bearer …}: the value is the secret. The
     * keyword starts after anything but a letter or digit (so also after {@code _} or {@code -}); no repeated group,
     * whose matching would recurse once per repetition and overflow the stack on a long input.
     */
    private static final Pattern ASSIGNED_SECRET = Pattern.compile("(?i)(?:(?<![a-z0-9])(?:api[_-]?key|apikey|secret|"
            + "secret[_-]?key|client[_-]?secret|access[_-]?key|access[_-]?token|auth[_-]?token|token|password|passwd|pwd)"
            + "[\"']?\\s{0,3}[:=]\\s{0,3}[\"']?|\\bbearer\\s+)([^\\s\"'`,;&<>()\\[\\]{}]{8,256})");

    private static final Pattern HIGH_ENTROPY =
            Pattern.compile("(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/-]{24,256}={0,2}" + "(?![A-Za-z0-9_+/=-])");

    private static final Pattern EMAIL = Pattern.compile("(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
            + "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])");
    private static final Pattern IBAN_START = Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?=[ ]?[A-Z0-9])");
    private static final Pattern CARD = Pattern.compile("(?<!\\d)(?<!\\d[ -])\\d(?:[ -]?\\d){12,18}(?![ -]?\\d)");
    private static final Pattern SSN = Pattern.compile("(?<![\\d-])(\\d{3})([- ]?)(\\d{2})\\2(\\d{4})(?![\\d-])");
    private static final Pattern SSN_CONTEXT =
            Pattern.compile("(?i)(?:ssn|social security(?: number| no\\.?)?|ss#)[\\s.:#-]*$");
    private static final Pattern IPV4 = Pattern.compile("(?<![\\w.])(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\.?\\w)(?!\\.\\d)");
    private static final Pattern IPV6 = Pattern.compile("(?<![\\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
            + "(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{0,4})(?![\\w:]|\\.\\d)");
    private static final Pattern DATE_LIKE = Pattern.compile(
            "\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}|\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{2,4}|\\d{1,2}:\\d{2}(?::\\d{2})?");

    /** Every finding in the text, in text order, none overlapping another. */
    static List<PiiFinding> find(String text) {
        List<PiiFinding> candidates = new ArrayList<>();
        secrets(text, candidates);
        emails(text, candidates);
        ibans(text, candidates);
        cards(text, candidates);
        ssns(text, candidates);
        addresses(text, candidates);
        phones(text, candidates);
        List<PiiFinding> kept = new ArrayList<>();
        for (PiiFinding c : candidates) {
            if (kept.stream().noneMatch(c::overlaps)) {
                kept.add(c);
            }
        }
        kept.sort(Comparator.comparingInt(PiiFinding::start));
        return kept;
    }

    private static void secrets(String text, List<PiiFinding> out) {
        add(text, PRIVATE_KEY.matcher(text), 0, PiiType.SECRET, out);
        add(text, KNOWN_SECRET.matcher(text), 0, PiiType.SECRET, out);
        Matcher assigned = ASSIGNED_SECRET.matcher(text);
        while (assigned.find()) {
            String value = assigned.group(1);
            if (classes(value) >= 2 || value.length() >= 16) {
                out.add(new PiiFinding(PiiType.SECRET, assigned.start(1), assigned.end(1), value));
            }
        }
        Matcher m = HIGH_ENTROPY.matcher(text);
        while (m.find()) {
            if (looksRandom(m.group())) {
                out.add(new PiiFinding(PiiType.SECRET, m.start(), m.end(), m.group()));
            }
        }
    }

    /** Upper and lower case letters and digits, none of them rare, and a high Shannon entropy per character. */
    static boolean looksRandom(String s) {
        int upper = 0;
        int lower = 0;
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                upper++;
            } else if (c >= 'a' && c <= 'z') {
                lower++;
            } else if (c >= '0' && c <= '9') {
                digits++;
            }
        }
        return upper >= 2 && lower >= 2 && digits >= 2 && entropy(s) >= 4.0;
    }

    static double entropy(String s) {
        int[] counts = new int[128];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 128) {
                counts[c]++;
                n++;
            }
        }
        double bits = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = (double) count / n;
                bits -= p * Math.log(p) / Math.log(2);
            }
        }
        return bits;
    }

    private static int classes(String s) {
        boolean letters = s.chars().anyMatch(Character::isLetter);
        boolean digits = s.chars().anyMatch(Character::isDigit);
        boolean other = s.chars().anyMatch(c -> !Character.isLetterOrDigit(c));
        return (letters ? 1 : 0) + (digits ? 1 : 0) + (other ? 1 : 0);
    }

    private static void emails(String text, List<PiiFinding> out) {
        Matcher m = EMAIL.matcher(text);
        while (m.find()) {
            if (EMAILS.isValid(m.group())) {
                out.add(new PiiFinding(PiiType.EMAIL, m.start(), m.end(), m.group()));
            }
        }
    }

    /** An IBAN is the longest run from its country code, in groups of up to four, that is a valid IBAN. */
    private static void ibans(String text, List<PiiFinding> out) {
        Matcher m = IBAN_START.matcher(text);
        while (m.find()) {
            List<Integer> ends = new ArrayList<>();
            StringBuilder compact = new StringBuilder(m.group());
            List<String> compacts = new ArrayList<>();
            int i = m.end();
            while (i < text.length() && compact.length() < 34) {
                if (text.charAt(i) == ' ' && i + 1 < text.length() && isIbanChar(text.charAt(i + 1))) {
                    ends.add(i);
                    compacts.add(compact.toString());
                    i++;
                    continue;
                }
                if (!isIbanChar(text.charAt(i))) {
                    break;
                }
                compact.append(text.charAt(i++));
            }
            if (i >= text.length() || !Character.isLetterOrDigit(text.charAt(i))) {
                ends.add(i);
                compacts.add(compact.toString());
            }
            for (int k = ends.size() - 1; k >= 0; k--) {
                if (IBANS.isValid(compacts.get(k))) {
                    int end = ends.get(k);
                    out.add(new PiiFinding(PiiType.IBAN, m.start(), end, text.substring(m.start(), end)));
                    break;
                }
            }
        }
    }

    private static boolean isIbanChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static void cards(String text, List<PiiFinding> out) {
        Matcher m = CARD.matcher(text);
        while (m.find()) {
            String raw = m.group();
            String digits = raw.replaceAll("[ -]", "");
            boolean oneSeparator = !(raw.contains(" ") && raw.contains("-"));
            if (oneSeparator
                    && knownIssuer(digits)
                    && LuhnCheckDigit.LUHN_CHECK_DIGIT.isValid(digits)
                    && !NOT_PERSONAL.matcher(before(text, m.start())).find()) {
                out.add(new PiiFinding(PiiType.CARD, m.start(), m.end(), raw));
            }
        }
    }

    /** Visa, Mastercard, American Express, Discover, Diners Club, JCB and UnionPay: prefixes and lengths. */
    static boolean knownIssuer(String d) {
        int n = d.length();
        int two = Integer.parseInt(d.substring(0, 2));
        int four = Integer.parseInt(d.substring(0, 4));
        int three = Integer.parseInt(d.substring(0, 3));
        if (d.charAt(0) == '4') {
            return n == 13 || n == 16 || n == 19;
        }
        if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) {
            return n == 16;
        }
        if (two == 34 || two == 37) {
            return n == 15;
        }
        if (four == 6011 || two == 65 || (three >= 644 && three <= 649)) {
            return n >= 16 && n <= 19;
        }
        if ((three >= 300 && three <= 305) || two == 36 || two == 38 || two == 39) {
            return n >= 14 && n <= 19;
        }
        if (four >= 3528 && four <= 3589) {
            return n >= 16 && n <= 19;
        }
        return two == 62 && n >= 16 && n <= 19;
    }

    private static void ssns(String text, List<PiiFinding> out) {
        Matcher m = SSN.matcher(text);
        while (m.find()) {
            int area = Integer.parseInt(m.group(1));
            boolean valid = area != 0
                    && area != 666
                    && area < 900
                    && !m.group(3).equals("00")
                    && !m.group(4).equals("0000");
            boolean dashed = m.group(2).equals("-");
            if (valid && (dashed || SSN_CONTEXT.matcher(before(text, m.start())).find())) {
                out.add(new PiiFinding(PiiType.SSN, m.start(), m.end(), m.group()));
            }
        }
    }

    private static void addresses(String text, List<PiiFinding> out) {
        Matcher v4 = IPV4.matcher(text);
        while (v4.find()) {
            if (validIpv4(v4.group())
                    && !VERSION_BEFORE.matcher(before(text, v4.start())).find()) {
                out.add(new PiiFinding(PiiType.IP_ADDRESS, v4.start(), v4.end(), v4.group()));
            }
        }
        Matcher v6 = IPV6.matcher(text);
        while (v6.find()) {
            String s = v6.group();
            long colons = s.chars().filter(c -> c == ':').count();
            long hexDigits = s.chars().filter(c -> Character.digit(c, 16) >= 0).count();
            boolean shaped = s.contains("::") || colons == 7;
            if (shaped
                    && hexDigits >= 3
                    && s.chars().anyMatch(Character::isDigit)
                    && ADDRESSES.isValidInet6Address(s)) {
                out.add(new PiiFinding(PiiType.IP_ADDRESS, v6.start(), v6.end(), s));
            }
        }
    }

    /** Four decimal octets without leading zeros. */
    private static boolean validIpv4(String s) {
        for (String octet : s.split("\\.")) {
            if (octet.length() > 1 && octet.charAt(0) == '0') {
                return false;
            }
            if (Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * Numbers libphonenumber finds and holds valid for their numbering plan: international forms ({@code +44 …},
     * {@code 00 49 …}) always; national forms of {@link #NATIONAL_REGIONS} only when written like a phone number
     * (separated or in parentheses, or right after a word such as "phone"), never when shaped like a date or time,
     * and never after a word that makes them an order, tracking or similar number.
     */
    private static void phones(String text, List<PiiFinding> out) {
        if (text.chars().filter(c -> c >= '0' && c <= '9').count() < 7) {
            return; // no numbering plan has shorter numbers written with their area code
        }
        for (String region : NATIONAL_REGIONS) {
            for (PhoneNumberMatch match : PHONES.findNumbers(text, region, PhoneNumberUtil.Leniency.VALID, 10_000)) {
                String raw = match.rawString();
                String prefix = before(text, match.start());
                if (NOT_PERSONAL.matcher(prefix).find()
                        || DATE_LIKE.matcher(raw).matches()) {
                    continue;
                }
                boolean international = raw.startsWith("+") || raw.startsWith("00");
                if (!international) {
                    boolean written = raw.matches(".*\\d[ .()-]+\\d.*") || raw.startsWith("(");
                    boolean trunk = region.equals("US") || raw.startsWith("0");
                    if (!trunk || !(written || PHONE_CONTEXT.matcher(prefix).find())) {
                        continue;
                    }
                }
                out.add(new PiiFinding(PiiType.PHONE, match.start(), match.end(), raw));
            }
        }
    }

    /** The normalized value by which a session knows a finding again (so two spellings get one placeholder). */
    static String normalized(PiiFinding f) {
        return switch (f.type()) {
            case EMAIL, IP_ADDRESS -> f.value().toLowerCase(Locale.ROOT);
            case CARD, SSN -> f.value().replaceAll("[^0-9]", "");
            case IBAN -> f.value().replace(" ", "");
            case PHONE -> e164(f.value());
            case SECRET -> f.value();
        };
    }

    private static String e164(String raw) {
        for (String region : NATIONAL_REGIONS) {
            try {
                Phonenumber.PhoneNumber n = PHONES.parse(raw, region);
                if (PHONES.isValidNumber(n)) {
                    return PHONES.format(n, PhoneNumberUtil.PhoneNumberFormat.E164);
                }
            } catch (com.google.i18n.phonenumbers.NumberParseException e) {
                // try the next region's reading
            }
        }
        return raw.replaceAll("[^0-9+]", "");
    }

    private static void add(String text, Matcher m, int group, PiiType type, List<PiiFinding> out) {
        while (m.find()) {
            out.add(new PiiFinding(type, m.start(group), m.end(group), m.group(group)));
        }
    }

    /** Up to 32 characters before {@code index}, for the words that tell what a number is. */
    private static String before(String text, int index) {
        return text.substring(Math.max(0, index - 32), index);
    }
}
