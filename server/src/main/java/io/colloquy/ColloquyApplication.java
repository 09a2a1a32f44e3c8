package io.colloquy;

import io.colloquy.platform.CommandLine;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.modulith.Modulithic;

/** Colloquy: a security-first, multi-tenant store for the conversations and memories of AI applications. */
@SpringBootApplication
@Modulithic(sharedModules = {"web", "platform"})
public class ColloquyApplication {
    public static void main(String[] args) {
        CommandLine.run(ColloquyApplication.class, args);
    }
}
