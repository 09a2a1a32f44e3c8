package io.colloquy.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The key hierarchy at work: KEK → project key (versioned) → per-namespace data and search keys
 * (versioned). Keys are created on first use inside the caller's tenant transaction and cached
 * unwrapped in memory (bounded, expiring after 60 s, so a revocation or rotation on another instance is
 * seen within a minute); the hot path does no database round trip. A key created by a transaction that
 * is not committed yet is never cached, so a rollback can't leave data sealed under a key that vanished.
 * A key read while a change of the project's keys was committing is not cached either (the cache
 * generation moved on), so this instance never keeps serving a key a change has just removed.
 */
@Component
public final class Keyring {
    static final String DATA = "data";
    static final String SEARCH = "search";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration TTL = Duration.ofSeconds(60);

    private final KeyRepository keys;
    private final KeyEncryptionKeyProvider kek;
    private final Clock clock;
    private final Cache<ProjectKeyId, SecretKey> projectKeys = cache();
    private final Cache<NamespaceKeyId, SecretKey> namespaceKeys = cache();
    private final Cache<NamespaceSlot, Integer> currentVersions = cache();
    /** Guards {@link #generation}: bumped by every forget; a lookup caches only if it did not move. */
    private final Object cacheLock = new Object();

    private long generation;

    Keyring(KeyRepository keys, KeyEncryptionKeyProvider kek, Clock clock) {
        this.keys = keys;
        this.kek = kek;
        this.clock = clock;
    }

    /** A data key and its version (written into every value it seals). */
    public record DataKey(int version, SecretKey key) {}

    private record ProjectKeyId(UUID project, int version) {}

    private record NamespaceKeyId(UUID project, String namespace, String purpose, int version) {}

    private record NamespaceSlot(UUID project, String namespace, String purpose) {}

    private static <K, V> Cache<K, V> cache() {
        return Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(TTL).build();
    }

    /** The namespace's current data key, created (with the project key, if needed) on first use. */
    public DataKey currentDataKey(UUID project, String namespace) {
        return current(project, namespace, DATA);
    }

    /** The data key of a given version, for opening values sealed under it. */
    public SecretKey dataKey(UUID project, String namespace, int version) {
        NamespaceKeyId id = new NamespaceKeyId(project, namespace, DATA, version);
        SecretKey cached = namespaceKeys.getIfPresent(id);
        if (cached != null) {
            return cached;
        }
        long seen = generation();
        KeyRepository.WrappedDataKey wrapped = keys.dataKey(project, namespace, DATA, version)
                .orElseThrow(() -> new KeyGone("a data key version (shredded or destroyed)"));
        SecretKey key = unwrap(project, wrapped, seen);
        remember(id, key, seen);
        return key;
    }

    /**
     * The namespace's search key if it has one: a read (a search, a tag filter) never creates keys, and
     * a namespace without a search key holds no keyed token a query could match.
     */
    public Optional<SecretKey> existingSearchKey(UUID project, String namespace) {
        NamespaceSlot slot = new NamespaceSlot(project, namespace, SEARCH);
        Integer version = currentVersions.getIfPresent(slot);
        if (version != null) {
            SecretKey key = namespaceKeys.getIfPresent(new NamespaceKeyId(project, namespace, SEARCH, version));
            if (key != null) {
                return Optional.of(key);
            }
        }
        long seen = generation();
        return keys.currentDataKey(project, namespace, SEARCH).map(wrapped -> {
            SecretKey key = unwrap(project, wrapped, seen);
            remember(new NamespaceKeyId(project, namespace, SEARCH, wrapped.version()), key, seen);
            return key;
        });
    }

    /** The namespace's search key (keyed token hashes for search and tag filters). */
    public SecretKey searchKey(UUID project, String namespace) {
        return current(project, namespace, SEARCH).key();
    }

