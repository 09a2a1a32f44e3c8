package io.colloquy.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Reads a request body whole, before anything takes a database connection for the request, and
 * serves it from memory from then on: so a client that sends its body slowly holds a (virtual) thread
 * and a socket, never a pooled connection nor an open transaction. The body must be at most
 * {@code colloquy.limits.max-body-bytes} (413, by Content-Length or while reading a chunked body) and
 * must have arrived within {@code colloquy.limits.body-read-timeout} of the first read (408
 * {@code REQUEST_TIMEOUT}; the deadline is checked after every read, and a read that gets nothing at
 * all ends with the connector's socket timeout).
 *
 * <p>The request filter calls it for every request the route table lets in, after the credential check
 * and before the tenant transaction, so a request without a valid key never has its body judged or read,
 * and a 413 or 408 carries the security and rate-limit headers like any other response.
 */
@Component
public final class BodyLimit {
    private static final int CHUNK = 8192;
    private final long maxBytes;
    private final Duration readTimeout;
    private final ErrorResponses errors;

    BodyLimit(
            @Value("${colloquy.limits.max-body-bytes}") long maxBytes,
            @Value("${colloquy.limits.body-read-timeout:10s}") Duration readTimeout,
            ErrorResponses errors) {
        this.maxBytes = maxBytes;
        this.readTimeout = readTimeout;
        this.errors = errors;
    }

    /**
     * {@code request} with its body read whole (itself when it has none), or empty once the answer is
     * written (413, 408) or the client went away.
     */
    public Optional<HttpServletRequest> readWhole(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (request.getContentLengthLong() > maxBytes) {
            errors.write(request, response, new PayloadTooLarge(maxBytes));
            return Optional.empty();
        }
        if (!hasBody(request)) {
            return Optional.of(request);
        }
        byte[] body;
        try {
            body = read(request.getInputStream(), request.getContentLengthLong());
        } catch (ApiException e) {
            errors.write(request, response, e);
            return Optional.empty();
        } catch (SocketTimeoutException e) {
            errors.write(request, response, new BodyTimedOut(readTimeout));
            return Optional.empty();
        } catch (IOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                errors.write(request, response, new BodyTimedOut(readTimeout));
            }
            return Optional.empty(); // the client went away: there is no one to answer
        }
        return Optional.of(new ReadBody(request, body));
    }

    private byte[] read(InputStream in, long declaredLength) throws IOException {
        long deadline = System.nanoTime() + readTimeout.toNanos();
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.clamp(declaredLength, 0, CHUNK));
        byte[] chunk = new byte[CHUNK];
        for (int n; (n = in.read(chunk)) >= 0; ) {
            if (body.size() + (long) n > maxBytes) {
                throw new PayloadTooLarge(maxBytes);
            }
            body.write(chunk, 0, n);
            if (System.nanoTime() - deadline > 0) {
                throw new BodyTimedOut(readTimeout);
            }
        }
        return body.toByteArray();
    }

    /** The body was larger than allowed. */
    static final class PayloadTooLarge extends ApiException {
        PayloadTooLarge(long maxBytes) {
            super(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than " + maxBytes + " bytes.");
        }
    }

    /** The body did not arrive in time. */
    static final class BodyTimedOut extends ApiException {
        BodyTimedOut(Duration timeout) {
            super(
                    ErrorCode.REQUEST_TIMEOUT,
                    "The request body did not arrive within " + timeout.toSeconds() + " seconds.");
        }
    }

    /** Whether a request announces a body (a length, or a chunked one). */
    public static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /** {@code request} with {@code body} (read whole already) served again from memory, as often as asked. */
    public static HttpServletRequest replaying(HttpServletRequest request, byte[] body) {
        return new ReadBody(request, body);
    }

    /** A request whose body has been read whole, served again from memory. */
    private static final class ReadBody extends HttpServletRequestWrapper {
        private final byte[] body;

        ReadBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("synchronous reads only");
                }
            };
        }
    }
}
