package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.detect.Region;
import dev.stad.trainer.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's Java example compiles, runs on a real bundle, and is the text the README shows. */
class ReadmeExampleTest {
    private static final Path SOURCE = Path.of("src/test/java/dev/stad/integration/station/ReadmeExampleTest.java");
    private static final Path README = Path.of("../README.md");

    static void example(Path bundle, Path image, PrintStream out) throws Exception {
        // README:begin
        try (Detector detector =
                Detector.open(bundle, DetectorOptions.defaults().withThreads(2))) {
            Detection d = detector.score(image); // also a BufferedImage, or a FloatImage in [0, 1]
            out.printf(
                    "score %.2f (threshold %.2f): %s%n",
                    d.score(), d.threshold(), d.anomalous() ? "anomalous" : "good");
            for (Region r : d.regions()) {
                out.printf(
                        "  region at (%d, %d), %d x %d px, peak %.2f%n", r.x(), r.y(), r.width(), r.height(), r.peak());
            }
            float[] map = d.map().data(); // d.height() rows of d.width() values, the image's own size
            out.printf("map %d x %d, mean of the top 1%%: %.2f%n", d.width(), d.height(), d.topMean());
        }
        // README:end
    }

    @Test
    void exampleRunsOnATrainedBundle() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        example(TinyModel.bundle(), TinyModel.testImages().get(2), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("score ") && printed.contains("map 32 x 32"), printed);
    }

    @Test
    void readmeShowsExactlyThisExample() throws Exception {
        String source = Files.readString(SOURCE);
        String body = source.substring(
                source.indexOf("// README:begin\n") + "// README:begin\n".length(),
                source.indexOf("        // README:end"));
        String snippet = body.lines()
                .map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(README);
        assertTrue(readme.contains(snippet), "README.md must contain the example of " + SOURCE + ":\n" + snippet);
    }
}
