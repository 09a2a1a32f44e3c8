package io.colloquy.screening;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Precision and recall of {@link PiiRedactor#find} on a {@link PiiCorpus}, per kind and overall. A finding is right
 * only with the labelled kind and exactly the labelled characters; anything else found is a false positive (also
 * a right value of the wrong kind), every label not found exactly a false negative.
 */
final class PiiMeasurement {
    record Counts(int truePositives, int falsePositives, int falseNegatives) {
        double precision() {
            return truePositives + falsePositives == 0
                    ? 1.0
                    : (double) truePositives / (truePositives + falsePositives);
        }

        double recall() {
            return truePositives + falseNegatives == 0
                    ? 1.0
                    : (double) truePositives / (truePositives + falseNegatives);
        }
    }

    final Map<PiiType, int[]> counts = new EnumMap<>(PiiType.class);
    final List<String> mistakes = new ArrayList<>();
    int samples;

    static PiiMeasurement of(List<PiiCorpus.Sample> corpus) {
        PiiMeasurement m = new PiiMeasurement();
        for (PiiType t : PiiType.values()) {
            m.counts.put(t, new int[3]);
        }
        for (PiiCorpus.Sample s : corpus) {
            m.samples++;
            List<PiiCorpus.Label> expected = new ArrayList<>(s.labels());
            for (PiiFinding f : PiiRedactor.find(s.text())) {
                PiiCorpus.Label label = new PiiCorpus.Label(f.type(), f.value());
                if (expected.remove(label)) {
                    m.counts.get(f.type())[0]++;
                } else {
                    m.counts.get(f.type())[1]++;
                    m.mistakes.add("FP " + f.type() + " '" + f.value() + "' in: " + s.text());
                }
            }
            for (PiiCorpus.Label missed : expected) {
                m.counts.get(missed.type())[2]++;
                m.mistakes.add("FN " + missed.type() + " '" + missed.value() + "' in: " + s.text());
            }
        }
        return m;
    }

    Counts of(PiiType type) {
        int[] c = counts.get(type);
        return new Counts(c[0], c[1], c[2]);
    }

    Counts overall() {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int[] c : counts.values()) {
            tp += c[0];
            fp += c[1];
            fn += c[2];
        }
        return new Counts(tp, fp, fn);
    }

    String table() {
        StringBuilder out = new StringBuilder(String.format(
                Locale.ROOT, "%-11s %6s %5s %5s %9s %7s%n", "type", "tp", "fp", "fn", "precision", "recall"));
        for (PiiType t : PiiType.values()) {
            out.append(row(t.name(), of(t)));
        }
        return out.append(row("overall", overall())).toString();
    }

    private static String row(String name, Counts c) {
        return String.format(
                Locale.ROOT,
                "%-11s %6d %5d %5d %9.4f %7.4f%n",
                name,
                c.truePositives(),
                c.falsePositives(),
                c.falseNegatives(),
                c.precision(),
                c.recall());
    }
}
