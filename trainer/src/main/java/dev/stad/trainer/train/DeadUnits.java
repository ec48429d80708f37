package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.runtime.image.FloatImage;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds trained students whose hidden convolutions have died: positive before their activation
 * almost nowhere on the training images, so the student's output hardly depends on its input.
 * Such a student's loss stays at the teacher descriptors' variance, and e becomes the teacher's
 * distance from a constant. It happened to every student of one category under an imported
 * teacher (a convolution positive at 0 to 1% of its outputs); the run still yields a model,
 * so it is reported, not refused.
 */
public final class DeadUnits {
    /** Below this share of positive outputs a convolution counts as dead. */
    public static final double DEAD_SHARE = 0.02;

    /** How many training images the shares are measured on. */
    static final int IMAGES = 4;

    /** The side of the middle of each image they are measured on: a native model's images may be large. */
    static final int SIDE = 192;

    private DeadUnits() {}

    /**
     * One dead convolution.
     *
     * @param student the student's index
     * @param layer the layer's index in the architecture
     * @param share the share of its outputs that are positive before the activation
     */
    public record Finding(int student, int layer, double share) {}

    /** The dead convolutions of {@code students}, measured on the first {@link #IMAGES} of {@code images}. */
    public static List<Finding> find(NDManager manager, List<PatchNetwork> students, List<FloatImage> images) {
        List<Finding> out = new ArrayList<>();
        ParameterStore ps = new ParameterStore(manager, false);
        List<FloatImage> sample = images.subList(0, Math.min(IMAGES, images.size()));
        for (int s = 0; s < students.size(); s++) {
            Map<Integer, Double> sums = new LinkedHashMap<>();
            for (FloatImage image : sample) {
                try (NDManager sub = manager.newSubManager()) {
                    NDArray input = Tensors.batch(sub, List.of(image.centreCrop(SIDE)));
                    students.get(s)
                            .positiveShares(ps, input)
                            .forEach((layer, share) -> sums.merge(layer, share, Double::sum));
                }
            }
            for (Map.Entry<Integer, Double> e : sums.entrySet()) {
                double share = e.getValue() / sample.size();
                if (share < DEAD_SHARE) {
                    out.add(new Finding(s, e.getKey(), share));
                }
            }
        }
        return out;
    }

    /** One line per finding, for the run's log. */
    public static String describe(String scale, Finding f) {
        return String.format(
                Locale.ROOT,
                "warning: students %s: student %d's layer %d is positive at %.1f%% of its outputs on the training"
                        + " images: its units have died and the student predicts nearly a constant (its loss stays"
                        + " near the teacher descriptors' variance); a lower students.learningRate or another seed"
                        + " may keep them alive",
                scale,
                f.student(),
                f.layer(),
                100 * f.share());
    }
}
