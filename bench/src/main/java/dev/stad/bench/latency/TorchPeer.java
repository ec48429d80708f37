package dev.stad.bench.latency;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.exporter.TrainedModel;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.Djl;
import dev.stad.trainer.model.PatchNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The same dense networks on DJL's PyTorch engine (libtorch, eager), as a user of the PyTorch
 * re-implementations runs them: per scale the teacher and every student at stride 1 (pools
 * dilated, no padding), then e and v per pixel, copied back to the host. The scales' combination
 * is left out (a few element-wise passes over a one-channel map), so the comparison favours the
 * peer slightly.
 */
final class TorchPeer implements AutoCloseable {
    private final NDManager manager;
    private final ParameterStore store;
    private final List<List<PatchNetwork>> scales = new ArrayList<>();
    private final String description;

    /**
     * @param threads libtorch's intra-op threads; 0: its default (its count of cores). Set on the
     *     loaded engine, so it holds even when the bench used PyTorch before (a random run); the
     *     description reports what libtorch then says it uses.
     */
    TorchPeer(TrainedModel model, int threads) {
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        this.manager = Djl.newManager();
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        this.store = new ParameterStore(manager, false);
        for (TrainedModel.ScaleWeights s : model.scales()) {
            List<PatchNetwork> nets = new ArrayList<>();
            nets.add(network(s.spec(), s.foldedTeacher()));
            for (var w : s.students()) {
                nets.add(network(s.studentSpec(), w));
            }
            scales.add(nets);
        }
        this.description = "libtorch " + Djl.engine().getVersion() + " (DJL PyTorch, eager, CPU" + ", "
                + JniUtils.getNumThreads() + " threads)";
    }

    private PatchNetwork network(NetworkSpec spec, Map<String, FloatTensor> w) {
        PatchNetwork n = PatchNetwork.create(spec, NetworkForm.DENSE);
        n.setParameters(manager, w, "");
        return n;
    }

    String description() {
        return description;
    }

    /** One map's worth of work on a preprocessed image; returns the milliseconds it took. */
    double timeOnce(FloatImage image) {
        long t0 = System.nanoTime();
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = sub.create(image.data(), new Shape(1, image.channels(), image.height(), image.width()));
            float checksum = 0;
            for (List<PatchNetwork> nets : scales) {
                NDArray teacher = nets.get(0).predict(store, x);
                NDList students = new NDList();
                for (int i = 1; i < nets.size(); i++) {
                    students.add(nets.get(i).predict(store, x));
                }
                NDArray stacked = NDArrays.stack(students);
                NDArray mu = stacked.mean(new int[] {0});
                NDArray e = mu.sub(teacher).square().sum(new int[] {1});
                NDArray v = stacked.sub(mu).square().sum(new int[] {2}).mean(new int[] {0});
                float[] ev = e.add(v).toFloatArray();
                checksum += ev[ev.length / 2];
            }
            if (!Float.isFinite(checksum)) {
                throw new IllegalStateException("libtorch produced a non-finite map");
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    @Override
    public void close() {
        manager.close();
    }
}
