package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * What the students regress: the teacher's descriptors of the training images, normalised to
 * {@code (T - mu_T) / sigma_T}, with mu_T and sigma_T the per-channel mean and standard deviation
 * over every valid descriptor of every training image (moments per image, or per tile of a
 * full-size image ({@link DenseTiles}), merged in double precision, Chan et al.). Images may
 * differ in size (native-resolution models).
 *
 * <p>The teacher is fixed, so its map of each training image is computed once and kept when all
 * maps fit {@code budgetBytes}; a crop then takes its targets from the map instead of running
 * the teacher again, whichever student it is for. Mirrored crops, and every crop when the maps
 * would not fit, run the teacher on the crop itself.
 */
public final class TeacherTargets {
    /** Memory the kept maps may take: enough for the default config many times over. */
    public static final long DEFAULT_BUDGET_BYTES = 2L << 30;

    /** One training crop: image index, descriptor position, side, and its mirroring. */
    public record Crop(int image, int y, int x, int size, boolean flipHorizontal, boolean flipVertical) {}

    private final PatchNetwork teacher;
    private final DescriptorNormalization normalization;
    private final List<float[]> maps;
    private final int channels;
    private final int[] heights;
    private final int[] widths;

    private TeacherTargets(
            PatchNetwork teacher,
            DescriptorNormalization normalization,
            List<float[]> maps,
            int channels,
            int[] heights,
            int[] widths) {
        this.teacher = teacher;
        this.normalization = normalization;
        this.maps = maps;
        this.channels = channels;
        this.heights = heights;
        this.widths = widths;
    }

    /**
     * Runs the teacher over every image, measures mu_T and sigma_T ({@code known} instead, if
     * given: a resumed run keeps the statistics it saved) and keeps the normalised maps if they fit.
     */
    public static TeacherTargets compute(
            NDManager manager,
            PatchNetwork denseTeacher,
            List<FloatImage> images,
            DescriptorNormalization known,
            long budgetBytes,
            Progress progress,
            String task)
            throws TrainingDivergedException {
        return compute(manager, denseTeacher, images, known, budgetBytes, progress, task, DenseTiles.TILE);
    }

    /** {@link #compute} running the teacher in tiles of {@code tile} descriptors. */
    static TeacherTargets compute(
            NDManager manager,
            PatchNetwork denseTeacher,
            List<FloatImage> images,
            DescriptorNormalization known,
            long budgetBytes,
            Progress progress,
            String task,
            int tile)
            throws TrainingDivergedException {
        int d = denseTeacher.spec().descriptorDim();
        int rf = denseTeacher.spec().receptiveField();
        int[] heights = new int[images.size()];
        int[] widths = new int[images.size()];
        long bytes = 0;
        for (int i = 0; i < images.size(); i++) {
            heights[i] = images.get(i).height() - rf + 1;
            widths[i] = images.get(i).width() - rf + 1;
            bytes += (long) d * heights[i] * widths[i] * Float.BYTES;
        }
        boolean keep = bytes <= budgetBytes;
        List<float[]> maps = keep ? new ArrayList<>() : null;
        double[] mean = new double[d];
        double[] m2 = new double[d];
        long count = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        try (Progress.Stage stage = progress.stage(task, images.size(), 0)) {
            for (int i = 0; i < images.size(); i++) {
                FloatImage img = images.get(i);
                int h = heights[i];
                int w = widths[i];
                float[] map = keep ? new float[d * h * w] : null;
                // Moments per tile, merged (Chan et al.): a tile is a chunk like any other.
                for (DenseTiles.Tile t : DenseTiles.of(h, w, tile)) {
                    float[] part;
                    try (NDManager sub = manager.newSubManager()) {
                        part = denseTeacher
                                .predict(ps, Tensors.batch(sub, List.of(t.window(img, rf))))
                                .toFloatArray();
                    }
                    int n = t.height() * t.width();
                    for (int c = 0; c < d; c++) {
                        double s = 0;
                        for (int k = c * n; k < (c + 1) * n; k++) {
                            s += part[k];
                        }
                        double tileMean = s / n;
                        double tileM2 = 0;
                        for (int k = c * n; k < (c + 1) * n; k++) {
                            double dev = part[k] - tileMean;
                            tileM2 += dev * dev;
                        }
                        double delta = tileMean - mean[c];
                        long total = count + n;
                        mean[c] += delta * n / total;
                        m2[c] += tileM2 + delta * delta * count * n / total;
                    }
                    count += n;
                    if (keep) {
                        DenseTiles.paste(part, t, map, d, h, w);
                    }
                }
                if (keep) {
                    maps.add(map);
                }
                stage.step("");
            }
        }
        DescriptorNormalization norm = known != null ? known : normalization(mean, m2, count, task);
        if (keep) {
            float[] mu = norm.mean();
            float[] sigma = norm.std();
            for (int i = 0; i < maps.size(); i++) {
                float[] map = maps.get(i);
                int n = heights[i] * widths[i];
                for (int c = 0; c < d; c++) {
                    for (int k = c * n; k < (c + 1) * n; k++) {
                        map[k] = (map[k] - mu[c]) / sigma[c];
                    }
                }
            }
        }
        return new TeacherTargets(denseTeacher, norm, maps, d, heights, widths);
    }

    private static DescriptorNormalization normalization(double[] mean, double[] m2, long count, String task)
            throws TrainingDivergedException {
        int d = mean.length;
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

    public DescriptorNormalization normalization() {
        return normalization;
    }

    /** Whether crops take their targets from kept maps (else the teacher runs on every crop). */
    public boolean cached() {
        return maps != null;
    }

    /**
     * The normalised targets of {@code crops} as a [B, D, size, size] array on {@code sub}.
     *
     * @param inputs the crops' input windows, already mirrored as the crops say
     */
    public NDArray targets(NDManager sub, ParameterStore ps, List<Crop> crops, NDArray inputs) {
        return targets(sub, ps, crops, inputs, false);
    }

    /**
     * {@link #targets(NDManager, ParameterStore, List, NDArray)}, from the teacher on {@code inputs}
     * whenever {@code changed}: the windows differ from the images' pixels (a changed exposure), so
     * the cached maps do not apply.
     */
    public NDArray targets(NDManager sub, ParameterStore ps, List<Crop> crops, NDArray inputs, boolean changed) {
        boolean mirrored = crops.stream().anyMatch(c -> c.flipHorizontal() || c.flipVertical());
        if (maps == null || mirrored || changed) {
            float[] mu = normalization.mean();
            float[] sigma = normalization.std();
            NDArray muT = sub.create(mu, new Shape(1, mu.length, 1, 1));
            NDArray sigmaT = sub.create(sigma, new Shape(1, sigma.length, 1, 1));
            return teacher.predict(ps, inputs).sub(muT).div(sigmaT);
        }
        int size = crops.get(0).size();
        float[] out = new float[crops.size() * channels * size * size];
        int o = 0;
        for (Crop c : crops) {
            float[] map = maps.get(c.image());
            int height = heights[c.image()];
            int width = widths[c.image()];
            for (int ch = 0; ch < channels; ch++) {
                for (int r = 0; r < size; r++) {
                    System.arraycopy(map, (ch * height + c.y() + r) * width + c.x(), out, o, size);
                    o += size;
                }
            }
        }
        return sub.create(out, new Shape(crops.size(), channels, size, size));
    }
}
