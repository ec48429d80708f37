package dev.stad.runtime.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.stad.runtime.StadVersion;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.cli.InfoCommand;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.ImageTooSmallException;
import dev.stad.runtime.detect.Region;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.ImageFormatException;
import dev.stad.runtime.image.ImageTooLargeException;
import dev.stad.runtime.output.FloatTiff;
import dev.stad.runtime.output.Heatmaps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The station as an HTTP service on the JDK's own server ({@code com.sun.net.httpserver}): no
 * dependency enters the jar a station embeds, and the work per request is the detector's, not
 * the server's. Endpoints:
 *
 * <ul>
 *   <li>{@code POST /v1/score}: the image's bytes in; JSON out (score, threshold, decision,
 *       regions), or with {@code ?map=png}, {@code ?map=tiff} or {@code ?overlay=png} the picture,
 *       or with {@code ?map=json} the JSON with the map's floats.
 *   <li>{@code GET /}: a page to drop an image on and look at its map.
 *   <li>{@code GET /health}: 200 once the detector has opened and scored a warm-up image, 503
 *       before that and while stopping.
 *   <li>{@code GET /v1/info}: what {@code runtime info} says, as JSON.
 *   <li>{@code GET /metrics}: Prometheus text ({@link Metrics}).
 * </ul>
 *
 * <p>Memory stays bounded under any load: a request is admitted only while fewer than {@link
 * ServeOptions#admitted()} are held (else 503 with Retry-After, before its body is read), a body
 * over the limit is refused from its length, and images are decoded only when a worker is free
 * to score them. Every error is JSON naming the problem: {@code {"status": 413, "error": "..."}}.
 */
public final class StationServer implements AutoCloseable {
    /** At least this much of a refused request's body is read and dropped before closing. */
    private static final long LINGER_BYTES = 16L << 20;

    /** How a score request's body is named in error messages. */
    static final String BODY = "request body";

    /**
     * What one request holds, for the handler's end. Not exchange attributes: the JDK server keeps
     * those in its context, shared by every request.
     */
    private static final class Call {
        /** It holds one of the admitted places. */
        boolean admitted;
        /** Its body was read to the end. */
        boolean bodyRead;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private enum State {
        STARTING,
        READY,
        FAILED,
        STOPPING
    }

    private final HttpServer http;
    private final ServeOptions options;
    private final ThreadPoolExecutor executor;
    private final Semaphore admitted;
    private final Semaphore scoring;
    private final Metrics metrics = new Metrics();
    private final CountDownLatch settled = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final byte[] page;
    private final byte[] token;
    private final boolean loopback;
    private volatile State state = State.STARTING;
    private volatile Detector detector;
    private volatile Throwable failure;
    private volatile byte[] info;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object lifecycle = new Object();
    private boolean closed;

    private StationServer(HttpServer http, ServeOptions options, ThreadPoolExecutor executor) {
        this.http = http;
        this.loopback = http.getAddress().getAddress().isLoopbackAddress();
        this.options = options;
        this.executor = executor;
        this.admitted = new Semaphore(options.admitted(), true);
        this.scoring = new Semaphore(options.workers(), true);
        this.page = resource("index.html");
        this.token = options.token() == null ? null : options.token().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Listens at once, then opens the bundle and scores a warm-up image on a thread of its own:
     * until that is done, {@code /health} says "starting" and scoring answers 503 (a TensorRT
     * engine can take minutes to build). {@link #awaitReady} waits for it.
     *
     * @throws IOException if the address cannot be bound (in use, not this machine's)
     */
    public static StationServer start(Path bundle, DetectorOptions detectorOptions, ServeOptions options)
            throws IOException {
        Objects.requireNonNull(bundle, "bundle must not be null");
        Objects.requireNonNull(detectorOptions, "detectorOptions must not be null");
        Objects.requireNonNull(options, "options must not be null");
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(options.bind()), options.port());
        // Without these the JDK server waits forever for a request that trickles in (a slow
        // upload would hold an admitted place for good) and for a client that never reads its
        // answer. A request must arrive within --timeout; its answer, counted from the end of
        // the request, within --timeout plus five minutes of scoring. Read once, when the
        // server first loads: the first station of a process sets them, a user's value is kept.
        long seconds = Math.max(1, (long) Math.ceil(options.timeout().toMillis() / 1000.0));
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(seconds));
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", Long.toString(seconds + 300));
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new IOException(
                    "cannot listen on " + options.bind() + ":" + options.port() + " ("
                            + (e.getMessage() != null
                                    ? e.getMessage()
                                    : e.getClass().getSimpleName()) + ")",
                    e);
        }
        // Threads for every request that may be held, and more to answer health, metrics and
        // refusals while they are; connections beyond wait in the executor's queue, unread.
        int threads = options.admitted() + 16;
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "stad-serve-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        StationServer server = new StationServer(http, options, executor);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        Thread opener = new Thread(() -> server.open(bundle, detectorOptions), "stad-serve-open");
        opener.setDaemon(true);
        opener.start();
        return server;
    }

    /** The port listened on (the one picked, where the options said 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port}, the address clients use. */
    public String url() {
        InetSocketAddress a = http.getAddress();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The detector, once ready; null before. */
    public Detector detector() {
        return state == State.READY ? detector : null;
    }

    public ServeOptions options() {
        return options;
    }

    /**
     * Waits until the detector has opened and warmed up.
     *
     * @return false if {@code timeout} passed first
     * @throws IOException if opening it failed (the message says why)
     */
    public boolean awaitReady(Duration timeout) throws IOException, InterruptedException {
        if (!settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        if (failure != null) {
            throw new IOException(failure.getMessage() != null ? failure.getMessage() : failure.toString(), failure);
        }
        return state == State.READY;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops: from now on scoring, {@code /v1/info} and {@code /health} answer 503 "stopping" (so
     * a load balancer takes the station out), requests in flight get up to {@link ServeOptions#drain()}
     * to finish, then the listening socket and every connection close and the detector closes.
     * Safe to call twice and from a shutdown hook.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            state = State.STOPPING;
        }
        try {
            // Our own count, not HttpServer.stop(delay): before Java 21 that waits the whole delay
            // when no exchange is left to end (JDK-8304065).
            long deadline = System.nanoTime() + options.drain().toNanos();
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            http.stop(0);
            executor.shutdownNow();
            synchronized (lifecycle) {
                if (detector != null) {
                    detector.close();
                    detector = null;
                }
            }
        } finally {
            stopped.countDown();
        }
    }

    private void open(Path bundle, DetectorOptions detectorOptions) {
        Detector d = null;
        try {
            d = Detector.open(bundle, detectorOptions);
            BundleManifest m = d.manifest();
            // The whole path once (decode-side conversion, preprocessing, map resize, regions),
            // not only the graph Detector.open runs, so the first client is not the slow one.
            // An image that becomes the reference size after a native bundle's scale.
            double scale = m.preprocessing().scale();
            int h = (int) Math.ceil(m.preprocessing().height() / scale);
            int w = (int) Math.ceil(m.preprocessing().width() / scale);
            float[] grey = new float[3 * h * w];
            Arrays.fill(grey, 0.5f);
            d.score(new FloatImage(3, h, w, grey));
            byte[] infoJson = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(infoOf(d));
            synchronized (lifecycle) {
                if (closed) {
                    d.close();
                    return;
                }
                detector = d;
                info = infoJson;
                state = State.READY;
            }
        } catch (Throwable e) {
            if (d != null) {
                d.close();
            }
            failure = e;
            synchronized (lifecycle) {
                if (!closed) {
                    state = State.FAILED;
                }
            }
        } finally {
            settled.countDown();
        }
    }

    private void handle(HttpExchange ex) {
        inFlight.incrementAndGet();
        try {
            handleCounted(ex);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void handleCounted(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getRawPath();
        String endpoint = switch (path) {
            case "/", "/index.html" -> "/";
            case "/health", "/v1/score", "/v1/info", "/metrics" -> path;
            default -> "other";
        };
        Reply reply = null;
        Call call = new Call();
        try {
            try {
                reply = route(ex, call, path, endpoint, t0);
            } catch (ClientGone e) {
                // The client went away while its body was read: nobody to answer.
                metrics.request(endpoint, 499, "client_gone");
                return;
            } catch (IOException | RuntimeException e) {
                reply = Reply.error(500, "error", "internal error: " + why(e));
            }
            boolean unread = !call.bodyRead && hasBody(ex);
            if (unread) {
                // Answered without reading the body: the connection cannot carry another request.
                reply.headers().put("Connection", "close");
            }
            try {
                send(ex, reply, unread, Math.max(options.maxBodyBytes(), LINGER_BYTES), () -> releasePlace(call));
            } catch (IOException e) {
                // The client went away before the answer was sent.
            }
            metrics.request(endpoint, reply.status(), reply.outcome());
        } finally {
            releasePlace(call);
            ex.close();
        }
    }

    /**
     * Gives back a scoring request's admitted place, once. A request keeps its place until its
     * answer is all but sent (answers can be larger than the image, a float map, and a slow reader
     * must not multiply them), and gives it back before the last byte goes out: a client that
     * has its whole answer can send the next request and find the place free.
     */
    private void releasePlace(Call call) {
        if (call.admitted) {
            call.admitted = false;
            admitted.release();
        }
    }

    /** Whether the request declares a body (a length above 0, or chunks). */
    private static boolean hasBody(HttpExchange ex) {
        return contentLength(ex) > 0 || ex.getRequestHeaders().containsKey("Transfer-Encoding");
    }

    /** An I/O error reading the request: the client is gone, not the server broken. */
    private static final class ClientGone extends IOException {
        private static final long serialVersionUID = 1L;

        ClientGone(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private Reply route(HttpExchange ex, Call call, String path, String endpoint, long t0) throws IOException {
        Map<String, String> query;
        try {
            query = query(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            return Reply.error(400, "bad_request", "malformed query string: " + e.getMessage());
        }
        if (endpoint.equals("/health")) {
            return only(ex, "GET", () -> health());
        }
        if (token == null && loopback && !loopbackHost(ex.getRequestHeaders().getFirst("Host"))) {
            // Without a token, a web page the operator visits could reach a loopback station
            // through a DNS name of its own (DNS rebinding); the Host header gives that away.
            return Reply.error(
                    403,
                    "forbidden_host",
                    "this station answers requests for localhost, 127.0.0.1 or [::1] only (it has no --token-file)");
        }
        if (!authorised(ex, endpoint.equals("/") ? query.get("token") : null)) {
            Reply r = Reply.error(
                    401,
                    "unauthorized",
                    ex.getRequestHeaders().containsKey("Authorization")
                            ? "wrong bearer token"
                            : "this station needs a bearer token: send the header 'Authorization: Bearer <token>'");
            r.headers().put("WWW-Authenticate", "Bearer realm=\"stad\"");
            return r;
        }
        return switch (endpoint) {
            case "/" -> only(ex, "GET", () -> new Reply(200, "ok", "text/html; charset=utf-8", page));
            case "/v1/info" -> only(ex, "GET", this::info);
            case "/metrics" ->
                only(
                        ex,
                        "GET",
                        () -> new Reply(
                                200,
                                "ok",
                                "text/plain; version=0.0.4; charset=utf-8",
                                metrics.prometheus(gauges()).getBytes(StandardCharsets.UTF_8)));
            case "/v1/score" ->
                "POST".equals(ex.getRequestMethod())
                        ? score(ex, call, query, t0)
                        : notAllowed("POST", ex.getRequestMethod());
            default ->
                Reply.error(
                        404,
                        "not_found",
                        "no such endpoint: " + path + " (there are /, /health, /v1/score, /v1/info" + " and /metrics)");
        };
    }

    private interface Answer {
        Reply get() throws IOException;
    }

    /** {@code answer} for the method (and HEAD where it is GET), else 405. */
    private static Reply only(HttpExchange ex, String method, Answer answer) throws IOException {
        String asked = ex.getRequestMethod();
        if (method.equals(asked) || ("GET".equals(method) && "HEAD".equals(asked))) {
            return answer.get();
        }
        return notAllowed("GET".equals(method) ? "GET, HEAD" : method, asked);
    }

    /** Whether a Host header names this machine's loopback (any port). */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1");
        }
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        return name.equals("localhost") || name.equals("127.0.0.1");
    }

    private static Reply notAllowed(String allowed, String asked) {
        Reply r = Reply.error(405, "method_not_allowed", asked + " is not allowed here; use " + allowed);
        r.headers().put("Allow", allowed);
        return r;
    }

    private Reply health() throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        State s = state;
        // The status only: /health needs no token, so it names no model, path or error
        // (/v1/info says why the detector failed).
        body.put("status", s.name().toLowerCase(java.util.Locale.ROOT));
        Reply r = new Reply(s == State.READY ? 200 : 503, s == State.READY ? "ok" : "unavailable", json(body));
        if (s == State.STARTING) {
            r.headers().put("Retry-After", "5");
        }
        return r;
    }

    private Reply info() {
        Reply unavailable = unavailable();
        return unavailable != null ? unavailable : new Reply(200, "ok", "application/json", info);
    }

    /** The answer while the detector cannot score, or null when it can. */
    private Reply unavailable() {
        return switch (state) {
            case READY -> null;
            case STARTING -> retryLater(503, "starting", "the detector is still opening and warming up", 5);
            case STOPPING -> Reply.error(503, "stopping", "the station is shutting down");
            case FAILED -> Reply.error(503, "failed", "the detector could not be opened: " + why(failure));
        };
    }

    private Reply score(HttpExchange ex, Call call, Map<String, String> query, long t0) throws IOException {
        Reply unavailable = unavailable();
        if (unavailable != null) {
            return unavailable;
        }
        Output output;
        try {
            output = Output.of(query);
        } catch (IllegalArgumentException e) {
            return Reply.error(400, "bad_request", e.getMessage());
        }
        long declared = contentLength(ex);
        if (declared > options.maxBodyBytes()) {
            return tooLargeBody(declared);
        }
        if (!admitted.tryAcquire()) {
            return retryLater(
                    503,
                    "queue_full",
                    "the station is busy: " + options.admitted() + " requests are being scored or waiting"
                            + " (--parallel " + options.workers() + ", --queue " + options.queue() + ")",
                    retryAfterSeconds());
        }
        call.admitted = true; // released when the answer is all but sent
        byte[] body;
        try {
            body = readBody(ex.getRequestBody(), declared, options.maxBodyBytes());
        } catch (IOException e) {
            throw new ClientGone(e);
        }
        if (body == null) {
            return tooLargeBody(-1);
        }
        call.bodyRead = true;
        if (body.length == 0) {
            return Reply.error(
                    400,
                    "empty_body",
                    "the request body is empty: send the image's bytes (PNG, JPEG,"
                            + " BMP or TIFF) as the body of the POST");
        }
        long waitNanos = options.timeout().toNanos() - (System.nanoTime() - t0);
        try {
            if (waitNanos <= 0 || !scoring.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
                return retryLater(
                        503,
                        "timeout",
                        "waited " + options.timeout().toSeconds() + " s for the detector (--timeout); the station"
                                + " is overloaded",
                        retryAfterSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(503, "stopping", "the station is shutting down");
        }
        try {
            return scoreBody(body, output, t0);
        } finally {
            scoring.release();
        }
    }

    private Reply scoreBody(byte[] body, Output output, long t0) throws IOException {
        FloatImage image;
        try {
            image = ImageDecoder.decode(body, BODY, options.maxPixels());
        } catch (ImageTooLargeException e) {
            return Reply.error(413, "too_many_pixels", e.getMessage() + " (the station's --max-megapixels)");
        } catch (ImageFormatException e) {
            return Reply.error(415, "not_an_image", e.getMessage());
        }
        // Admitted before a shutdown began, it is scored while the station drains; only once the
        // drain is over and the detector closed is it too late.
        Detector d = detector;
        if (d == null) {
            return Reply.error(503, "stopping", "the station is shutting down");
        }
        Detection det;
        try {
            det = d.score(image);
        } catch (ImageTooSmallException e) {
            return Reply.error(422, "too_small", e.getMessage());
        } catch (Exception e) {
            if (detector == null) {
                return Reply.error(503, "stopping", "the station is shutting down");
            }
            return Reply.error(500, "scoring_failed", "scoring failed: " + why(e));
        }
        Reply reply = switch (output) {
            case JSON, MAP_JSON ->
                new Reply(200, "ok", json(ScoreReply.of(det, d, output == Output.MAP_JSON, elapsedMillis(t0))));
            case MAP_PNG ->
                new Reply(200, "ok", "image/png", Heatmaps.pngBytes(Heatmaps.heatmap(det.map(), det.threshold())));
            case MAP_TIFF -> new Reply(200, "ok", "image/tiff", FloatTiff.bytes(det.map()));
            case OVERLAY_PNG ->
                new Reply(
                        200, "ok", "image/png", Heatmaps.pngBytes(Heatmaps.overlay(image, det.map(), det.threshold())));
        };
        Map<String, String> h = reply.headers();
        h.put("X-Stad-Score", Double.toString(det.score()));
        h.put("X-Stad-Threshold", Double.toString(det.threshold()));
        h.put("X-Stad-Anomalous", Boolean.toString(det.anomalous()));
        h.put("X-Stad-Regions", Integer.toString(det.regions().size()));
        metrics.scored(det.score(), det.anomalous(), (System.nanoTime() - t0) / 1e9, det.millis() / 1e3);
        return reply;
    }

    private Reply tooLargeBody(long declared) {
        return Reply.error(
                413,
                "too_large",
                (declared >= 0 ? "the request body is " + declared + " bytes" : "the request body is larger")
                        + " than the limit of " + options.maxBodyBytes() + " bytes (--max-body-mb)");
    }

    private static Reply retryLater(int status, String outcome, String message, long seconds) {
        Reply r = Reply.error(status, outcome, message + "; retry after " + seconds + " s");
        r.headers().put("Retry-After", Long.toString(seconds));
        return r;
    }

    /**
     * About when a place frees: when the image being scored is done, one detector time (divided
     * among the workers); at least a second.
     */
    private long retryAfterSeconds() {
        double perImage = metrics.meanDetectorSeconds();
        if (Double.isNaN(perImage)) {
            perImage = 1;
        }
        return Math.max(1, (long) Math.ceil(perImage / options.workers()));
    }

    private Map<String, Double> gauges() {
        Map<String, Double> g = new LinkedHashMap<>();
        int held = options.admitted() - admitted.availablePermits();
        int busy = options.workers() - scoring.availablePermits();
        g.put("stad_ready", state == State.READY ? 1.0 : 0.0);
        g.put("stad_requests_scoring", (double) busy);
        g.put("stad_requests_waiting", (double) Math.max(0, held - busy));
        g.put("stad_requests_limit", (double) options.admitted());
        Detector d = detector;
        if (d != null) {
            g.put("stad_threshold", d.threshold());
        }
        return g;
    }

    private boolean authorised(HttpExchange ex, String queryToken) {
        if (token == null) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String given = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = header.substring(7).trim();
        } else if (header == null && queryToken != null) {
            given = queryToken;
        }
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    /** The declared body length, or -1 where none is (a chunked body). */
    private static long contentLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The whole body, or null if it is longer than {@code limit} (reading stops there). With a
     * declared length, exactly that is allocated; a chunked body grows as it arrives.
     */
    static byte[] readBody(InputStream in, long declared, long limit) throws IOException {
        if (declared >= 0 && declared <= limit) {
            byte[] body = in.readNBytes((int) declared);
            if (body.length < declared) {
                throw new IOException("the body ended after " + body.length + " of " + declared + " bytes");
            }
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > limit) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Sends the answer. With {@code unreadBody}, the body the request still carries is then read
     * and thrown away (up to {@code lingerBytes}) before the connection closes: closing on unread
     * data resets the connection, and a client still uploading would lose the answer (a 413, a
     * 503) it was sent.
     */
    /** Sends {@code r}; {@code beforeLastByte} runs when all of the answer but its last byte is written. */
    private static void send(HttpExchange ex, Reply r, boolean unreadBody, long lingerBytes, Runnable beforeLastByte)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", r.contentType());
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            ex.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        boolean head = "HEAD".equals(ex.getRequestMethod());
        int length = head ? 0 : r.body().length;
        if (length == 0) {
            beforeLastByte.run();
        }
        ex.sendResponseHeaders(r.status(), length == 0 ? -1 : length);
        try (OutputStream out = ex.getResponseBody()) {
            if (length > 0) {
                out.write(r.body(), 0, length - 1);
                beforeLastByte.run();
                out.write(r.body(), length - 1, 1);
            }
            out.flush();
            if (unreadBody) {
                InputStream in = ex.getRequestBody();
                byte[] sink = new byte[64 * 1024];
                long left = lingerBytes;
                int n;
                while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
                    left -= n;
                }
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static double elapsedMillis(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static byte[] json(Object value) throws JsonProcessingException {
        return JSON.writeValueAsBytes(value);
    }

    private static String why(Throwable e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m += " (caused by " + c.getMessage() + ")";
        }
        return m;
    }

    private static byte[] resource(String name) {
        try (InputStream in = StationServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the runtime jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> infoOf(Detector d) {
        BundleManifest m = d.manifest();
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("bundle", d.bundle().toString());
        i.put("model", m.name());
        i.put("sha256", d.bundleSha256());
        i.put("formatVersion", m.formatVersion());
        i.put("runtimeVersion", StadVersion.get());
        i.put("engine", d.engine());
        i.put("precision", d.precision().id());
        i.put("tile", d.tile());
        i.put("threshold", d.threshold());
        i.put("thresholdRule", m.threshold().rule());
        i.put(
                "input",
                Map.of(
                        "mode", m.preprocessing().mode().id(),
                        "scale", m.preprocessing().scale(),
                        "width", m.preprocessing().width(),
                        "height", m.preprocessing().height(),
                        "mean", m.preprocessing().mean(),
                        "std", m.preprocessing().std(),
                        "normalization", m.preprocessing().normalization().id()));
        i.put(
                "scales",
                m.scales().stream()
                        .map(s -> Map.of(
                                "name", s.name(),
                                "receptiveField", s.receptiveField(),
                                "students", s.students()))
                        .toList());
        if (m.provenance() != null) {
            i.put("provenance", m.provenance());
        }
        i.put("description", List.of(InfoCommand.describe(d.bundle(), m).split("\n")));
        return i;
    }

    /** What {@code POST /v1/score} returns: the query's {@code map} or {@code overlay}. */
    private enum Output {
        JSON,
        MAP_JSON,
        MAP_PNG,
        MAP_TIFF,
        OVERLAY_PNG;

        static Output of(Map<String, String> query) {
            for (String k : query.keySet()) {
                if (!k.equals("map") && !k.equals("overlay")) {
                    throw new IllegalArgumentException(
                            "unknown query parameter '" + k + "' (there are map=png|tiff|json" + " and overlay=png)");
                }
            }
            String map = query.get("map");
            String overlay = query.get("overlay");
            if (map != null && overlay != null) {
                throw new IllegalArgumentException("ask for map or overlay, not both");
            }
            if (overlay != null) {
                if (!overlay.equals("png")) {
                    throw new IllegalArgumentException("overlay=" + overlay + " is not known (there is overlay=png)");
                }
                return OVERLAY_PNG;
            }
            if (map == null) {
                return JSON;
            }
            return switch (map) {
                case "png" -> MAP_PNG;
                case "tiff" -> MAP_TIFF;
                case "json" -> MAP_JSON;
                default ->
                    throw new IllegalArgumentException(
                            "map=" + map + " is not known (there are map=png, map=tiff and map=json)");
            };
        }
    }

    /** An answer: status, the outcome word {@link Metrics} counts, body and extra headers. */
    private record Reply(int status, String outcome, String contentType, byte[] body, Map<String, String> headers) {
        Reply(int status, String outcome, String contentType, byte[] body) {
            this(status, outcome, contentType, body, new LinkedHashMap<>());
        }

        Reply(int status, String outcome, byte[] jsonBody) {
            this(status, outcome, "application/json", jsonBody);
        }

        static Reply error(int status, String outcome, String message) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", status);
            body.put("error", message);
            try {
                return new Reply(status, outcome, json(body));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The JSON answer to a score request.
     *
     * @param millis the detector's time, decoded image to result
     * @param requestMillis the request's, from its headers to the answer (reading, waiting, decoding)
     * @param map the anomaly map, with {@code ?map=json}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ScoreReply(
            @JsonProperty("score") double score,
            @JsonProperty("threshold") double threshold,
            @JsonProperty("anomalous") boolean anomalous,
            @JsonProperty("topMean") double topMean,
            @JsonProperty("regions") List<Region> regions,
            @JsonProperty("width") int width,
            @JsonProperty("height") int height,
            @JsonProperty("millis") double millis,
            @JsonProperty("requestMillis") double requestMillis,
            @JsonProperty("bundle") String bundle,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("map") MapJson map) {

        static ScoreReply of(Detection d, Detector detector, boolean withMap, double requestMillis) {
            return new ScoreReply(
                    d.score(),
                    d.threshold(),
                    d.anomalous(),
                    d.topMean(),
                    d.regions(),
                    d.width(),
                    d.height(),
                    d.millis(),
                    requestMillis,
                    detector.manifest().name(),
                    detector.bundleSha256(),
                    withMap ? MapJson.of(d.map()) : null);
        }
    }

    /** A map's floats, little-endian, in base64: 4 bytes per pixel, row by row. */
    record MapJson(
            @JsonProperty("width") int width,
            @JsonProperty("height") int height,
            @JsonProperty("encoding") String encoding,
            @JsonProperty("data") String data) {
        static final String ENCODING = "float32le-base64";

        static MapJson of(FloatImage map) {
            ByteBuffer b = ByteBuffer.allocate(4 * map.data().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(map.data());
            return new MapJson(
                    map.width(), map.height(), ENCODING, Base64.getEncoder().encodeToString(b.array()));
        }
    }
}
