package io.colloquy.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of the test server that fails the way networks do: it can lose the answers of the next
 * requests (the server did the work, the client never hears), answer the next requests itself (a 503 with {@code
 * Retry-After}, a 400), and cut every open connection (a dropped WebSocket).
 */
public final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int upstreamPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger answersToLose = new AtomicInteger();
    private final AtomicInteger cannedLeft = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private volatile String canned;

    public CuttingProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** The proxy's base URL. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /**
     * The next {@code n} connections forward their request but lose the server's answer. Open connections are cut
     * first, so that the client's next request opens a new one.
     */
    public void loseNextAnswers(int n) {
        cutAll();
        answersToLose.set(n);
    }

    /** The next {@code n} connections are answered by the proxy with this status, never reaching the server. */
    public void answerNext(int n, int status, String extraHeaders) {
        cutAll();
        String body = "{\"error\":{\"code\":\"" + (status == 503 ? "SERVICE_UNAVAILABLE" : "VALIDATION_FAILED")
                + "\",\"message\":\"from the proxy\",\"type\":\"" + (status == 503 ? "api_error" : "invalid_request")
                + "\",\"request_id\":\"req_proxy\"}}";
        canned = "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n" + extraHeaders + "\r\n" + body;
        cannedLeft.set(n);
    }

    /** How many answers were lost so far. */
    public int lostAnswers() {
        return lost.get();
    }

    /** How many connections were accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Closes every open connection (both sides) at once. */
    public void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    @Override
    public void close() {
        closeQuietly(listener);
        cutAll();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                connections.incrementAndGet();
                if (cannedLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    respondAndClose(client, canned);
                    continue;
                }
                boolean lose = answersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                open.add(client);
                open.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, lose);
            } catch (IOException e) {
                // closed
            }
        }
    }

    private static void respondAndClose(Socket client, String response) {
        Thread t = new Thread(() -> {
            try (client) {
                InputStream in = client.getInputStream();
                byte[] buffer = new byte[8192];
                in.read(buffer); // the request's head (tests send small requests)
                OutputStream out = client.getOutputStream();
                out.write(response.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException ignored) {
                // the client went away
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to, boolean loseAnswer) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (loseAnswer) { // the server answered: the client never hears it
                        lost.incrementAndGet();
                        break;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
