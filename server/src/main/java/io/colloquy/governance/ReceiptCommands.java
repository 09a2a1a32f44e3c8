package io.colloquy.governance;

import io.colloquy.platform.CliCommand;
import java.io.PrintStream;
import java.util.List;
import org.springframework.stereotype.Component;

/** {@code ./colloquy receipts list}: every deletion receipt, one signed JSON text per line with its signature. */
@Component
final class ReceiptCommands implements CliCommand {
    private final Receipts receipts;

    ReceiptCommands(Receipts receipts) {
        this.receipts = receipts;
    }

    @Override
    public List<String> words() {
        return List.of("receipts", "list");
    }

    @Override
    public String usage() {
        return "receipts list                 deletion receipts (signed text, tab, base64 Ed25519 signature)";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        receipts.list(100_000).forEach(r -> out.println(r.signedText() + "\t" + r.signature() + "\t" + r.keyId()));
        return 0;
    }
}
