package dev.stad.bench.latency;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stad.bench.report.Stats;
import dev.stad.exporter.onnx.OnnxGraph;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.OrtGraphSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The machine's own matrix-product rate on ONNX Runtime: one {@code n x n} by {@code n x n}
 * MatMul with the detector's session options (full optimisation, same threads, same provider),
 * input already in a native tensor, so only the product is timed. The yardstick for the
 * detector's achieved GFLOP/s.
 */
public final class Sgemm {
    private Sgemm() {
    }

    /**
     * @param n matrix side
     * @param ms median time of one product
     * @param gflops 2 n^3 / time
     */
    public record Result(int n, int runs, double ms, double gflops) {
    }

    public static Result measure(EngineOptions engine, int n, int runs) throws OrtException {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < b.length; i++) {
            a[i] = (float) rnd.nextGaussian();
            b[i] = (float) rnd.nextGaussian();
        }
        OnnxGraph g = new OnnxGraph("sgemm");
        String in = g.input("a", (long) n, (long) n);
        String prod = g.node("MatMul", in, g.floats("b", new long[] {n, n}, b));
        g.output(g.rename(prod, "c"), (long) n, (long) n);
        byte[] onnx = g.model("bench", Map.of()).toByteArray();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = OrtGraphSession.sessionOptions(engine)) {
            try (OrtSession s = env.createSession(onnx, o);
                    OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(a), new long[] {n, n})) {
                List<Double> ms = new ArrayList<>();
                for (int i = -2; i < runs; i++) {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result r = s.run(Map.of("a", t))) {
                        r.get(0);
                    }
                    if (i >= 0) {
                        ms.add((System.nanoTime() - t0) / 1e6);
                    }
                }
                double med = Stats.median(ms);
                return new Result(n, runs, med, 2.0 * n * n * n / (med / 1e3) / 1e9);
            }
        }
    }
}
