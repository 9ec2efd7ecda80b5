package io.qaforge;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** What a problem detail must never show a user: Java's own words for a failure. */
public final class ProblemDetails {

    /** A qualified exception class name ({@code java.io.IOException}), a stack frame, or an exception without a message. */
    private static final Pattern JAVA_INTERNALS = Pattern.compile(
            "\\b[a-z]+(\\.[a-z0-9]+)+\\.[A-Z]\\w*(Exception|Error)\\b|\\bat [a-z]+(\\.\\w+)+\\(|^null$|: null\\b");

    private ProblemDetails() {
    }

    public static void assertInUsersWords(String detail) {
        assertThat(detail).as("a problem detail in the user's words").doesNotContainPattern(JAVA_INTERNALS);
    }
}