    private DataKey current(UUID project, String namespace, String purpose) {
        NamespaceSlot slot = new NamespaceSlot(project, namespace, purpose);
        Integer version = currentVersions.getIfPresent(slot);
        if (version != null) {
            SecretKey key = namespaceKeys.getIfPresent(new NamespaceKeyId(project, namespace, purpose, version));
            if (key != null) {
                return new DataKey(version, key);
            }
        }
        long seen = generation();
        Optional<KeyRepository.WrappedDataKey> stored = keys.currentDataKey(project, namespace, purpose);
        if (stored.isEmpty()) {
            createNamespaceKey(project, namespace, purpose, 1);
            stored = keys.currentDataKey(project, namespace, purpose);
        }
        KeyRepository.WrappedDataKey wrapped = stored.orElseThrow();
        SecretKey key = unwrap(project, wrapped, seen);
        remember(new NamespaceKeyId(project, namespace, purpose, wrapped.version()), key, seen);
        if (!createdInThisTransaction(project)) {
            cache(currentVersions, slot, wrapped.version(), seen);
        }
        return new DataKey(wrapped.version(), key);
    }

    /** Creates a namespace key of the given version under the project's current key (no-op if it exists). */
    void createNamespaceKey(UUID project, String namespace, String purpose, int version) {
        keys.lockCreation(project);
        KeyRepository.State state = state(project);
        SecretKey projectKey = projectKey(project, state.currentVersion());
        byte[] raw = random32();
        byte[] wrapped = WrappedKeys.wrap(projectKey, raw, namespaceContext(project, namespace, purpose, version));
        keys.insertDataKey(
                project,
                new KeyRepository.WrappedDataKey(namespace, purpose, version, wrapped, state.currentVersion()),
                clock.instant());
        markCreatedInThisTransaction(project);
    }

    /** The project's encryption state, creating a server-generated project key on first use. */
    KeyRepository.State state(UUID project) {
        Optional<KeyRepository.State> state = keys.state(project);
        if (state.isPresent()) {
            if (state.get().revokedAt() != null) {
                throw new EncryptionKeyRevoked();
            }
            return state.get();
        }
        byte[] raw = random32();
        KeyEncryptionKeyProvider.Wrapped wrapped = kek.wrap(raw, projectContext(project, 1));
        keys.insertProjectKey(project, 1, wrapped.bytes(), wrapped.kekId(), clock.instant());
        keys.insertState(project, 1, false, null, clock.instant());
        markCreatedInThisTransaction(project);
        return keys.state(project).orElseThrow();
    }

    SecretKey projectKey(UUID project, int version) {
        return projectKey(project, version, generation());
    }

    private SecretKey projectKey(UUID project, int version, long seen) {
        ProjectKeyId id = new ProjectKeyId(project, version);
        SecretKey cached = projectKeys.getIfPresent(id);
        if (cached != null) {
            return cached;
        }
        Optional<KeyRepository.WrappedProjectKey> wrapped = keys.projectKey(project, version);
        if (wrapped.isEmpty()) {
            if (keys.state(project).map(s -> s.revokedAt() != null).orElse(false)) {
                throw new EncryptionKeyRevoked();
            }
            throw new ProjectKeyGone(version);
        }
        SecretKey key = new SecretKeySpec(
                kek.unwrap(wrapped.get().kekId(), wrapped.get().wrapped(), projectContext(project, version)), "AES");
        if (!createdInThisTransaction(project)) {
            cache(projectKeys, id, key, seen);
        }
        return key;
    }

    SecretKey unwrap(UUID project, KeyRepository.WrappedDataKey k) {
        return unwrap(project, k, generation());
    }

