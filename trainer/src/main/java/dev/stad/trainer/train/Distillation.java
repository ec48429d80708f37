package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.TextureEnergy;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The knowledge-distillation term of teacher pretraining: a linear decoder from the teacher's
 * descriptor to what a {@link DistillationSource} says about the same patch (the fixed
 * {@link TextureEnergy}, or a pretrained network read from ONNX), standardised per dimension,
 * trained with its own Adam alongside the teacher and saved in the teacher's checkpoint, so a
 * resumed pretraining continues exactly. The standardisation is measured once on the pool.
 */
final class Distillation {
    private static final String PREFIX = "distillation.";

    private final DistillationSource source;
    private final NDArray targetMean;
    private final NDArray targetStd;
    private final Parameter weight;
    private final Parameter bias;
    private final Adam adam;

    private Distillation(
            DistillationSource source,
            NDArray targetMean,
            NDArray targetStd,
            Parameter weight,
            Parameter bias,
            Adam adam) {
        this.source = source;
        this.targetMean = targetMean;
        this.targetStd = targetStd;
        this.weight = weight;
        this.bias = bias;
        this.adam = adam;
    }

    /** A fresh decoder (seeded) and the source's statistics over the pool. */
    static Distillation create(
            NDManager manager,
            NetworkSpec spec,
            DistillationSource source,
            List<FloatImage> pool,
            long seed,
            double lr,
            double wd) {
        int dims = source.dims();
        float[][] stats = source.statistics(manager, pool, seed);
        float[] mean = stats[0];
        float[] std = new float[dims];
        for (int c = 0; c < dims; c++) {
            std[c] = Math.max(1e-3f, stats[1][c]);
        }
        int d = spec.descriptorDim();
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, "distillation/" + spec.name()));
        float[] w = new float[d * dims];
        double bound = 1 / Math.sqrt(d);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextDouble(-bound, bound);
        }
        Parameter weight = parameter(manager, "weight", Parameter.Type.WEIGHT, manager.create(w, new Shape(d, dims)));
        Parameter bias = parameter(manager, "bias", Parameter.Type.BIAS, manager.zeros(new Shape(dims)));
        Adam adam = new Adam(manager, List.of(weight, bias), lr, wd);
        return new Distillation(
                source,
                manager.create(mean, new Shape(1, dims)),
                manager.create(std, new Shape(1, dims)),
                weight,
                bias,
                adam);
    }

    private static Parameter parameter(NDManager manager, String name, Parameter.Type type, NDArray value) {
        Parameter p = Parameter.builder().setName(name).setType(type).build();
        p.setArray(value);
        value.setRequiresGradient(true);
        return p;
    }

    /**
     * Mean squared error between the decoded descriptors and the standardised targets, over the
     * positions the source gives targets for.
     *
     * @param descriptors the teacher's anchor descriptors as [B * crop * crop, D] rows, in the
     *     order of the crops, row by row
     * @param anchors the anchor windows [B, 3, crop + rf - 1, crop + rf - 1]
     * @param rnd the step's random stream, for sources that sample positions
     */
    NDArray loss(ParameterStore ps, NDArray descriptors, NDArray anchors, SplittableRandom rnd) {
        DistillationSource.Targets t = source.targets(anchors, rnd);
        NDArray target = t.values().sub(targetMean).div(targetStd);
        NDArray rows = t.rows() == null ? descriptors : descriptors.get(new NDIndex("{}", t.rows()));
        NDArray w = ps.getValue(weight, descriptors.getDevice(), true);
        NDArray b = ps.getValue(bias, descriptors.getDevice(), true);
        NDArray decoded = rows.matMul(w).add(b);
        return decoded.sub(target).square().mean();
    }

    void step() {
        adam.step();
    }

    /** Decoder weights and optimiser state, to save with the teacher's checkpoint. */
    Map<String, FloatTensor> state() {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Parameter p : List.of(weight, bias)) {
            out.put(
                    PREFIX + p.getName(),
                    new FloatTensor(
                            p.getArray().getShape().getShape(), p.getArray().toFloatArray()));
        }
        out.putAll(adam.state("adam." + PREFIX));
        return out;
    }

    /** Restores what {@link #state} saved; the step count is the teacher's. */
    void restore(Safetensors.Contents saved) {
        for (Parameter p : List.of(weight, bias)) {
            FloatTensor t = saved.tensor(PREFIX + p.getName());
            p.getArray().set(FloatBuffer.wrap(t.data()));
        }
        adam.load(
                saved.tensors(),
                "adam." + PREFIX,
                Long.parseLong(saved.metadata().getOrDefault(TrainedNetworks.STEPS_KEY, "0")));
    }
}
