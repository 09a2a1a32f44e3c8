package io.colloquy.screening;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Precision and recall of {@link InjectionScreener} on {@link InjectionCorpus} at a threshold: an attack is caught when
 * its score is at or above it; per label, caught with its label among the labels.
 */
final class InjectionMeasurement {
    int truePositives;
    int falsePositives;
    int falseNegatives;
    int trueNegatives;
    final Map<String, int[]> perLabel = new TreeMap<>();
    final List<String> mistakes = new ArrayList<>();

    static InjectionMeasurement of(List<InjectionCorpus.Sample> samples, double threshold) {
        InjectionMeasurement m = new InjectionMeasurement();
        for (InjectionCorpus.Sample s : samples) {
            Screening result = InjectionScreener.screen(s.text());
            boolean flagged = result.score() >= threshold;
            if (s.attack()) {
                int[] label = m.perLabel.computeIfAbsent(s.label(), l -> new int[2]);
                label[1]++;
                if (flagged && result.labels().contains(s.label())) {
                    label[0]++;
                }
                if (flagged) {
                    m.truePositives++;
                } else {
                    m.falseNegatives++;
                    m.mistakes.add("FN " + result + " " + printable(s.text()));
                }
            } else if (flagged) {
                m.falsePositives++;
                m.mistakes.add("FP " + result + " " + printable(s.text()));
            } else {
                m.trueNegatives++;
            }
        }
        return m;
    }

    double precision() {
        return truePositives + falsePositives == 0 ? 1 : (double) truePositives / (truePositives + falsePositives);
    }

    double recall() {
        return truePositives + falseNegatives == 0 ? 1 : (double) truePositives / (truePositives + falseNegatives);
    }

    String table(double threshold) {
        StringBuilder out = new StringBuilder(String.format(
                Locale.ROOT,
                "threshold %.2f: attacks %d, benign %d; tp %d fp %d fn %d tn %d; precision %.4f recall %.4f%n",
                threshold,
                truePositives + falseNegatives,
                falsePositives + trueNegatives,
                truePositives,
                falsePositives,
                falseNegatives,
                trueNegatives,
                precision(),
                recall()));
        perLabel.forEach((label, c) -> out.append(String.format(
                Locale.ROOT,
                "  %-25s caught with its label %d of %d (%.4f)%n",
                label,
                c[0],
                c[1],
                (double) c[0] / c[1])));
        return out.toString();
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0xE0000 || (cp >= 0x200B && cp <= 0x200F)) {
                out.append(String.format("\\u{%X}", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.length() > 160 ? out.substring(0, 160) + "…" : out.toString();
    }
}
