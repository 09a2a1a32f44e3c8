package io.colloquy.platform;

import java.io.IOException;
import java.nio.file.Path;

/** Child JVM for {@link EmbeddedPostgresIntegrationTests}: starts the server, prints "READY port clusterDir", then waits. */
final class EmbeddedPostgresMain {

    private EmbeddedPostgresMain() {}

    public static void main(String[] args) throws InterruptedException {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(Path.of(args[0]));
        System.out.println("READY " + postgres.port() + " " + postgres.clusterDir());
        System.out.flush();
        // exit (and stop the server through the shutdown hook) if the test JVM goes away and closes our stdin
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() != -1) {
                    // ignore input
                }
            } catch (IOException ignored) {
                // treat like end of input
            }
            System.exit(0);
        });
        Thread.sleep(Long.MAX_VALUE);
    }
}
