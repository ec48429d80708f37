package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.Tensors;
import dev.stad.trainer.model.TextureEnergy;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The knowledge-distillation term of teacher pretraining: a linear decoder from the teacher's
 * descriptor to the standardised {@link TextureEnergy} of the same patch, trained with its own
 * Adam alongside the teacher and saved in the teacher's checkpoint, so a resumed pretraining
 * continues exactly. The standardisation (per energy dimension) is measured once on the pool.
 */
final class Distillation {
    private static final String PREFIX = "distillation.";
    private static final int STATISTICS_IMAGES = 32;

    private final TextureEnergy energy;
    private final NDArray targetMean;
    private final NDArray targetStd;
    private final Parameter weight;
    private final Parameter bias;
    private final Adam adam;

    private Distillation(
            TextureEnergy energy, NDArray targetMean, NDArray targetStd, Parameter weight, Parameter bias, Adam adam) {
        this.energy = energy;
        this.targetMean = targetMean;
        this.targetStd = targetStd;
        this.weight = weight;
        this.bias = bias;
        this.adam = adam;
    }

    /** A fresh decoder (seeded) and the energy's statistics over up to 32 images of the pool. */
    static Distillation create(
            NDManager manager, NetworkSpec spec, List<FloatImage> pool, long seed, double lr, double wd) {
        TextureEnergy energy = new TextureEnergy(spec.receptiveField());
        int dims = energy.dims();
        double[] sum = new double[dims];
        double[] sq = new double[dims];
        long count = 0;
        int images = Math.min(STATISTICS_IMAGES, pool.size());
        for (int k = 0; k < images; k++) {
            FloatImage img = pool.get((int) ((long) k * pool.size() / images));
            try (NDManager sub = manager.newSubManager()) {
                float[] e = energy.compute(Tensors.batch(sub, List.of(img))).toFloatArray();
                int plane = e.length / dims;
                for (int c = 0; c < dims; c++) {
                    for (int i = c * plane; i < (c + 1) * plane; i++) {
                        sum[c] += e[i];
                        sq[c] += (double) e[i] * e[i];
                    }
                }
                count += plane;
            }
        }
        float[] mean = new float[dims];
        float[] std = new float[dims];
        for (int c = 0; c < dims; c++) {
            mean[c] = (float) (sum[c] / count);
            std[c] = (float) Math.max(1e-3, Math.sqrt(Math.max(0, sq[c] / count - mean[c] * (double) mean[c])));
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
                energy,
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
     * Mean squared error between the decoded descriptors and the standardised energy.
     *
     * @param descriptors the teacher's anchor descriptors as [B * crop * crop, D] rows, in the
     *     order of the crops, row by row
     * @param anchors the anchor windows [B, 3, crop + rf - 1, crop + rf - 1]
     */
    NDArray loss(ParameterStore ps, NDArray descriptors, NDArray anchors) {
        int dims = energy.dims();
        NDArray target = energy.compute(anchors)
                .transpose(0, 2, 3, 1)
                .reshape(-1, dims)
                .sub(targetMean)
                .div(targetStd);
        NDArray w = ps.getValue(weight, descriptors.getDevice(), true);
        NDArray b = ps.getValue(bias, descriptors.getDevice(), true);
        NDArray decoded = descriptors.matMul(w).add(b);
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
