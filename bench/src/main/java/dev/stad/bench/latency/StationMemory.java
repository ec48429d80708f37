package dev.stad.bench.latency;

import dev.stad.bench.report.ProcessMemory;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Tiles;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Peak resident memory of a station scoring one image size, measured in a fresh JVM that does
 * nothing else: it opens the detector graph, scores one map (in tiles where the budget asks
 * for them) and reports its kernel high-water mark. The bench's own process has held training
 * runs, exports and other sessions by then, so its figures say less about a station.
 */
public final class StationMemory {
    /** The station JVM's heap limit: a station needs little Java heap, the graphs live in native memory. */
    static final String HEAP = "-Xmx512m";

    private StationMemory() {}

    /**
     * Runs the probe in a child JVM on this process's class path.
     *
     * @return the child's peak resident memory in MB
     */
    static double measure(Path bundle, Precision precision, int height, int width, int tile, int threads)
            throws IOException, InterruptedException {
        String out = ProbeJvm.run(
                "station memory probe",
                List.of(HEAP),
                StationMemory.class.getName(),
                List.of(
                        bundle.toString(),
                        precision.id(),
                        String.valueOf(height),
                        String.valueOf(width),
                        String.valueOf(tile),
                        String.valueOf(threads)),
                0);
        String[] lines = out.split("\n");
        return Double.parseDouble(lines[lines.length - 1].trim());
    }

    /** The probe: {@code bundle precision height width tile threads}; prints the peak RSS in MB last. */
    public static void main(String[] args) throws Exception {
        ModelBundle bundle = ModelBundle.open(Path.of(args[0]));
        Precision precision = Precision.parse(args[1]);
        int height = Integer.parseInt(args[2]);
        int width = Integer.parseInt(args[3]);
        int tile = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);
        var m = bundle.manifest();
        var d = m.detector(precision).orElseThrow();
        SplittableRandom rnd = new SplittableRandom(5);
        float[] px = new float[3 * height * width];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rnd.nextDouble();
        }
        FloatImage input = m.preprocessing().resizedTo(width, height).apply(new FloatImage(3, height, width, px));
        try (GraphSession s = Engines.open(
                bundle.read(d.file()),
                d.file(),
                d.input(),
                List.of(d.output()),
                EngineOptions.cpu().withThreads(threads))) {
            Tiles.run(s, d.output(), input, tile, Tiles.Geometry.of(m, d));
        }
        System.out.println(String.format(Locale.ROOT, "%.1f", ProcessMemory.peakMb()));
    }
}
