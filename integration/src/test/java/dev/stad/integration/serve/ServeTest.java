package dev.stad.integration.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Region;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.serve.ServeOptions;
import dev.stad.runtime.serve.StationServer;
import dev.stad.trainer.TinyModel;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code runtime serve} over real HTTP on loopback, with a token, one worker and no queue: every
 * endpoint, every refusal with its status and a JSON error naming the problem, and the same
 * scores as {@link Detector#score} gives in-process.
 */
class ServeTest {
    private static final String TOKEN = "s3cret-token";
    private static final long MAX_BODY = 64 * 1024;
    private static final long MAX_PIXELS = 10_000;

    private static StationServer server;
    private static Detector reference;
    private static String url;
    private static Path image;
    private static byte[] png;

    @BeforeAll
    static void start() throws Exception {
        server = StationServer.start(
                TinyModel.bundle(),
                DetectorOptions.defaults(),
                ServeOptions.defaults()
                        .withPort(0)
                        .withToken(TOKEN)
                        .withWorkers(1)
                        .withQueue(0)
                        .withMaxBodyBytes(MAX_BODY)
                        .withMaxPixels(MAX_PIXELS));
        assertTrue(server.awaitReady(Duration.ofMinutes(2)), "the station did not get ready");
        url = server.url();
        reference = Detector.open(TinyModel.bundle());
        // A defective image: its map has regions, so they are compared too.
        image = TinyModel.testImages().stream()
                .filter(p -> !p.getParent().getFileName().toString().equals("good"))
                .findFirst()
                .orElseThrow();
        png = Files.readAllBytes(image);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (reference != null) {
            reference.close();
        }
    }

    @Test
    void healthIsReadyAndNeedsNoToken() throws Exception {
        HttpResponse<byte[]> r = Http.get(url + "/health", null);
        assertEquals(200, r.statusCode(), Http.text(r));
        assertEquals("ready", Http.json(r).get("status").asText());
        assertEquals(1, Http.json(r).size(), "health names nothing but its status: " + Http.text(r));
    }

    @Test
    void everyImageOfTheSetGetsTheDetectorsOwnScoreOverHttp() throws Exception {
        String sha = ModelBundle.open(TinyModel.bundle()).sha256();
        for (Path p : TinyModel.testImages()) {
            HttpResponse<byte[]> r = Http.post(url + "/v1/score", Files.readAllBytes(p), TOKEN);
            assertEquals(200, r.statusCode(), p + ": " + Http.text(r));
            JsonNode j = Http.json(r);
            Detection d = reference.score(ImageDecoder.read(p));
            assertEquals(d.score(), j.get("score").asDouble(), 1e-6, p.toString());
            assertEquals(d.topMean(), j.get("topMean").asDouble(), 1e-6, p.toString());
            assertEquals(d.anomalous(), j.get("anomalous").asBoolean(), p.toString());
            assertEquals(d.threshold(), j.get("threshold").asDouble(), 0);
            assertEquals(d.width(), j.get("width").asInt());
            assertEquals(d.height(), j.get("height").asInt());
            assertEquals(d.regions().size(), j.get("regions").size(), p.toString());
            for (int k = 0; k < d.regions().size(); k++) {
                Region g = d.regions().get(k);
                JsonNode h = j.get("regions").get(k);
                assertEquals(g.x(), h.get("x").asInt());
                assertEquals(g.area(), h.get("area").asInt());
                assertEquals(g.peak(), h.get("peak").floatValue(), 1e-6);
            }
            assertEquals(reference.manifest().name(), j.get("bundle").asText());
            assertEquals(sha, j.get("sha256").asText());
            assertTrue(j.get("millis").asDouble() > 0);
            assertFalse(j.has("map"));
        }
    }

    @Test
    void mapAsTiffAndAsJsonHoldTheDetectorsMap() throws Exception {
        Detection d = reference.score(ImageDecoder.read(image));
        HttpResponse<byte[]> tiff = Http.post(url + "/v1/score?map=tiff", png, TOKEN);
        assertEquals(200, tiff.statusCode(), Http.text(tiff));
        assertEquals("image/tiff", tiff.headers().firstValue("Content-Type").orElse(""));
        assertEquals(
                d.score(),
                Double.parseDouble(tiff.headers().firstValue("X-Stad-Score").orElseThrow()),
                1e-6);
        Raster raster = ImageIO.read(new ByteArrayInputStream(tiff.body())).getRaster();
        float[] fromTiff = raster.getSamples(
                0, 0, raster.getWidth(), raster.getHeight(), 0, new float[raster.getWidth() * raster.getHeight()]);
        assertArrayEquals(d.map().data(), fromTiff, 1e-6f);

        HttpResponse<byte[]> json = Http.post(url + "/v1/score?map=json", png, TOKEN);
        assertEquals(200, json.statusCode(), Http.text(json));
        JsonNode map = Http.json(json).get("map");
        assertEquals("float32le-base64", map.get("encoding").asText());
        assertEquals(d.width(), map.get("width").asInt());
        float[] fromJson = new float[d.width() * d.height()];
        ByteBuffer.wrap(Base64.getDecoder().decode(map.get("data").asText()))
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(fromJson);
        assertArrayEquals(d.map().data(), fromJson, 1e-6f);
    }

    @Test
    void heatmapAndOverlayArePngsOfTheImagesSize() throws Exception {
        BufferedImage original = ImageIO.read(image.toFile());
        for (String q : List.of("map=png", "overlay=png")) {
            HttpResponse<byte[]> r = Http.post(url + "/v1/score?" + q, png, TOKEN);
            assertEquals(200, r.statusCode(), q + ": " + Http.text(r));
            assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""), q);
            BufferedImage picture = ImageIO.read(new ByteArrayInputStream(r.body()));
            assertNotNull(picture, q);
            assertEquals(original.getWidth(), picture.getWidth(), q);
            assertEquals(original.getHeight(), picture.getHeight(), q);
        }
    }

    @Test
    void infoSaysWhatRuntimeInfoSays() throws Exception {
        HttpResponse<byte[]> r = Http.get(url + "/v1/info", TOKEN);
        assertEquals(200, r.statusCode(), Http.text(r));
        JsonNode j = Http.json(r);
        assertEquals(reference.manifest().name(), j.get("model").asText());
        assertEquals(
                ModelBundle.open(TinyModel.bundle()).sha256(), j.get("sha256").asText());
        assertEquals(reference.manifest().scales().size(), j.get("scales").size());
        assertTrue(j.get("description").get(0).asText().startsWith("Bundle"), j.toString());
    }

    @Test
    void thePageIsServedWithTheTokenInItsAddress() throws Exception {
        HttpResponse<byte[]> r = Http.get(url + "/?token=" + TOKEN, null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(Http.text(r).contains("<title>stad station</title>"));
        assertEquals(401, Http.get(url + "/", null).statusCode());
    }

    @Test
    void metricsCountRequestsLatencyAndRecentScores() throws Exception {
        assertEquals(200, Http.post(url + "/v1/score", png, TOKEN).statusCode());
        assertEquals(
                415,
                Http.post(url + "/v1/score", "not an image".getBytes(), TOKEN).statusCode());
        HttpResponse<byte[]> r = Http.get(url + "/metrics", TOKEN);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String m = Http.text(r);
        assertTrue(metric(m, "stad_requests_total{endpoint=\"/v1/score\",status=\"200\",outcome=\"ok\"}") >= 1, m);
        assertTrue(
                metric(m, "stad_requests_total{endpoint=\"/v1/score\",status=\"415\",outcome=\"not_an_image\"}") >= 1,
                m);
        double scored = metric(m, "stad_images_scored_total");
        assertTrue(scored >= 1, m);
        assertEquals(scored, metric(m, "stad_score_request_seconds_bucket{le=\"+Inf\"}"), m);
        assertEquals(scored, metric(m, "stad_score_request_seconds_count"), m);
        assertTrue(metric(m, "stad_recent_score_p99") >= metric(m, "stad_recent_score_mean"), m);
        assertEquals(1, metric(m, "stad_ready"), m);
    }

    @Test
    void everyRefusalHasItsStatusAndAJsonErrorNamingTheProblem() throws Exception {
        byte[] big = new byte[(int) MAX_BODY + 1];
        new Random(1).nextBytes(big);
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"empty body", Http.post(url + "/v1/score", new byte[0], TOKEN), 400, "empty"});
        cases.add(new Object[] {
            "not an image", Http.post(url + "/v1/score", "hello".getBytes(), TOKEN), 415, "request body: not a"
        });
        cases.add(new Object[] {
            "truncated image",
            Http.post(url + "/v1/score", java.util.Arrays.copyOf(png, png.length / 2), TOKEN),
            415,
            "request body"
        });
        cases.add(
                new Object[] {"body too large", Http.post(url + "/v1/score", big, TOKEN), 413, "limit of 65536 bytes"});
        cases.add(new Object[] {
            "chunked body too large", Http.postChunked(url + "/v1/score", big, TOKEN), 413, "limit of 65536 bytes"
        });
        cases.add(
                new Object[] {"too many pixels", Http.post(url + "/v1/score", pngOf(200, 200), TOKEN), 413, "200x200"});
        cases.add(new Object[] {"no token", Http.post(url + "/v1/score", png, null), 401, "bearer token"});
        cases.add(new Object[] {"wrong token", Http.post(url + "/v1/score", png, "guess"), 401, "wrong bearer token"});
        cases.add(new Object[] {"metrics without token", Http.get(url + "/metrics", null), 401, "bearer token"});
        cases.add(new Object[] {"unknown endpoint", Http.get(url + "/v2/score", TOKEN), 404, "no such endpoint"});
        cases.add(new Object[] {"GET on score", Http.get(url + "/v1/score", TOKEN), 405, "use POST"});
        cases.add(new Object[] {"unknown map format", Http.post(url + "/v1/score?map=jpeg", png, TOKEN), 400, "map=jpeg"
        });
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            HttpResponse<byte[]> r = (HttpResponse<byte[]>) c[1];
            assertEquals(c[2], r.statusCode(), c[0] + ": " + Http.text(r));
            JsonNode j = Http.json(r);
            assertEquals(c[2], j.get("status").asInt(), c[0].toString());
            assertTrue(j.get("error").asText().contains((String) c[3]), c[0] + ": " + j);
        }
    }

    @Test
    void aRequestOverTheQueueLimitGets503WithRetryAfterAndTheHeldOneFinishes() throws Exception {
        // One worker and no queue: a request whose body is still arriving holds the only place.
        try (Http.SlowUpload held = new Http.SlowUpload(server.port(), png, TOKEN)) {
            waitForMetric("stad_requests_waiting", 1);
            HttpResponse<byte[]> refused = Http.post(url + "/v1/score", png, TOKEN);
            assertEquals(503, refused.statusCode(), Http.text(refused));
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            assertTrue(Http.json(refused).get("error").asText().contains("busy"), Http.text(refused));
            String answer = held.finish();
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("\"score\""), answer);
        }
        assertEquals(200, Http.post(url + "/v1/score", png, TOKEN).statusCode());
    }

    private static void waitForMetric(String name, double value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String m = "";
        while (System.nanoTime() < deadline) {
            m = Http.text(Http.get(url + "/metrics", TOKEN));
            if (metric(m, name) == value) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(name + " never reached " + value + ":\n" + m);
    }

    /** The value of the sample named exactly {@code name} (with its labels). */
    static double metric(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no sample " + name + " in\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    static byte[] pngOf(int width, int height) throws Exception {
        BufferedImage b = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(b, "png", out);
        return out.toByteArray();
    }
}
