package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stad.runtime.image.FloatImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What a teacher is distilled from: for patches of the anchor crops, a vector the teacher's
 * descriptor must linearly predict. Two exist: the fixed {@link EnergySource} (texture energy,
 * at every position) and {@link OnnxSource} (a pretrained network read from ONNX, at sampled
 * positions).
 */
interface DistillationSource extends AutoCloseable {
    /** Length of each target vector. */
    int dims();

    /**
     * Per-dimension mean and standard deviation of the targets over the pool, as {mean, std}.
     */
    float[][] statistics(NDManager manager, List<FloatImage> pool, long seed);

    /**
     * The targets for anchor windows {@code [B, 3, crop + rf - 1, crop + rf - 1]}.
     *
     * @param rnd the step's random stream (a source that samples positions draws them here)
     */
    Targets targets(NDArray anchors, SplittableRandom rnd);

    /**
     * Targets for some rows of the anchors' dense descriptors.
     *
     * @param rows the rows (b * crop * crop + y * crop + x), int64; null for every row in order
     * @param values [rows, dims], not yet standardised
     */
    record Targets(NDArray rows, NDArray values) {}

    @Override
    void close();
}
