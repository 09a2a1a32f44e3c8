package io.colloquy.screening;

import java.util.List;

/**
 * Precision and recall of PII redaction (per kind and overall) on the generated corpus, and of injection screening on
 * its labelled set, printed as tables; run by {@code bench/screening.sh}, not by CI. Arguments: corpus size, seed.
 */
final class ScreeningBench {
    private ScreeningBench() {}

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 20_261_128L;
        List<PiiCorpus.Sample> corpus = new PiiCorpus(seed).samples(size);
        long start = System.nanoTime();
        PiiMeasurement pii = PiiMeasurement.of(corpus);
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.printf("PII redaction: %d generated texts (seed %d), %.3f ms per text%n", size, seed, ms / size);
        System.out.print(pii.table());
        int mistakes = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        pii.mistakes.stream().limit(mistakes).forEach(System.out::println);

        List<InjectionCorpus.Sample> injections = InjectionCorpus.samples();
        System.out.printf("%nPrompt-injection screening: %d labelled texts%n", injections.size());
        for (double threshold : new double[] {0.3, 0.5, 0.7, 0.8}) {
            System.out.print(InjectionMeasurement.of(injections, threshold).table(threshold));
        }
        InjectionMeasurement.of(injections, 0.5).mistakes.stream()
                .limit(mistakes)
                .forEach(System.out::println);
        List<InjectionCorpus.Sample> heldOut = InjectionCorpus.heldOut();
        System.out.printf("%nHeld out (never used to tune the screener): %d labelled texts%n", heldOut.size());
        for (double threshold : new double[] {0.3, 0.5, 0.7}) {
            System.out.print(InjectionMeasurement.of(heldOut, threshold).table(threshold));
        }
        InjectionMeasurement.of(heldOut, 0.5).mistakes.stream().limit(mistakes).forEach(System.out::println);
    }
}
