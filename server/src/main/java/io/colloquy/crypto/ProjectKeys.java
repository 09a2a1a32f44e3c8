package io.colloquy.crypto;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ValidationFailed;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * A project's key: rotation, the customer's own key (BYOK) and its revocation, and crypto-shredding
 * of a namespace. Runs in the caller's tenant transaction (project-wide). Every change first takes the
 * project's key-change lock (a transaction-scoped advisory lock in the database, so it holds across
 * instances) and reads the state after it: concurrent changes run one after the other, each on what the
 * previous one committed, and a key is never left wrapped under a project key version that is gone.
 */
@Service
public class ProjectKeys {
    private static final byte[] CHECK_LABEL = "colloquy/key-check-value/v1".getBytes(StandardCharsets.UTF_8);
    private final KeyRepository keys;
    private final Keyring keyring;
    private final KeyEncryptionKeyProvider kek;
    private final Clock clock;
    private final ErasureJournal journal;

    ProjectKeys(
            KeyRepository keys, Keyring keyring, KeyEncryptionKeyProvider kek, Clock clock, ErasureJournal journal) {
        this.keys = keys;
        this.keyring = keyring;
        this.kek = kek;
        this.clock = clock;
        this.journal = journal;
    }

    /** What a project's encryption looks like from outside (never key material). */
    public record Status(
            boolean customerKey,
            boolean revoked,
            int version,
            @Nullable Instant rotatedAt) {}

    public Status status(UUID project) {
        return keys.state(project)
                .map(s -> new Status(s.customerKey(), s.revokedAt() != null, s.currentVersion(), s.rotatedAt()))
                .orElse(new Status(false, false, 0, null));
    }

    /** A new project key version; every data key is rewrapped and every namespace gets a new data key. */
    public Status rotate(UUID project) {
        keys.lockChanges(project);
        KeyRepository.State state = keyring.state(project);
        keyring.forget(project);
        int version = state.currentVersion();
        if (!state.customerKey()) {
            version = replaceProjectKey(project, state, Keyring.random32(), false, null);
        }
        Set<String> namespaces = new HashSet<>();
        int pkv = version;
        keys.allDataKeys(project).stream()
                .filter(k -> k.purpose().equals(Keyring.DATA))
                .forEach(k -> namespaces.add(k.namespace()));
        for (String ns : namespaces) {
            int next =
                    keys.currentDataKey(project, ns, Keyring.DATA).orElseThrow().version() + 1;
            keyring.createNamespaceKey(project, ns, Keyring.DATA, next);
        }
        keys.updateState(
                project, new KeyRepository.State(pkv, state.customerKey(), state.checkValue(), null, clock.instant()));
        return status(project);
    }

    /**
     * Rotates the project key when its current version was made before {@code dueBefore} (server keys
     * only: a customer's key is rotated by supplying a new one). Returns whether it rotated.
     */
    public boolean rotateIfDue(UUID project, Instant dueBefore) {
        keys.lockChanges(project);
        KeyRepository.State state = keys.state(project).orElse(null);
        if (state == null
                || state.customerKey()
                || state.revokedAt() != null
                || !state.rotatedAt().isBefore(dueBefore)) {
            return false;
        }
        rotate(project);
        return true;
    }

    /** Makes the customer's key the project key, or restores it after a revocation (same key only). */
    public Status supplyCustomerKey(UUID project, byte[] customerKey) {
        if (customerKey.length != 32) {
            throw ValidationFailed.of("key", "must be base64 of exactly 32 bytes");
        }
        byte[] check = checkValue(customerKey);
        keys.lockChanges(project);
        KeyRepository.State state = keys.state(project).orElse(null);
        keyring.forget(project);
        if (state != null && state.revokedAt() != null) {
            if (state.checkValue() == null || !MessageDigest.isEqual(state.checkValue(), check)) {
                throw ValidationFailed.of("key", "is not the key that was revoked");
            }
            KeyEncryptionKeyProvider.Wrapped wrapped =
                    kek.wrap(customerKey, Keyring.projectContext(project, state.currentVersion()));
            keys.insertProjectKey(project, state.currentVersion(), wrapped.bytes(), wrapped.kekId(), clock.instant());
            keys.updateState(
                    project, new KeyRepository.State(state.currentVersion(), true, check, null, state.rotatedAt()));
            return status(project);
        }
        state = keyring.state(project);
        if (state.customerKey() && state.checkValue() != null && MessageDigest.isEqual(state.checkValue(), check)) {
            return status(project);
        }
        replaceProjectKey(project, state, customerKey, true, check);
        return status(project);
    }

