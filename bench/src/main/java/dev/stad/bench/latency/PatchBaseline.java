package dev.stad.bench.latency;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stad.bench.report.Stats;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.OrtGraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seed's method, for comparison: every network of a scale evaluated patch by patch (one
 * receptive-field patch per output pixel, in batches through the bundle's patch graphs), against
 * the same networks' dense graphs on the whole image. Both run on ONNX Runtime with the same
 * options and inputs already in native tensors, so only the networks are timed. The patch form
 * is timed on a bounded number of patches and projected to the whole map.
 */
public final class PatchBaseline {
    private PatchBaseline() {
    }

    /**
     * One scale at one image size.
     *
     * @param patchesTimed patches timed per network
     * @param patchMsPerPixel measured patch-form cost of one output pixel, all networks of the scale
     * @param projectedPatchMs that cost times the descriptors of the map, one per patch position
     *     inside the image (projected, not measured)
     * @param denseMs measured dense time of all networks of the scale (median)
     * @param speedup projectedPatchMs / denseMs
     * @param flopRatio patch MACs per pixel / dense MACs per pixel
     */
    public record Result(String scale, int size, int networks, int patchesTimed, double patchMsPerPixel,
            double projectedPatchMs, double denseMs, double speedup, double flopRatio) {

        public double speedupOverFlopRatio() {
            return speedup / flopRatio;
        }
    }

    public static List<Result> measure(ModelBundle bundle, FloatImage preprocessed, int patches, int batch,
            int denseRuns, EngineOptions engine) throws OrtException, BundleException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Result> out = new ArrayList<>();
        int size = preprocessed.height();
        try (OrtSession.SessionOptions o = OrtGraphSession.sessionOptions(engine)) {
            for (BundleManifest.Scale s : bundle.manifest().scales()) {
                NetworkSpec spec = s.spec();
                List<BundleManifest.Graphs> nets = new ArrayList<>();
                nets.add(s.teacher());
                nets.addAll(s.studentGraphs());
                int rf = spec.receptiveField();
                int positions = size - rf + 1;
                float[] batchData = new float[batch * 3 * rf * rf];
                for (int i = 0; i < batch; i++) {
                    int y = (i / positions) % positions;
                    int x = i % positions;
                    System.arraycopy(preprocessed.crop(y, x, rf, rf).data(), 0, batchData, i * 3 * rf * rf, 3 * rf * rf);
                }
                double patchMs = 0;
                double denseMs = 0;
                int batches = Math.max(1, patches / batch);
                try (OnnxTensor patchTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(batchData),
                        new long[] {batch, 3, rf, rf});
                        OnnxTensor imageTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(preprocessed.data()),
                                new long[] {1, 3, size, size})) {
                    for (BundleManifest.Graphs g : nets) {
                        try (OrtSession patch = env.createSession(bundle.read(g.patch()), o);
                                OrtSession dense = env.createSession(bundle.read(g.dense()), o)) {
                            run(patch, "patch", patchTensor); // warm-up
                            long t0 = System.nanoTime();
                            for (int b = 0; b < batches; b++) {
                                run(patch, "patch", patchTensor);
                            }
                            patchMs += (System.nanoTime() - t0) / 1e6 / (batches * batch);
                            run(dense, "image", imageTensor);
                            List<Double> d = new ArrayList<>();
                            for (int r = 0; r < denseRuns; r++) {
                                long t1 = System.nanoTime();
                                run(dense, "image", imageTensor);
                                d.add((System.nanoTime() - t1) / 1e6);
                            }
                            denseMs += Stats.median(d);
                        }
                    }
                }
                double projected = patchMs * positions * positions;
                double flopRatio = (double) spec.patchMacs() / spec.denseMacsPerPixel();
                out.add(new Result(s.name(), size, nets.size(), batches * batch, patchMs, projected, denseMs,
                        projected / denseMs, flopRatio));
            }
        }
        return out;
    }

    private static void run(OrtSession s, String input, OnnxTensor t) throws OrtException {
        try (OrtSession.Result r = s.run(Map.of(input, t))) {
            r.get(0);
        }
    }
}
