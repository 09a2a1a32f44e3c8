package io.colloquy.accounts;

import io.colloquy.platform.RemoteCliCommand;
import io.colloquy.platform.RunningServer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code ./colloquy user invite} through the running server; prints what {@link UserInviteCommand} prints. */
public final class UserInviteOverHttp implements RemoteCliCommand {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public List<String> words() {
        return List.of("user", "invite");
    }

    @Override
    public OptionalInt run(RunningServer server, List<String> args, PrintStream out) throws IOException {
        UserInviteCommand.Arguments a = UserInviteCommand.Arguments.parse(args);
        if (a == null) {
            System.err.println("Usage: ./colloquy " + UserInviteCommand.USAGE);
            return OptionalInt.of(2);
        }
        String body = JSON.writeValueAsString(java.util.Map.of("email", a.email(), "role", a.role()));
        RunningServer.Response response = server.postAsOperator(
                "/v1/projects/" + java.net.URLEncoder.encode(a.project(), java.nio.charset.StandardCharsets.UTF_8)
                        + "/invites",
                body);
        if (response.status() == 401) {
            return OptionalInt.empty();
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (JacksonException e) {
            answer = JSON.createObjectNode();
        }
        if (response.status() != 201) {
            System.err.println("colloquy: the server refused (" + response.status() + "): "
                    + answer.path("error").path("message").asString(response.body()));
            for (JsonNode f : answer.path("error").path("fields")) {
                System.err.println("  " + f.path("field").asString() + ": "
                        + f.path("problem").asString());
            }
            return OptionalInt.of(1);
        }
        UserInviteCommand.print(
                out,
                answer.path("email").asString(),
                a.project(),
                answer.path("role").asString(),
                answer.path("expires_at").asString(),
                answer.path("url").asString());
        return OptionalInt.of(0);
    }
}
