/**
 * Screening of content on its way in and out: PII redaction with stable placeholders ({@link PiiRedactor}) and
 * prompt-injection scoring ({@link InjectionScreener}); deterministic, in-process, no outside model or service.
 */
@NullMarked
package io.colloquy.screening;

import org.jspecify.annotations.NullMarked;