    /** Forgets the customer's key: the project's content is unreadable until the same key is supplied again. */
    public Status revokeCustomerKey(UUID project) {
        keys.lockChanges(project);
        KeyRepository.State state = keys.state(project).orElse(null);
        if (state == null || !state.customerKey()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "The project has no customer-supplied key to revoke.");
        }
        if (state.revokedAt() == null) {
            keyring.forget(project);
            keys.deleteProjectKeys(project);
            keys.updateState(
                    project,
                    new KeyRepository.State(
                            state.currentVersion(), true, state.checkValue(), clock.instant(), state.rotatedAt()));
        }
        return status(project);
    }

    /**
     * Destroys the namespace's data and search keys: every copy of its ciphertext becomes unreadable. The keys are
     * named in the erasure journal first, so a restored backup that still holds them is erased again.
     */
    public void shredNamespace(UUID project, String namespace) {
        keys.lockChanges(project);
        keyring.forget(project);
        journal.recordNamespace(project, namespace, keys.namespaceKeyIds(project, namespace));
        keys.deleteNamespaceKeys(project, namespace);
    }

    /** Master key rotation, step 1: the id of the next master key (made if needed; resumable). */
    public String prepareMasterRotation() {
        return masterRotation().prepareRotation();
    }

    /** Step 2, per project in its tenant transaction: rewraps its project keys under the next master key. */
    public int rewrapUnderNextMaster(UUID project) {
        return rewrapUnder(true, project);
    }

    /** Step 4, per project: rewraps keys made under the old master while the rotation ran. */
    public int rewrapUnderCurrentMaster(UUID project) {
        return rewrapUnder(false, project);
    }

    private int rewrapUnder(boolean next, UUID project) {
        MasterKeyRotation master = masterRotation();
        keys.lockChanges(project);
        int n = 0;
        for (KeyRepository.WrappedProjectKey k : keys.allProjectKeys(project)) {
            Aad context = Keyring.projectContext(project, k.version());
            KeyEncryptionKeyProvider.Wrapped rewrapped = next
                    ? master.rewrapToNext(k.kekId(), k.wrapped(), context)
                    : master.rewrapToCurrent(k.kekId(), k.wrapped(), context);
            if (!rewrapped.kekId().equals(k.kekId())) {
                keys.rewrapProjectKey(project, k.version(), rewrapped.bytes(), rewrapped.kekId());
                n++;
            }
        }
        return n;
    }

    /** Step 3: the next master key becomes current; returns where the old one is kept (remove it when done). */
    public String finishMasterRotation() {
        return masterRotation().finishRotation();
    }

    /** The id of the KEK that new project keys are wrapped under. */
    public String currentMasterId() {
        return masterRotation().currentId();
    }

    private MasterKeyRotation masterRotation() {
        if (kek instanceof MasterKeyRotation rotation) {
            return rotation;
        }
        throw new IllegalStateException(
                "Master key rotation is for the built-in master key and the PKCS#11 one; rotate "
                        + kek.getClass().getSimpleName() + " in its KMS");
    }

    /**
     * Namespaces that still hold older data key versions and whose current version was made before
     * {@code currentMadeBefore} (data older than the configured age), each with its current version.
     */
    public java.util.Map<String, Integer> namespacesWithOlderDataKeys(UUID project, Instant currentMadeBefore) {
        keyring.forget(project); // re-encryption must seal under the version the database says is current
        java.util.Map<String, int[]> minMax = new java.util.TreeMap<>();
        for (KeyRepository.WrappedDataKey k : keys.allDataKeys(project)) {
            if (k.purpose().equals(Keyring.DATA)) {
                minMax.merge(k.namespace(), new int[] {k.version(), k.version()}, (a, b) ->
                        new int[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        minMax.forEach((ns, v) -> {
            if (v[0] < v[1]
                    && keys.dataKeyCreatedAt(project, ns, v[1])
                            .map(t -> t.isBefore(currentMadeBefore))
                            .orElse(false)) {
                out.put(ns, v[1]);
            }
        });
        return out;
    }

    /** Destroys a namespace's data key versions older than {@code current} (nothing may be sealed under them). */
    public int destroyOlderDataKeys(UUID project, String ns, int current) {
        keys.lockChanges(project);
        keyring.forget(project);
        return keys.deleteOldDataKeys(project, ns, current);
    }

    /** Destroys every key of the project (before its rows are deleted), recorded first in the erasure journal. */
    public void shredProject(UUID project) {
        holdChanges(project);
        keyring.forget(project);
        journal.recordProject(project);
        for (KeyRepository.WrappedDataKey k : keys.allDataKeys(project)) {
            keys.deleteNamespaceKeys(project, k.namespace());
        }
        keys.deleteProjectKeys(project);
    }

    /**
     * Holds the project's key-change lock until the transaction ends (project deletion takes it before
     * anything else, so it never waits for a key change while holding the project's row).
     */
    public void holdChanges(UUID project) {
        keys.lockChanges(project);
    }

    private int replaceProjectKey(
            UUID project, KeyRepository.State state, byte[] raw, boolean customer, byte @Nullable [] check) {
        int version = state.currentVersion() + 1;
        SecretKey newKey = new SecretKeySpec(raw, "AES");
        KeyEncryptionKeyProvider.Wrapped wrapped = kek.wrap(raw, Keyring.projectContext(project, version));
        keys.insertProjectKey(project, version, wrapped.bytes(), wrapped.kekId(), clock.instant());
        for (KeyRepository.WrappedDataKey k : keys.allDataKeys(project)) {
            keys.rewrap(project, keyring.rewrap(project, k, newKey, version));
        }
        keys.deleteProjectKeysExcept(project, version);
        keys.updateState(project, new KeyRepository.State(version, customer, check, null, clock.instant()));
        return version;
    }

    private static byte[] checkValue(byte[] key) {
        return ServerKeys.hmac(new SecretKeySpec(key, "HmacSHA256"), CHECK_LABEL);
    }
}
