package io.colloquy.platform;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Who runs PostgreSQL. A non-root JVM runs the binaries as itself; a root JVM runs them as the unprivileged
 * system account {@value #SERVICE_ACCOUNT} through {@code setpriv}, so a superuser's {@code COPY ... TO} or
 * {@code lo_export} can never touch root's files.
 */
record OsUser(boolean root) {

    static final String SERVICE_ACCOUNT = "colloquy";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static OsUser current() {
        return new OsUser(new UnixSystem().getUid() == 0);
    }

    /** The command as it must run: unchanged for a non-root JVM, dropped to the service account for root. */
    List<String> asServiceUser(List<String> command) {
        if (!root) {
            return List.copyOf(command);
        }
        List<String> wrapped = new ArrayList<>(List.of(
                "setpriv",
                "--reuid=" + SERVICE_ACCOUNT,
                "--regid=" + SERVICE_ACCOUNT,
                "--init-groups",
                "--no-new-privs",
                "--reset-env",
                "env",
                "LC_ALL=C",
                "LANG=C"));
        wrapped.addAll(command);
        return List.copyOf(wrapped);
    }

    /** Creates the system account when running as root and it does not exist yet. */
    void ensureServiceAccount() {
        if (!root || serviceAccountExists()) {
            return;
        }
        Processes.Result result = Processes.run(
                List.of(
                        "useradd",
                        "--system",
                        "--user-group",
                        "--no-create-home",
                        "--home-dir",
                        "/nonexistent",
                        "--shell",
                        "/usr/sbin/nologin",
                        SERVICE_ACCOUNT),
                TIMEOUT);
        if (!result.succeeded() && !serviceAccountExists()) { // another JVM may have won the race
            result.orThrow();
        }
    }

    /** Gives a path (not following links) to the service account; a no-op for a non-root JVM. */
    void handToServiceAccount(Path path) {
        if (!root) {
            return;
        }
        try {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal owner = lookup.lookupPrincipalByName(SERVICE_ACCOUNT);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(SERVICE_ACCOUNT);
            PosixFileAttributeView view =
                    Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setOwner(owner);
            view.setGroup(group);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not give " + path + " to " + SERVICE_ACCOUNT, e);
        }
    }

    /** Whether the user PostgreSQL runs as can reach {@code dir} (every ancestor must be searchable). */
    boolean serviceAccountCanTraverse(Path dir) {
        return !root
                || Processes.run(asServiceUser(List.of("test", "-x", dir.toString())), TIMEOUT)
                        .succeeded();
    }

    String serviceAccountName() {
        return root ? SERVICE_ACCOUNT : System.getProperty("user.name");
    }

    private static boolean serviceAccountExists() {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SERVICE_ACCOUNT);
            return true;
        } catch (UserPrincipalNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
