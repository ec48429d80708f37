package dev.stad.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stad.exporter.BundleWriter;
import dev.stad.exporter.TrainedModel;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.OrtGraphSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fused vs separate detector graphs on ONNX Runtime (CPU, full optimisation): the measurement
 * behind the exporter's default layout. For each image size it builds both detectors from one
 * training run, warms each up, then alternates timed runs (batch 1, input already in a tensor)
 * and prints medians and their ratio.
 *
 * <pre>mvn -q -pl bench -am compile exec:java@layout-bench -Dexec.args="runs/default 128,256 20"</pre>
 */
public final class DetectorLayoutBench {
    private DetectorLayoutBench() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        if (args.length < 1) {
            System.err.println("usage: DetectorLayoutBench <run folder> [sizes, e.g. 128,256] [runs per size]");
            System.exit(2);
        }
        Path run = Path.of(args[0]);
        int[] sizes = Arrays.stream((args.length > 1 ? args[1] : "128,256").split(",")).mapToInt(Integer::parseInt).toArray();
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        TrainedModel model = TrainedModel.load(run);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        byte[] fused = BundleWriter.build(model, Graphs.Layout.FUSED).get("detector.onnx");
        byte[] separate = BundleWriter.build(model, Graphs.Layout.SEPARATE).get("detector.onnx");
        System.out.printf(Locale.ROOT, "%s: %d scale(s), %d students each; ONNX Runtime %s, %d runs per size%n", run,
                model.scales().size(), model.scales().get(0).students().size(), env.getVersion(), runs);
        System.out.println("| size | fused p50 ms | separate p50 ms | separate / fused |");
        System.out.println("| --- | --- | --- | --- |");
        try (OrtSession.SessionOptions o = OrtGraphSession.sessionOptions(EngineOptions.cpu())) {
            try (OrtSession f = env.createSession(fused, o); OrtSession s = env.createSession(separate, o)) {
                for (int size : sizes) {
                    float[] data = new float[3 * size * size];
                    SplittableRandom rnd = new SplittableRandom(size);
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (float) rnd.nextGaussian();
                    }
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {1, 3, size, size})) {
                        time(f, t, 2);
                        time(s, t, 2);
                        List<Double> tf = new ArrayList<>();
                        List<Double> ts = new ArrayList<>();
                        for (int i = 0; i < runs; i++) {
                            tf.add(time(f, t, 1));
                            ts.add(time(s, t, 1));
                        }
                        double mf = median(tf);
                        double ms = median(ts);
                        System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.2f |%n", size, mf, ms, ms / mf);
                    }
                }
            }
        }
    }

    private static double time(OrtSession session, OnnxTensor input, int n) throws OrtException {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (OrtSession.Result r = session.run(Map.of(Graphs.IMAGE_INPUT, input))) {
                r.get(0);
            }
        }
        return (System.nanoTime() - t0) / 1e6 / n;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
