package dev.stad.integration.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.serve.ServeOptions;
import dev.stad.runtime.serve.StationServer;
import dev.stad.trainer.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page at {@code GET /} in a real browser: headless Chromium (Debian's {@code chromium},
 * which {@code .ci/run} installs) loads it, an image is given to its file input as a user's
 * choice would be, and the decision, score, overlay and the displayed-threshold slider are read
 * back from the page. Skipped, saying so, where Chromium is absent.
 */
class ServePageBrowserTest {
    private static final String TOKEN = "page-token";

    @Test
    void thePageScoresAChosenImageAndShowsTheStationsDecisionAndOverlay(@TempDir Path dir) throws Exception {
        Path chromium = Cdp.find();
        assumeTrue(
                chromium != null,
                "Chromium is not installed (apt-get install chromium): the page is not tested" + " in a browser");
        Path image = TinyModel.testImages().stream()
                .filter(p -> !p.getParent().getFileName().toString().equals("good"))
                .findFirst()
                .orElseThrow();
        Detection expected;
        try (Detector d = Detector.open(TinyModel.bundle())) {
            expected = d.score(ImageDecoder.read(image));
        }
        try (StationServer server = StationServer.start(
                        TinyModel.bundle(),
                        DetectorOptions.defaults(),
                        ServeOptions.defaults().withPort(0).withToken(TOKEN));
                Cdp browser = Cdp.launch(chromium, dir.resolve("profile"))) {
            assertTrue(server.awaitReady(Duration.ofMinutes(2)));
            browser.call("Page.navigate", Map.of("url", server.url() + "/?token=" + TOKEN));
            browser.waitFor(
                    "document.getElementById('model') !== null"
                            + " && document.getElementById('model').textContent.startsWith('model ')",
                    Duration.ofSeconds(30));

            String b64 = Base64.getEncoder().encodeToString(Files.readAllBytes(image));
            browser.eval("(() => { const bytes = Uint8Array.from(atob(" + Cdp.js(b64) + "), c => c.charCodeAt(0));"
                    + " const dt = new DataTransfer(); dt.items.add(new File([bytes], 'part.png', {type: 'image/png'}));"
                    + " const input = document.getElementById('file'); input.files = dt.files;"
                    + " input.dispatchEvent(new Event('change', {bubbles: true})); return true; })()");
            browser.waitFor(
                    "['done', 'error'].includes(document.getElementById('decision').dataset.state)",
                    Duration.ofSeconds(60));

            String decision = browser.eval("document.getElementById('decision').textContent")
                    .asText();
            assertEquals(
                    "done",
                    browser.eval("document.getElementById('decision').dataset.state")
                            .asText(),
                    decision);
            assertTrue(decision.startsWith(expected.anomalous() ? "ANOMALOUS" : "GOOD"), decision);
            assertEquals(
                    String.format(Locale.ROOT, "%.3f", expected.score()),
                    browser.eval("document.getElementById('score').textContent").asText());

            // The overlay is the image's size, and outlines the regions above the threshold in green.
            JsonNode overlay = browser.eval("(() => { const c = document.getElementById('overlay');"
                    + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let green = 0;"
                    + " for (let i = 0; i < d.length; i += 4) { if (d[i] === 0 && d[i + 1] === 255 && d[i + 2] === 0)"
                    + " green++; } return [c.width, c.height, green]; })()");
            assertEquals(expected.width(), overlay.get(0).asInt());
            assertEquals(expected.height(), overlay.get(1).asInt());
            assertEquals(
                    !expected.regions().isEmpty(), overlay.get(2).asInt() > 0, "outline pixels: " + overlay.get(2));

            // The displayed threshold moves the page's outline, not the station's decision.
            browser.eval("(() => { const s = document.getElementById('display-threshold'); s.value = s.max;"
                    + " s.dispatchEvent(new Event('input')); return true; })()");
            String atMax = browser.eval("document.getElementById('display-verdict').textContent")
                    .asText();
            assertTrue(atMax.contains("good, 0 px above"), atMax);
            assertEquals(
                    decision,
                    browser.eval("document.getElementById('decision').textContent")
                            .asText());
        }
    }
}
