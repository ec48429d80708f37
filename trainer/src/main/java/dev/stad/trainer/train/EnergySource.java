package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stad.runtime.image.FloatImage;
import dev.stad.trainer.model.Tensors;
import dev.stad.trainer.model.TextureEnergy;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link TextureEnergy} of every patch of the anchors: the stand-in for a pretrained network
 * where none can be downloaded. Its statistics come from up to 32 images of the pool.
 */
final class EnergySource implements DistillationSource {
    private static final int STATISTICS_IMAGES = 32;

    private final TextureEnergy energy;

    EnergySource(int receptiveField) {
        this.energy = new TextureEnergy(receptiveField);
    }

    @Override
    public int dims() {
        return energy.dims();
    }

    @Override
    public float[][] statistics(NDManager manager, List<FloatImage> pool, long seed) {
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
            std[c] = (float) Math.sqrt(Math.max(0, sq[c] / count - mean[c] * (double) mean[c]));
        }
        return new float[][] {mean, std};
    }

    @Override
    public Targets targets(NDArray anchors, SplittableRandom rnd) {
        NDArray values = energy.compute(anchors).transpose(0, 2, 3, 1).reshape(-1, energy.dims());
        return new Targets(null, values);
    }

    @Override
    public void close() {}
}
