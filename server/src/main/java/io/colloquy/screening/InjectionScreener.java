package io.colloquy.screening;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scores a text for prompt injection: patterns of the five known families (instruction override, role
 * impersonation, system-prompt extraction, data-exfiltration links, encoded payloads), each with a weight, combined
 * as independent evidence ({@code 1 - Π(1 - w)}). The text is first normalized (NFKC, so full-width and other
 * compatibility letters read as ASCII; zero-width characters and soft hyphens removed, so they can't split a
 * keyword); base64 and hex runs and Unicode tag characters (U+E0000..U+E007F, invisible) are decoded and the decoded
 * text screened again (one level deep). Text that talks <em>about</em> injection (security training, a warning, an
 * example "such as ...") weighs half: it still shows, it rarely crosses a threshold on its own. Deterministic and
 * explainable: every label comes from a named pattern; see docs/screening.md for what it misses.
 */
public final class InjectionScreener {
    private InjectionScreener() {}

    private record Rule(String label, double weight, Pattern pattern) {}

    private static final String QUALIFIER =
            "(?:previous|prior|above|earlier|preceding|original|initial|system|existing|all|any|every|your|these)";
    private static final String ORDERS = "(?:instructions?|prompts?|rules|directions|directives|guidelines|guardrails"
            + "|commands|context|programming|constraints|restrictions|policies|polic(?:y|ies)|safety (?:rules|filters))";

