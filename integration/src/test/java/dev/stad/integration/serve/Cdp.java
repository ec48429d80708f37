package dev.stad.integration.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol with the JDK's own WebSocket
 * client: enough to load a page, run script in it and read what it shows, with no test framework
 * or driver download.
 */
final class Cdp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process browser;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private Cdp(Process browser, WebSocket socket) {
        this.browser = browser;
        this.socket = socket;
    }

    /** The Chromium on the path (Debian's package is {@code chromium}), or null. */
    static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Starts {@code chromium} headless with a fresh profile in {@code profile} and attaches to its page. */
    static Cdp launch(Path chromium, Path profile) throws Exception {
        Process p = new ProcessBuilder(
                        chromium.toString(),
                        "--headless=new",
                        "--no-sandbox", // CI runs as root, where Chromium's sandbox cannot start
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--no-first-run",
                        "--no-default-browser-check",
                        "--user-data-dir=" + profile,
                        "--remote-debugging-port=0",
                        "about:blank")
                .redirectErrorStream(true)
                .redirectOutput(
                        profile.resolveSibling(profile.getFileName() + ".log").toFile())
                .start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.isRegularFile(portFile)
                    || Files.readAllLines(portFile).isEmpty()) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("Chromium did not start: "
                            + Files.readString(profile.resolveSibling(profile.getFileName() + ".log")));
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String targets = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            String ws = null;
            for (JsonNode t : JSON.readTree(targets)) {
                if ("page".equals(t.path("type").asText())) {
                    ws = t.get("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (ws == null) {
                throw new IOException("Chromium has no page target: " + targets);
            }
            Cdp[] self = new Cdp[1];
            StringBuilder partial = new StringBuilder();
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create(ws), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                String message = partial.toString();
                                partial.setLength(0);
                                self[0].received(message);
                            }
                            w.request(1);
                            return null;
                        }
                    })
                    .get(30, TimeUnit.SECONDS);
            self[0] = new Cdp(p, socket);
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private void received(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    f.complete(m);
                }
            }
        } catch (IOException e) {
            // an event we cannot parse is not one we wait for
        }
    }

    /** Sends a command and waits for its result (a protocol error throws). */
    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode m = JSON.createObjectNode();
        m.put("id", id);
        m.put("method", method);
        m.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(m), true).get(30, TimeUnit.SECONDS);
        JsonNode reply = f.get(60, TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IOException(method + " failed: " + reply.get("error"));
        }
        return reply.get("result");
    }

    /** Evaluates {@code expression} in the page (awaiting a promise) and returns its value as JSON. */
    JsonNode eval(String expression) throws Exception {
        JsonNode r =
                call("Runtime.evaluate", Map.of("expression", expression, "awaitPromise", true, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new IOException("script failed: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Waits until {@code expression} evaluates to true. */
    void waitFor(String expression, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eval(expression).asBoolean(false)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page never satisfied " + expression + "; it shows: "
                        + eval("document.body.innerText").asText());
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the browser goes anyway
        }
        browser.destroy();
        if (!browser.waitFor(10, TimeUnit.SECONDS)) {
            browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String js(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
