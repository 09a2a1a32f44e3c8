package io.colloquy.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordPolicyTests {
    private final PasswordPolicy policy = PasswordPolicy.shipped();

    @Test
    void refusesShortNumericCommonAndEmailLikePasswords() {
        String email = "ada.lovelace@example.com";
        assertThat(policy.problem("short-one", email)).hasValue("must be at least 12 characters");
        assertThat(policy.problem("123456789012345", email)).hasValue("must not be digits only");
        assertThat(policy.problem("Password123456", email)).get().asString().contains("common");
        assertThat(policy.problem("qwertyuiopasdfghjkl", email))
                .get()
                .asString()
                .contains("common");
        assertThat(policy.problem("correct horse battery staple", email))
                .get()
                .asString()
                .contains("common");
        assertThat(policy.problem("adalovelace2024!", email)).get().asString().contains("similar");
        assertThat(policy.problem("ada.lovelace@example.com", email))
                .get()
                .asString()
                .contains("similar");
        assertThat(policy.problem("x".repeat(257), email)).hasValue("must be at most 256 characters");
    }

    @Test
    void acceptsALongUncommonPassphrase() {
        assertThat(policy.problem("violet-harbour-lantern-42", "ada.lovelace@example.com"))
                .isEmpty();
        assertThat(policy.problem("Zu7#pq9!mW2$vb", "ada@example.com")).isEmpty();
    }
}