    /**
     * Unwraps a namespace key. When its project key version is gone, a key change committed between
     * reading {@code k} and its project key (each statement sees the latest commit): a rewrap, or a
     * revocation and the customer's key supplied again. Read it again, under the version it names now,
     * up to ten times.
     */
    private SecretKey unwrap(UUID project, KeyRepository.WrappedDataKey k, long seen) {
        KeyRepository.WrappedDataKey current = k;
        for (int attempt = 1; ; attempt++) {
            try {
                SecretKey projectKey = projectKey(project, current.projectKeyVersion(), seen);
                byte[] raw = WrappedKeys.unwrap(
                        projectKey,
                        current.wrapped(),
                        namespaceContext(project, current.namespace(), current.purpose(), current.version()));
                return new SecretKeySpec(raw, "AES");
            } catch (ProjectKeyGone gone) {
                KeyRepository.WrappedDataKey again = keys.dataKey(
                                project, current.namespace(), current.purpose(), current.version())
                        .orElseThrow(() -> gone);
                if (attempt == 10) {
                    throw gone;
                }
                // rewrapped under another version, or the same version back (a revocation undone by the
                // customer's key in between): look again, the project key row may be readable now
                current = again;
            }
        }
    }

    /** A project key version that no longer exists (and not because the customer's key was revoked). */
    static final class ProjectKeyGone extends KeyGone {
        ProjectKeyGone(int version) {
            super("project key version " + version);
        }
    }

    /** Rewraps a namespace key under another project key version. */
    KeyRepository.WrappedDataKey rewrap(
            UUID project, KeyRepository.WrappedDataKey k, SecretKey newProjectKey, int newVersion) {
        SecretKey raw = unwrap(project, k);
        byte[] wrapped = WrappedKeys.wrap(
                newProjectKey, raw.getEncoded(), namespaceContext(project, k.namespace(), k.purpose(), k.version()));
        return new KeyRepository.WrappedDataKey(k.namespace(), k.purpose(), k.version(), wrapped, newVersion);
    }

    /** Forgets every cached key of the project (after rotation, revocation or shredding). */
    void forget(UUID project) {
        forgetCaches(project);
        markCreatedInThisTransaction(project);
    }

    static Aad projectContext(UUID project, int version) {
        return Aad.of("colloquy/project-key/v1", project, version);
    }

    static Aad namespaceContext(UUID project, String namespace, String purpose, int version) {
        return Aad.of("colloquy/namespace-key/v1", project, namespace, purpose, version);
    }

    static byte[] random32() {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        return raw;
    }

    private void remember(NamespaceKeyId id, SecretKey key, long seen) {
        if (!createdInThisTransaction(id.project())) {
            cache(namespaceKeys, id, key, seen);
        }
    }

    private long generation() {
        synchronized (cacheLock) {
            return generation;
        }
    }

    /** Caches a value read since generation {@code seen}, unless a forget happened meanwhile. */
    private <K, V> void cache(Cache<K, V> cache, K key, V value, long seen) {
        synchronized (cacheLock) {
            if (generation == seen) {
                cache.put(key, value);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static boolean createdInThisTransaction(UUID project) {
        Object resource = TransactionSynchronizationManager.isSynchronizationActive()
                ? TransactionSynchronizationManager.getResource(Keyring.class)
                : null;
        return resource != null && ((Set<UUID>) resource).contains(project);
    }

    /** Keys of this project created or changed by the current transaction are not cached until it ends. */
    @SuppressWarnings("unchecked")
    private void markCreatedInThisTransaction(UUID project) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return;
        }
        Set<UUID> touched = (Set<UUID>) TransactionSynchronizationManager.getResource(Keyring.class);
        if (touched == null) {
            touched = new HashSet<>();
            TransactionSynchronizationManager.bindResource(Keyring.class, touched);
            Set<UUID> projects = touched;
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(Keyring.class);
                    projects.forEach(Keyring.this::forgetCaches);
                }
            });
        }
        touched.add(project);
    }

    private void forgetCaches(UUID project) {
        synchronized (cacheLock) {
            generation++;
            projectKeys.asMap().keySet().removeIf(k -> k.project().equals(project));
            namespaceKeys.asMap().keySet().removeIf(k -> k.project().equals(project));
            currentVersions.asMap().keySet().removeIf(k -> k.project().equals(project));
        }
    }
}
