package dev.stad.runtime.serve;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link StationServer} listens and what it accepts.
 *
 * @param bind address to listen on; loopback unless the station should be reachable from others
 * @param port TCP port; 0 picks a free one ({@link StationServer#port()} says which)
 * @param maxBodyBytes largest request body; a larger one is refused (413) before it is read
 * @param maxPixels largest image decoded; a larger one is refused (413) from its header
 * @param workers images scored at the same time
 * @param queue requests admitted beyond those being scored; more get 503 with Retry-After. With
 *     {@code workers}, it bounds memory: at most {@code workers + queue} bodies are held, and only
 *     {@code workers} images are decoded at once
 * @param timeout longest a request waits for the detector; past it, 503 with Retry-After
 * @param drain on shutdown, how long requests in flight may take to finish
 * @param token bearer token every endpoint but {@code /health} requires; null: none
 */
public record ServeOptions(
        String bind,
        int port,
        long maxBodyBytes,
        long maxPixels,
        int workers,
        int queue,
        Duration timeout,
        Duration drain,
        String token) {
    /** Loopback: a station serves its own machine unless told otherwise. */
    public static final String DEFAULT_BIND = "127.0.0.1";

    public static final int DEFAULT_PORT = 8080;
    /** 32 MB: a 5 MP camera image is 1 to 15 MB as PNG. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;
    /** 30 MP: above today's inspection cameras; its floats take 360 MB. */
    public static final long DEFAULT_MAX_PIXELS = 30_000_000L;

    public static final int DEFAULT_QUEUE = 8;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    public ServeOptions {
        Objects.requireNonNull(bind, "bind must not be null");
        Objects.requireNonNull(timeout, "timeout must not be null");
        Objects.requireNonNull(drain, "drain must not be null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535, found " + port);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1, found " + maxBodyBytes);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, found " + maxPixels);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, found " + workers);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must be >= 0, found " + queue);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, found " + timeout);
        }
        if (drain.isNegative()) {
            throw new IllegalArgumentException("drain must not be negative, found " + drain);
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("token must not be blank (null for none)");
        }
    }

    public static ServeOptions defaults() {
        return new ServeOptions(
                DEFAULT_BIND,
                DEFAULT_PORT,
                DEFAULT_MAX_BODY_BYTES,
                DEFAULT_MAX_PIXELS,
                1,
                DEFAULT_QUEUE,
                DEFAULT_TIMEOUT,
                DEFAULT_DRAIN,
                null);
    }

    public ServeOptions withBind(String b) {
        return new ServeOptions(b, port, maxBodyBytes, maxPixels, workers, queue, timeout, drain, token);
    }

    public ServeOptions withPort(int p) {
        return new ServeOptions(bind, p, maxBodyBytes, maxPixels, workers, queue, timeout, drain, token);
    }

    public ServeOptions withMaxBodyBytes(long b) {
        return new ServeOptions(bind, port, b, maxPixels, workers, queue, timeout, drain, token);
    }

    public ServeOptions withMaxPixels(long p) {
        return new ServeOptions(bind, port, maxBodyBytes, p, workers, queue, timeout, drain, token);
    }

    public ServeOptions withWorkers(int w) {
        return new ServeOptions(bind, port, maxBodyBytes, maxPixels, w, queue, timeout, drain, token);
    }

    public ServeOptions withQueue(int q) {
        return new ServeOptions(bind, port, maxBodyBytes, maxPixels, workers, q, timeout, drain, token);
    }

    public ServeOptions withTimeout(Duration t) {
        return new ServeOptions(bind, port, maxBodyBytes, maxPixels, workers, queue, t, drain, token);
    }

    public ServeOptions withDrain(Duration d) {
        return new ServeOptions(bind, port, maxBodyBytes, maxPixels, workers, queue, timeout, d, token);
    }

    public ServeOptions withToken(String t) {
        return new ServeOptions(bind, port, maxBodyBytes, maxPixels, workers, queue, timeout, drain, t);
    }

    /** Requests held at once: being scored or waiting. */
    public int admitted() {
        return workers + queue;
    }
}
