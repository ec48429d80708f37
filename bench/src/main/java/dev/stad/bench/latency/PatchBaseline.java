package dev.stad.bench.latency;

import dev.stad.bench.report.Stats;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-pixel evaluation, for comparison: every network of a scale evaluated patch by patch (one
 * receptive-field patch per output pixel, in batches through the bundle's patch graphs), against
 * the same networks' dense graphs on the whole image. Both run through the station's engine
 * ({@link GraphSession}) with the same options; both times include copying the input in and the
 * output out, which is small next to the networks (a batch of 256 p17 patches is under 1 MB). The
 * patch form is timed on a bounded number of patches and projected to the whole map.
 */
public final class PatchBaseline {
    private PatchBaseline() {}

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
    public record Result(
            String scale,
            int size,
            int networks,
            int patchesTimed,
            double patchMsPerPixel,
            double projectedPatchMs,
            double denseMs,
            double speedup,
            double flopRatio) {

        public double speedupOverFlopRatio() {
            return speedup / flopRatio;
        }
    }

    public static List<Result> measure(
            ModelBundle bundle, FloatImage preprocessed, int patches, int batch, int denseRuns, EngineOptions engine)
            throws EngineException, BundleException {
        List<Result> out = new ArrayList<>();
        int size = preprocessed.height();
        for (BundleManifest.Scale s : bundle.manifest().scales()) {
            NetworkSpec spec = s.spec();
            List<BundleManifest.NetworkFiles> nets = new ArrayList<>();
            nets.add(s.teacher());
            nets.addAll(s.studentGraphs());
            int rf = spec.receptiveField();
            int positions = size - rf + 1;
            List<FloatImage> patchBatch = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                patchBatch.add(preprocessed.crop((i / positions) % positions, i % positions, rf, rf));
            }
            double patchMs = 0;
            double denseMs = 0;
            int batches = Math.max(1, patches / batch);
            for (BundleManifest.NetworkFiles g : nets) {
                try (GraphSession patch = Engines.open(
                                bundle.read(g.patch()),
                                g.patch(),
                                Graphs.PATCH_INPUT,
                                List.of(Graphs.DESCRIPTORS),
                                engine);
                        GraphSession dense = Engines.open(
                                bundle.read(g.dense()),
                                g.dense(),
                                Graphs.IMAGE_INPUT,
                                List.of(Graphs.DESCRIPTORS),
                                engine)) {
                    patch.runBatch(patchBatch); // warm-up
                    long t0 = System.nanoTime();
                    for (int b = 0; b < batches; b++) {
                        patch.runBatch(patchBatch);
                    }
                    patchMs += (System.nanoTime() - t0) / 1e6 / (batches * batch);
                    dense.run(preprocessed);
                    List<Double> d = new ArrayList<>();
                    for (int r = 0; r < denseRuns; r++) {
                        long t1 = System.nanoTime();
                        dense.run(preprocessed);
                        d.add((System.nanoTime() - t1) / 1e6);
                    }
                    denseMs += Stats.median(d);
                }
            }
            double projected = patchMs * positions * positions;
            NetworkSpec student = s.studentNetwork();
            double flopRatio = (double) (spec.patchMacs() + s.students() * student.patchMacs())
                    / (spec.denseMacsPerPixel() + s.students() * student.denseMacsPerPixel());
            out.add(new Result(
                    s.name(),
                    size,
                    nets.size(),
                    batches * batch,
                    patchMs,
                    projected,
                    denseMs,
                    projected / denseMs,
                    flopRatio));
        }
        return out;
    }
}
