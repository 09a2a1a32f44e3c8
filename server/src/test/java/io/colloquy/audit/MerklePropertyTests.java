package io.colloquy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The production tree (built by appending batches, read through stored complete subtrees, as the database
 * holds them) against {@link RfcMerkle}, the RFC's recursive definitions written out plainly.
 */
class MerklePropertyTests {

    /** Leaves appended in random batches, exactly as the sequencer stores them. */
    record Stored(List<byte[]> leaves, Map<Merkle.Coord, byte[]> nodes) implements Merkle.Nodes {
        static Stored build(int size, long seed) {
            Random random = new Random(seed);
            List<byte[]> leaves = new ArrayList<>();
            Map<Merkle.Coord, byte[]> nodes = new HashMap<>();
            while (leaves.size() < size) {
                int batch = Math.min(size - leaves.size(), 1 + random.nextInt(9));
                List<byte[]> fresh = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    fresh.add(RfcMerkle.leaf(
                            ByteBuffer.allocate(8).putLong(leaves.size() + i).array()));
                }
                Map<Merkle.Coord, byte[]> frontier = new HashMap<>();
                for (Merkle.Coord c : Merkle.frontier(leaves.size())) {
                    frontier.put(c, nodes.get(c));
                }
                nodes.putAll(Merkle.append(leaves.size(), frontier, fresh));
                leaves.addAll(fresh);
            }
            return new Stored(leaves, nodes);
        }

        @Override
        public byte[] get(int level, long index) {
            byte[] h = nodes.get(new Merkle.Coord(level, index));
            assertThat(h).as("stored node %d/%d", level, index).isNotNull();
            return h;
        }
    }

    @Property(tries = 300)
    void rootsMatchTheRfc(@ForAll @IntRange(min = 0, max = 300) int size, @ForAll long seed) {
        Stored tree = Stored.build(size, seed);
        for (int n = 0; n <= size; n++) {
            assertThat(Merkle.root(n, tree))
                    .isEqualTo(RfcMerkle.mth(tree.leaves().subList(0, n)));
        }
    }

    @Provide
    Arbitrary<int[]> leafInTree() {
        return Arbitraries.integers()
                .between(1, 2000)
                .flatMap(n -> Arbitraries.integers().between(0, n - 1).map(m -> new int[] {m, n}));
    }

    @Property(tries = 500)
    void inclusionProofsAreTheRfcsAuditPathsAndVerify(@ForAll("leafInTree") int[] mn, @ForAll long seed) {
        int m = mn[0];
        int n = mn[1];
        Stored tree = Stored.build(n, seed);
        List<byte[]> proof = Merkle.inclusionProof(m, n, tree);
        List<byte[]> expected = RfcMerkle.path(m, tree.leaves());
        assertThat(proof).usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(expected);
        byte[] root = RfcMerkle.mth(tree.leaves());
        assertThat(RfcMerkle.rootFromPath(m, n, tree.leaves().get(m), proof)).isEqualTo(root);
        assertThat(Merkle.verifyInclusion(m, n, tree.leaves().get(m), proof, root))
                .isTrue();
        assertThat(Merkle.needed(s -> Merkle.inclusionProof(m, n, s)).size())
                .as("stored hashes read")
                .isLessThanOrEqualTo(2 * (64 - Long.numberOfLeadingZeros(n)) + 1);
    }

    @Provide
    Arbitrary<int[]> twoSizes() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 2000),
                        Arbitraries.integers().between(0, 2000))
                .as((a, b) -> new int[] {Math.min(a, b), Math.max(a, b)});
    }

    @Property(tries = 500)
    void consistencyProofsAreTheRfcsAndVerify(@ForAll("twoSizes") int[] sizes, @ForAll long seed) {
        int m = sizes[0];
        int n = sizes[1];
        Stored tree = Stored.build(n, seed);
        List<byte[]> proof = Merkle.consistencyProof(m, n, tree);
        assertThat(proof)
                .usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(RfcMerkle.proof(m, tree.leaves()));
        byte[] oldRoot = RfcMerkle.mth(tree.leaves().subList(0, m));
        byte[] newRoot = RfcMerkle.mth(tree.leaves());
        assertThat(Merkle.verifyConsistency(m, n, oldRoot, newRoot, proof)).isTrue();
        assertThat(Merkle.needed(s -> Merkle.consistencyProof(m, n, s)).size())
                .isLessThanOrEqualTo(2 * (64 - Long.numberOfLeadingZeros(Math.max(n, 1))) + 1);
    }

    @Property(tries = 300)
    void tamperedProofsFail(@ForAll("twoSizes") int[] sizes, @ForAll long seed, @ForAll @IntRange(max = 255) int flip) {
        int m = sizes[0];
        int n = sizes[1];
        if (m == 0 || m == n) {
            return;
        }
        Stored tree = Stored.build(n, seed);
        byte[] oldRoot = RfcMerkle.mth(tree.leaves().subList(0, m));
        byte[] newRoot = RfcMerkle.mth(tree.leaves());
        List<byte[]> proof = new ArrayList<>(Merkle.consistencyProof(m, n, tree));
        int at = flip % proof.size();
        byte[] changed = proof.get(at).clone();
        changed[flip % 32] ^= 1;
        proof.set(at, changed);
        assertThat(Merkle.verifyConsistency(m, n, oldRoot, newRoot, proof)).isFalse();

        int leaf = flip % n;
        List<byte[]> path = Merkle.inclusionProof(leaf, n, tree);
        byte[] other = tree.leaves().get((leaf + 1) % n);
        assertThat(Merkle.verifyInclusion(leaf, n, other, path, newRoot)).isFalse();
        assertThat(Merkle.verifyConsistency(m, n, newRoot, oldRoot, Merkle.consistencyProof(m, n, tree)))
                .isFalse();
    }
}
