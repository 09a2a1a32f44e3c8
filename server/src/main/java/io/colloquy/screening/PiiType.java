package io.colloquy.screening;

/** The kinds of personal data and secrets {@link PiiRedactor} finds, each with its placeholder's name. */
public enum PiiType {
    EMAIL("EMAIL"),
    PHONE("PHONE"),
    /** A payment card number: a known issuer's prefix and length, Luhn-valid. */
    CARD("CARD"),
    /** An IBAN of a country's registered format with valid mod-97 check digits. */
    IBAN("IBAN"),
    /** A US social security number. */
    SSN("SSN"),
    /** An IPv4 or IPv6 address. */
    IP_ADDRESS("IP"),
    /** An API key, token, private key or password: a known prefix, an assignment to a secret's name, or entropy. */
    SECRET("SECRET");

    private final String placeholderName;

    PiiType(String placeholderName) {
        this.placeholderName = placeholderName;
    }

    /** {@code [EMAIL_3]} for the third distinct e-mail address of a response. */
    public String placeholder(int n) {
        return "[" + placeholderName + "_" + n + "]";
    }
}