    private static final List<Rule> RULES = List.of(
            rule(
                    Screening.INSTRUCTION_OVERRIDE,
                    0.9,
                    "\\b(?:ignore|disregard|forget|override|bypass|drop|abandon|discard)\\b[\\s,]+(?:(?:all|any|of|the|your"
                            + "|my|these|those|everything|above|and|that|you were told|you've been given)\\s+){0,4}"
                            + QUALIFIER + "\\s+(?:\\w+\\s+)?" + ORDERS + "\\b"),
            rule(
                    Screening.INSTRUCTION_OVERRIDE,
                    0.8,
                    "\\b(?:do not|don't|never|stop)\\s+(?:follow|obey|adhere to|comply with|listen to)(?:ing)?\\s+(?:your|the"
                            + "|any|those|these)\\s+(?:\\w+\\s+)?" + ORDERS + "\\b"),
            rule(
                    Screening.INSTRUCTION_OVERRIDE,
                    0.7,
                    "\\b(?:new|updated|revised|real|actual|true)\\s+(?:system\\s+)?(?:instructions|rules|prompt|directives)"
                            + "\\s*(?:[:：]|are\\b|follow\\b)"),
            rule(
                    Screening.INSTRUCTION_OVERRIDE,
                    0.5,
                    "\\bfrom now on,?\\s+(?:you|your)\\s+(?:will|must|shall|are|should|only|respond|answer|reply)\\b"),
            rule(
                    Screening.INSTRUCTION_OVERRIDE,
                    0.6,
                    "\\b(?:forget|ignore)\\s+(?:everything|all)\\s+(?:you|that)\\s+(?:know|were told|have been told|learned"
                            + "|said)"),
            rule(
                    Screening.ROLE_IMPERSONATION,
                    0.85,
                    "<\\|im_start\\|>|<\\|(?:system|assistant|endoftext|im_end)\\|>|\\[/?(?:INST|SYS)\\]|<<\\s*SYS\\s*>>"
                            + "|</?\\s*(?:system|assistant|developer)(?:_prompt)?\\s*>"),
            rule(
                    Screening.ROLE_IMPERSONATION,
                    0.6,
                    "(?m)^\\s*(?:#{1,3}\\s*)?(?:system|developer)\\s*(?:message)?\\s*:"),
            rule(
                    Screening.ROLE_IMPERSONATION,
                    0.85,
                    "\\b(?:you are now|you're now|act as|acting as|pretend (?:to be|you are)|role-?play as|become|"
                            + "switch to)\\s+(?:an?\\s+|the\\s+)?(?:DAN\\b|unrestricted|unfiltered|jailbroken|uncensored|"
                            + "evil|rogue|developer mode|an ai without|a model without|an assistant without)"),
            rule(
                    Screening.ROLE_IMPERSONATION,
                    0.6,
                    "\\b(?:developer|god|admin|debug|sudo|jailbreak|dan)\\s+mode\\s+(?:is\\s+)?(?:enabled|activated|on|now)\\b"
                            + "|\\b(?:enable|activate|enter)\\s+(?:god|jailbreak|dan|sudo)\\s+mode\\b"),
            rule(
                    Screening.ROLE_IMPERSONATION,
                    0.7,
                    "\\b(?:i am|i'm|this is)\\s+your\\s+(?:developer|creator|administrator|admin|system|operator|owner|"
                            + "system administrator)\\b|\\bthis is the (?:system|administrator|developer)\\s+speaking"),
            rule(
                    Screening.ROLE_IMPERSONATION,
                    0.6,
                    "\\b(?:openai|anthropic|the system|your (?:developers?|creators?))\\s+(?:has|have)\\s+(?:authorized|"
                            + "instructed|allowed|approved|updated)\\b"),
            rule(
                    Screening.SYSTEM_PROMPT_EXTRACTION,
                    0.85,
                    "\\b(?:reveal|show|print|display|output|repeat|tell me|give me|share|leak|dump|recite|write out|"
                            + "spell out|paste|list)\\b[^.?!\\n]{0,40}?(?:system\\s+(?:prompt|message|instructions)|"
                            + "(?:initial|original|hidden|secret|full|exact|verbatim|developer|pre-?prompt(?:ed)?)\\s+"
                            + "(?:prompt|instructions|message)|your\\s+(?:instructions|prompt|rules|guidelines|"
                            + "configuration|directives))"),
            rule(
                    Screening.SYSTEM_PROMPT_EXTRACTION,
                    0.8,
                    "\\bwhat\\s+(?:is|are|was|were)\\s+(?:your|the)\\s+(?:system\\s+prompt|initial\\s+instructions|"
                            + "original\\s+instructions|hidden\\s+instructions|instructions you were given)"),
            rule(
                    Screening.SYSTEM_PROMPT_EXTRACTION,
                    0.8,
                    "\\b(?:repeat|print|output|copy|write)\\b[^.\\n]{0,30}\\b(?:text|words|everything|all)\\s+(?:above|"
                            + "before (?:this|that)|preceding)|\\bstarting with [\"'“]you are"),
            rule(
                    Screening.DATA_EXFILTRATION,
                    0.7,
                    "!\\[[^\\]]{0,100}\\]\\(\\s*https?://[^)\\s]{1,300}\\?[^)\\s]{0,300}="),
            rule(
                    Screening.DATA_EXFILTRATION,
                    0.85,
                    "https?://[^\\s)]{1,300}[?&][\\w-]{1,30}=(?:\\{|%7b|<|\\[)[^\\s)]{0,60}(?:data|secret|chat|conversation|"
                            + "history|key|token|password|email|summary|message|context|prompt)"),
            rule(
                    Screening.DATA_EXFILTRATION,
                    0.85,
                    "\\b(?:send|post|upload|forward|exfiltrate|transmit|leak|email|submit|report)\\b[^.\\n]{0,60}\\b"
                            + "(?:conversation|chat history|chat log|history|messages|user data|personal data|api keys?"
                            + "|passwords?|credentials|secrets|tokens?|the above|everything above|system prompt)\\b"
                            + "[^.\\n]{0,40}\\b(?:to|at|into)\\s+(?:https?://|[\\w.+-]+@[\\w-]+\\.\\w+|this url|this link)"),
            rule(
                    Screening.DATA_EXFILTRATION,
                    0.6,
                    "\\b(?:webhook\\.site|requestbin|pipedream\\.net|ngrok(?:-free)?\\.(?:io|app)|interact\\.sh|"
                            + "burpcollaborator|oast\\.(?:fun|pro|live|site))"),
            rule(
                    Screening.DATA_EXFILTRATION,
                    0.7,
                    "\\b(?:append|add|include|encode|put)\\b[^.\\n]{0,60}\\b(?:conversation|history|messages|data|secrets?"
                            + "|password|api key|summary)\\b[^.\\n]{0,40}\\b(?:to|in|into)\\s+(?:the|this|a)\\s+(?:url|link|"
                            + "query string|image url)"));

    /** Words of text about injection rather than of an injection: training, warnings, examples, detection. */
    private static final Pattern ABOUT_INJECTION = Pattern.compile("(?i)\\b(?:for example|e\\.g\\.|such as|phrases? "
            + "like|attackers|malicious|phishing|security training|awareness|beware|watch out|be careful|warning|"
            + "detect(?:s|ed|ion)?|classifier|prompt injections?|jailbreak attempts?|red[- ]team|examples? of|"
            + "suspicious|never (?:follow|obey)|don't fall for|report (?:it|them|this))\\b");

