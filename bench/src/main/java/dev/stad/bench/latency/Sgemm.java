package dev.stad.bench.latency;

import dev.stad.bench.report.Stats;
import dev.stad.exporter.onnx.OnnxGraph;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The machine's own matrix-product rate on the station's engine: {@value #CHAIN} chained
 * {@code n x n} MatMuls in one graph, run through {@link GraphSession} with the detector's
 * options (full optimisation, same threads, same provider). Chaining them makes the copy of the
 * input in and of the product out a small share of each run (about 1% at n = 2048), so the rate
 * is the products'. The yardstick for the detector's achieved GFLOP/s.
 */
public final class Sgemm {
    /** Products per run. */
    static final int CHAIN = 4;

    private Sgemm() {}

    /**
     * @param n matrix side
     * @param ms median time of one product
     * @param gflops 2 n^3 / time
     */
    public record Result(int n, int runs, double ms, double gflops) {}

    public static Result measure(EngineOptions engine, int n, int runs) throws EngineException {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < b.length; i++) {
            // Scaled by 1/sqrt(n) so the chained products keep their magnitude.
            a[i] = (float) rnd.nextGaussian();
            b[i] = (float) (rnd.nextGaussian() / Math.sqrt(n));
        }
        OnnxGraph g = new OnnxGraph("sgemm");
        String x = g.input("a", 1L, 1L, (long) n, (long) n);
        String weights = g.floats("b", new long[] {n, n}, b);
        for (int i = 0; i < CHAIN; i++) {
            x = g.nodeOutsideBundles("MatMul", x, weights);
        }
        g.output(g.rename(x, "c"), 1L, 1L, (long) n, (long) n);
        byte[] onnx = g.model("bench", Map.of()).toByteArray();
        FloatImage input = new FloatImage(1, n, n, a);
        try (GraphSession s = Engines.open(onnx, "sgemm", "a", List.of("c"), engine)) {
            List<Double> ms = new ArrayList<>();
            for (int i = -2; i < runs; i++) {
                long t0 = System.nanoTime();
                s.run(input);
                if (i >= 0) {
                    ms.add((System.nanoTime() - t0) / 1e6 / CHAIN);
                }
            }
            double med = Stats.median(ms);
            return new Result(n, runs, med, 2.0 * n * n * n / (med / 1e3) / 1e9);
        }
    }
}
