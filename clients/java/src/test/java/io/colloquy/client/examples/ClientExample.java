package io.colloquy.client.examples;

import io.colloquy.client.AuditStream;
import io.colloquy.client.Checkpoint;
import io.colloquy.client.ColloquyClient;
import io.colloquy.client.ColloquyException;
import io.colloquy.client.Dialogue;
import io.colloquy.client.Message;
import io.colloquy.client.NamespaceClient;
import io.colloquy.client.NewDialogue;
import io.colloquy.client.NewMemory;
import io.colloquy.client.NewMessage;
import java.nio.file.Path;
import java.util.List;

public class ClientExample {
    public static void main(String[] args) throws Exception {
        ColloquyClient colloquy = ColloquyClient.builder()
                .url(System.getenv().getOrDefault("COLLOQUY_URL", "http://127.0.0.1:8080"))
                .apiKey(System.getenv("COLLOQUY_API_KEY"))
                .build();
        NamespaceClient alice = colloquy.namespace("alice");

        // one round trip: the dialogue of the application's own conversation id, created on first use
        Dialogue chat = alice.dialogueByKey("support-ticket-4711", NewDialogue.titled("Printer"))
                .dialogue();
        alice.append(
                chat.id(), List.of(NewMessage.user("The printer is offline."), NewMessage.assistant("Restart it?")));
        alice.messages(chat.id())
                .forEach((Message m) -> System.out.println(m.seq() + " " + m.role() + ": " + m.content()));
        alice.remember(NewMemory.longTerm("Alice's printer is a LaserJet 4"));

        try {
            alice.createDialogue(NewDialogue.keyed("support-ticket-4711"));
        } catch (ColloquyException.Conflict e) {
            System.out.println(e.code() + " " + e.requestId()); // ALREADY_EXISTS req_...
        }

        // the audit log, verified here: signature, and consistency with the last checkpoint this client saw
        Checkpoint checkpoint = colloquy.audit().checkpoint();
        System.out.println("log size " + checkpoint.treeSize());
        colloquy.audit().events(0).limit(3).forEach(e -> colloquy.audit().verifyInclusion(e));
        try (AuditStream live = colloquy.audit().stream(checkpoint.treeSize(), e -> System.out.println(e.action()))) {
            alice.append(chat.id(), NewMessage.user("Restarted, works now."));
            Thread.sleep(1000);
        }

        alice.exportTo(Path.of("alice-export.json"));
    }
}
