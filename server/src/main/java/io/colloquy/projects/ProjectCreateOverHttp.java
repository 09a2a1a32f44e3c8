package io.colloquy.projects;

import io.colloquy.platform.RemoteCliCommand;
import io.colloquy.platform.RunningServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code ./colloquy project create NAME} through the running server ({@code POST /v1/projects} with the operator
 * token): no second Spring context, no second database connection pool. Prints what {@link ProjectCommands} prints.
 */
public final class ProjectCreateOverHttp implements RemoteCliCommand {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public List<String> words() {
        return List.of("project", "create");
    }

    @Override
    public OptionalInt run(RunningServer server, List<String> args, PrintStream out) throws IOException {
        ProjectCommands.Arguments a = ProjectCommands.Arguments.parse(args);
        if (a == null) {
            System.err.println("Usage: ./colloquy " + ProjectCommands.USAGE);
            return OptionalInt.of(2);
        }
        StringWriter body = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(ObjectWriteContext.empty(), body)) {
            json.writeStartObject();
            json.writeStringProperty("name", a.name());
            if (a.plan() != null) {
                json.writeStringProperty("plan", a.plan());
            }
            json.writeBooleanProperty("immutable_dialogues", a.immutableDialogues());
            json.writeBooleanProperty("delete_protection", a.deleteProtection());
            json.writeEndObject();
        }
        RunningServer.Response response = server.postAsOperator("/v1/projects", body.toString());
        if (response.status() == 401) {
            return OptionalInt.empty(); // it does not take our operator token: nothing was created
        }
        Map<String, String> answer;
        try {
            answer = strings(response.body());
        } catch (JacksonException e) {
            answer = Map.of();
        }
        if (response.status() != 201) {
            System.err.println("colloquy: the server refused (" + response.status() + "): "
                    + answer.getOrDefault("/error/message", response.body()));
            for (int i = 0; answer.containsKey("/error/fields/" + i + "/field"); i++) {
                System.err.println("  " + answer.get("/error/fields/" + i + "/field") + ": "
                        + answer.getOrDefault("/error/fields/" + i + "/problem", ""));
            }
            return OptionalInt.of(1);
        }
        if (!answer.keySet().containsAll(List.of("/project/id", "/project/name", "/project/plan", "/key/key"))) {
            System.err.println("colloquy: unexpected answer from the server: the project may have been created");
            return OptionalInt.of(1);
        }
        ProjectCommands.print(
                out,
                answer.get("/project/id"),
                answer.get("/project/name"),
                answer.get("/project/plan"),
                answer.get("/key/key"));
        return OptionalInt.of(0);
    }

    /**
     * Every string value of a JSON document by its JSON pointer. Jackson's streaming parser, not a mapper: a CLI
     * that starts, asks and exits spends most of its time loading classes.
     */
    private static Map<String, String> strings(String document) {
        Map<String, String> values = new HashMap<>();
        try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), document)) {
            for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                if (t == JsonToken.VALUE_STRING) {
                    values.put(parser.streamReadContext().pathAsPointer().toString(), parser.getString());
                }
            }
        }
        return values;
    }
}