    private static final Pattern BASE64 = Pattern.compile("(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}");
    /**
     * A candidate hex run: hex digits with {@code \\x}, {@code 0x} or white space between them, 20 characters at least;
     * its digits are checked after the separators are taken out. One character class, no repeated group: a group
     * repeated per byte would recurse per byte and overflow the stack on a long run.
     */
    private static final Pattern HEX =
            Pattern.compile("(?<![0-9A-Za-z\\\\])(?:0x|\\\\x)?[0-9A-Fa-f]{2}[0-9A-Fa-fxX\\\\\\s]{18,}");

    private static final Pattern HEX_DIGITS = Pattern.compile("^[0-9A-Fa-f]+");
    private static final Pattern INVISIBLE = Pattern.compile("[\\u200B-\\u200F\\u2060-\\u2064\\uFEFF\\u00AD]");

    private static Rule rule(String label, double weight, String regex) {
        return new Rule(label, weight, Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    /** The text's screening. */
    public static Screening screen(String text) {
        return screen(text, 0);
    }

    private static Screening screen(String text, int depth) {
        String tags = tagCharacters(text);
        String visible = normalize(text);
        double damping = ABOUT_INJECTION.matcher(visible).find() ? 0.5 : 1.0;
        double clean = 1.0;
        Set<String> found = new LinkedHashSet<>();
        for (Rule r : RULES) {
            if (r.pattern().matcher(visible).find()) {
                clean *= 1 - r.weight() * damping;
                found.add(r.label());
            }
        }
        if (depth == 0) {
            List<String> decoded = new ArrayList<>(decodedRuns(visible));
            if (tags.length() >= 4) {
                clean *= 1 - 0.6; // invisible tag characters carry text no reader sees
                found.add(Screening.ENCODED_PAYLOAD);
                decoded.add(tags);
            }
            for (String inner : decoded) {
                Screening s = screen(inner, 1);
                if (s.score() >= 0.3) {
                    clean *= (1 - s.score()) * (1 - 0.5);
                    found.addAll(s.labels());
                    found.add(Screening.ENCODED_PAYLOAD);
                }
            }
        }
        List<String> labels = Screening.LABELS.stream().filter(found::contains).toList();
        return new Screening(Math.min(1, Math.max(0, 1 - clean)), labels);
    }

    private static String normalize(String text) {
        String compatible = Normalizer.normalize(text, Normalizer.Form.NFKC);
        StringBuilder out = new StringBuilder(compatible.length());
        compatible.codePoints().filter(cp -> cp < 0xE0000 || cp > 0xE007F).forEach(out::appendCodePoint);
        return INVISIBLE.matcher(out).replaceAll("");
    }

    /** The ASCII text carried by Unicode tag characters (each is U+E0000 + an ASCII code). */
    private static String tagCharacters(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().filter(cp -> cp >= 0xE0020 && cp <= 0xE007E).forEach(cp -> out.append((char) (cp - 0xE0000)));
        return out.toString();
    }

    /** Base64 (standard or URL-safe) and hex runs that decode to readable text. */
    private static List<String> decodedRuns(String text) {
        List<String> out = new ArrayList<>();
        Matcher b = BASE64.matcher(text);
        while (b.find() && out.size() < 16) {
            String run = b.group();
            try {
                byte[] bytes = run.contains("-") || run.contains("_")
                        ? Base64.getUrlDecoder().decode(unpadded(run))
                        : Base64.getDecoder().decode(unpadded(run));
                readable(bytes).ifPresent(out::add);
            } catch (IllegalArgumentException e) {
                // not base64 after all
            }
        }
        Matcher h = HEX.matcher(text);
        while (h.find() && out.size() < 16) {
            Matcher digits = HEX_DIGITS.matcher(h.group().replaceAll("\\\\x|0x|\\s", ""));
            if (digits.find() && digits.end() >= 20) { // up to the first character that is no hex digit, whole bytes
                String hex = digits.group();
                readable(HexFormat.of().parseHex(hex.substring(0, hex.length() & ~1)))
                        .ifPresent(out::add);
            }
        }
        return out;
    }

    private static String unpadded(String run) {
        String s = run.replace("=", "");
        return s.length() % 4 == 1 ? s.substring(0, s.length() - 1) : s;
    }

    /** UTF-8 text of which at least 90% are printable characters or white space. */
    private static java.util.Optional<String> readable(byte[] bytes) {
        if (bytes.length < 8) {
            return java.util.Optional.empty();
        }
        String s = new String(bytes, StandardCharsets.UTF_8);
        long printable = s.codePoints()
                .filter(cp -> cp == '\n' || cp == '\t' || (cp >= 0x20 && cp != 0x7F && cp != 0xFFFD))
                .count();
        return printable >= 0.9 * s.codePointCount(0, s.length())
                ? java.util.Optional.of(s)
                : java.util.Optional.empty();
    }
}
