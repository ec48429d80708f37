package dev.stad.integration.station;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Child process of {@link ArenaShrinkTest}: runs a bundle's fp32 detector graph on one session,
 * once per size given, and prints {@code rss <size> <kB>} after each run.
 */
public final class ArenaProbe {
    private ArenaProbe() {}

    public static void main(String[] args) throws Exception {
        ModelBundle bundle = ModelBundle.open(Path.of(args[0]));
        var d = bundle.manifest().detector(Precision.FP32).orElseThrow();
        SplittableRandom rnd = new SplittableRandom(3);
        try (GraphSession s = Engines.open(
                bundle.read(d.file()),
                d.file(),
                d.input(),
                List.of(d.output()),
                EngineOptions.cpu().withThreads(1))) {
            for (int i = 1; i < args.length; i++) {
                int size = Integer.parseInt(args[i]);
                float[] px = new float[3 * size * size];
                for (int k = 0; k < px.length; k++) {
                    px[k] = (float) rnd.nextGaussian();
                }
                s.run(new FloatImage(3, size, size, px));
                System.out.printf(Locale.ROOT, "rss %d %d%n", size, MemoryProbe.residentKb());
            }
        }
    }
}
