package io.colloquy.screening;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PiiRedactorTests {

    @Test
    void replacesEachKindWithATypedPlaceholder() {
        String text = "Mail anna.smith@example.com or call +1 415 555 2671; card 4111 1111 1111 1111, "
                + "IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, from 203.0.113.7 and 2001:db8::8a2e:370:7334, "
                + "key sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW.";
        String redacted = PiiRedactor.newSession().redact(text);
        assertThat(redacted)
                .isEqualTo(
                        "Mail [EMAIL_1] or call [PHONE_1]; card [CARD_1], IBAN [IBAN_1], SSN [SSN_1], from [IP_1] and "
                                + "[IP_2], key [SECRET_1].");
    }

    @Test
    void givesTheSameValueTheSamePlaceholderAcrossTheTextsOfOneSession() {
        PiiRedactor.Session session = PiiRedactor.newSession();
        assertThat(session.redact("Write to Anna.Smith@example.com or bob@example.org"))
                .isEqualTo("Write to [EMAIL_1] or [EMAIL_2]");
        assertThat(session.redact("bob@example.org answered, cc anna.smith@example.com"))
                .isEqualTo("[EMAIL_2] answered, cc [EMAIL_1]");
        assertThat(session.redact("call (415) 555-2671 or +14155552671")).isEqualTo("call [PHONE_1] or [PHONE_1]");
        assertThat(session.redactions()).isEqualTo(6);
        assertThat(PiiRedactor.newSession().redact("bob@example.org")).isEqualTo("[EMAIL_1]");
    }

    @Test
    void leavesNearMissesAlone() {
        String text = "Order #4111111111111111 shipped 2024-03-15T10:15:30Z, tracking 1Z999AA10123456784, "
                + "running version 1.2.3.4 (v2.14.1), invoice 4155552671, ISBN 978-0-306-40615-7, "
                + "commit 3f786850e387550fdab836ed7e6dc881de23001b, MAC 00:1a:2b:3c:4d:5e, std::vector, at 10:15:30.";
        assertThat(PiiRedactor.find(text)).isEmpty();
        assertThat(PiiRedactor.newSession().redact(text)).isEqualTo(text);
    }

    @Test
    void refusesCardNumbersThatFailLuhnAndIbansWithWrongCheckDigits() {
        assertThat(PiiRedactor.find("card 4111 1111 1111 1112")).isEmpty();
        assertThat(PiiRedactor.find("IBAN DE88 3704 0044 0532 0130 00")).isEmpty();
        assertThat(PiiRedactor.find("SSN 000-12-3456 or 666-12-3456")).isEmpty();
        assertThat(PiiRedactor.find("at 256.1.1.1")).isEmpty();
    }

    @Test
    void meetsItsPrecisionAndRecallGoalOnTheGeneratedCorpus() {
        PiiMeasurement m = PiiMeasurement.of(new PiiCorpus(20_261_128L).samples(2_000));
        assertThat(m.overall().precision())
                .as(m.table() + String.join("\n", m.mistakes.subList(0, Math.min(40, m.mistakes.size()))))
                .isGreaterThanOrEqualTo(0.98);
        assertThat(m.overall().recall())
                .as(m.table() + String.join("\n", m.mistakes.subList(0, Math.min(40, m.mistakes.size()))))
                .isGreaterThanOrEqualTo(0.95);
    }
}
