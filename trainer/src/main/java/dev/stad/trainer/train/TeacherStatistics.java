package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.score.DescriptorNormalization;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import dev.stad.runtime.cli.Reporter;
import java.util.List;

/**
 * mu_T and sigma_T: per-channel mean and standard deviation of the dense teacher descriptors of
 * every pixel of every (padded) training image. Per-image moments are merged in double
 * precision (Chan et al.), so many images do not lose precision to float sums.
 */
public final class TeacherStatistics {
    private TeacherStatistics() {
    }

    public static DescriptorNormalization compute(NDManager manager, PatchNetwork denseTeacher,
            List<FloatImage> paddedImages, Reporter reporter, String task) {
        int d = denseTeacher.spec().descriptorDim();
        double[] mean = new double[d];
        double[] m2 = new double[d];
        long count = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        try (Reporter.Bar bar = reporter.bar(task, paddedImages.size(), 0)) {
            for (FloatImage img : paddedImages) {
                try (NDManager sub = manager.newSubManager()) {
                    // [1, D, H, W] as [D, H*W]: the engine reduces over one axis at a time.
                    NDArray t = denseTeacher.predict(ps, Tensors.batch(sub, List.of(img))).reshape(d, -1);
                    long n = t.getShape().get(1);
                    NDArray channelMean = t.mean(new int[] {1}, true);
                    float[] imgMean = channelMean.toFloatArray();
                    float[] imgM2 = t.sub(channelMean).square().sum(new int[] {1}).toFloatArray();
                    for (int c = 0; c < d; c++) {
                        double delta = imgMean[c] - mean[c];
                        long total = count + n;
                        mean[c] += delta * n / total;
                        m2[c] += imgM2[c] + delta * delta * count * n / total;
                    }
                    count += n;
                }
                bar.step("");
            }
        }
        float[] mu = new float[d];
        float[] sigma = new float[d];
        for (int c = 0; c < d; c++) {
            mu[c] = (float) mean[c];
            sigma[c] = (float) Math.sqrt(m2[c] / count);
            if (!(sigma[c] > 0) || !Float.isFinite(sigma[c])) {
                throw new TrainingDivergedException(task + ": teacher channel " + c + " has standard deviation "
                        + sigma[c] + " over the training images (a dead channel cannot be normalised)");
            }
        }
        return new DescriptorNormalization(mu, sigma);
    }
}
