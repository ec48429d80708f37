package dev.stad.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.Normalization;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.StudentConfig;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the M students of one scale densely on random crops to regress the normalised teacher
 * descriptors: {@code loss = mean over pixels ||S_i(x) - (T(x) - mu_T) / sigma_T||^2}. As in the
 * paper the students are independent: each has its own initialisation and its own stream of
 * crops, so where they disagree (v) tells something. Crops are drawn uniformly over the positions
 * whose patches lie inside the image, and their targets come from {@link TeacherTargets}. The
 * crops of student i in epoch e come from a random stream derived from (seed, scale, i, e), and
 * the Adam moments are saved with the weights after every epoch, so a resumed run continues
 * exactly as if never stopped.
 */
public final class StudentTrainer {
    private static final String EPOCH_KEY = "epoch";
    private static final String EPOCHS_KEY = "epochs";
    private static final String LOSSES_KEY = "epochLosses";

    private final NetworkSpec spec;
    private final StudentConfig config;
    private final Preprocessing input;
    private final long seed;
    private final Progress progress;

    /** @param input the images' preprocessing, whose normalisation an exposure change passes through */
    public StudentTrainer(NetworkSpec spec, StudentConfig config, Preprocessing input, long seed, Progress progress) {
        this.spec = spec;
        this.config = config;
        this.input = input;
        this.seed = seed;
        this.progress = progress;
    }

    /** The outcome: the trained students (dense form) and the mean loss of every epoch per student. */
    public record Result(List<PatchNetwork> students, List<double[]> epochLosses) {}

    /** Whether {@code checkpoint} holds students trained for every epoch of the config. */
    public boolean isComplete(Path checkpoint) throws IOException {
        if (!Files.exists(checkpoint)) {
            return false;
        }
        String epoch = Safetensors.read(checkpoint).metadata().getOrDefault(EPOCH_KEY, "0");
        return Integer.parseInt(epoch) >= config.epochs();
    }

    /**
     * Trains, or resumes from {@code checkpoint} if it exists, writing it after every epoch.
     *
     * @param targets the scale's teacher targets on {@code images}; may be null only if
     *     {@link #isComplete} holds
     * @param images the training images (preprocessed, not padded)
     */
    public Result train(NDManager manager, TeacherTargets targets, List<FloatImage> images, Path checkpoint)
            throws IOException, TrainingDivergedException {
        String task = "students " + spec.name();
        int m = config.count();
        int startEpoch = 0;
        List<double[]> losses = new ArrayList<>();
        TrainedNetworks nets;
        if (Files.exists(checkpoint)) {
            Safetensors.Contents saved = Safetensors.read(checkpoint);
            startEpoch = Integer.parseInt(saved.metadata().getOrDefault(EPOCH_KEY, "0"));
            losses.addAll(parseLosses(saved.metadata().getOrDefault(LOSSES_KEY, "")));
            nets = TrainedNetworks.restore(manager, spec, m, saved, config.learningRate(), config.weightDecay());
            if (startEpoch < config.epochs()) {
                progress.line(String.format(
                        Locale.ROOT,
                        "%s: resuming from epoch %d/%d (%s, %d optimiser steps)",
                        task,
                        startEpoch,
                        config.epochs(),
                        checkpoint,
                        nets.optimiser(0).steps()));
            }
        } else {
            nets = TrainedNetworks.fresh(
                    manager, spec, m, seed, "students/" + spec.name(), config.learningRate(), config.weightDecay());
        }

        int rf = spec.receptiveField();
        int crop = config.cropSize();
        int n = images.size();
        int batch = Math.min(config.batchSize(), n);
        int stepsPerEpoch = (n + batch - 1) / batch;
        StudentConfig.Flip flip = config.flip();
        ParameterStore ps = new ParameterStore(manager, false);
        try (Progress.Stage stage = progress.stage(
                task,
                (long) stepsPerEpoch * config.epochs(),
                (long) stepsPerEpoch * Math.min(startEpoch, config.epochs()))) {
            for (int epoch = startEpoch; epoch < config.epochs(); epoch++) {
                long t0 = System.nanoTime();
                SplittableRandom[] rnd = new SplittableRandom[m];
                int[][] order = new int[m][];
                for (int i = 0; i < m; i++) {
                    rnd[i] = new SplittableRandom(Seeds.derive(seed, "crops/" + spec.name() + "/" + i + "/" + epoch));
                    order[i] = shuffled(n, rnd[i]);
                }
                double[] sums = new double[m];
                for (int s = 0; s < stepsPerEpoch; s++) {
                    float[] stepLoss = new float[m];
                    for (int i = 0; i < m; i++) {
                        List<TeacherTargets.Crop> crops = new ArrayList<>();
                        List<FloatImage> windows = new ArrayList<>();
                        for (int k = s * batch; k < Math.min(n, (s + 1) * batch); k++) {
                            // Images may differ in size (native-resolution models): each its own positions.
                            FloatImage image = images.get(order[i][k]);
                            TeacherTargets.Crop c = new TeacherTargets.Crop(
                                    order[i][k],
                                    Crops.uniformStart(rnd[i], image.height() - rf + 1, crop),
                                    Crops.uniformStart(rnd[i], image.width() - rf + 1, crop),
                                    crop,
                                    flip.horizontal() && rnd[i].nextBoolean(),
                                    flip.vertical() && rnd[i].nextBoolean());
                            crops.add(c);
                            FloatImage window = Crops.window(image, c.y(), c.x(), crop, rf)
                                    .flip(c.flipHorizontal(), c.flipVertical());
                            if (config.exposure() > 0) {
                                double gain = 1 + config.exposure() * (2 * rnd[i].nextDouble() - 1);
                                window = exposed(window, gain, this.input);
                            }
                            windows.add(window);
                        }
                        try (NDManager sub = manager.newSubManager()) {
                            NDArray input = Tensors.batch(sub, windows);
                            NDArray target = targets.targets(sub, ps, crops, input, config.exposure() > 0);
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray out = nets.networks().get(i).forwardTraining(ps, input);
                                NDArray loss = out.sub(target)
                                        .square()
                                        .sum(new int[] {1})
                                        .mean();
                                gc.backward(loss);
                                stepLoss[i] = loss.getFloat();
                            }
                        }
                        FiniteValues.requireFinite(
                                String.format(
                                        Locale.ROOT, "%s: student %d, epoch %d, step %d", task, i, epoch + 1, s + 1),
                                stepLoss[i]);
                        nets.optimiser(i).step();
                        sums[i] += stepLoss[i];
                    }
                    stage.step(String.format(Locale.ROOT, "loss %.4f", mean(stepLoss)));
                }
                double[] epochLoss = new double[m];
                for (int i = 0; i < m; i++) {
                    epochLoss[i] = sums[i] / stepsPerEpoch;
                }
                losses.add(epochLoss);
                boolean done = epoch + 1 == config.epochs();
                nets.save(
                        checkpoint,
                        task + ", epoch " + (epoch + 1),
                        Map.of(
                                "scale",
                                spec.name(),
                                EPOCH_KEY,
                                Integer.toString(epoch + 1),
                                EPOCHS_KEY,
                                Integer.toString(config.epochs()),
                                LOSSES_KEY,
                                formatLosses(losses)));
                progress.line(String.format(
                        Locale.ROOT,
                        "%s epoch %d/%d: loss %s (%.1f s)%s",
                        task,
                        epoch + 1,
                        config.epochs(),
                        formatLoss(epochLoss),
                        (System.nanoTime() - t0) / 1e9,
                        done ? "" : ", checkpoint saved"));
            }
        }
        return new Result(nets.networks(), losses);
    }

    private static int[] shuffled(int n, SplittableRandom rnd) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static String formatLoss(double[] l) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < l.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", l[i]));
        }
        return sb.append(']').toString();
    }

    static String formatLosses(List<double[]> losses) {
        StringBuilder sb = new StringBuilder();
        for (double[] l : losses) {
            sb.append(sb.length() == 0 ? "" : ";");
            for (int i = 0; i < l.length; i++) {
                sb.append(i == 0 ? "" : ",").append(l[i]);
            }
        }
        return sb.toString();
    }

    static List<double[]> parseLosses(String text) {
        List<double[]> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String epoch : text.split(";")) {
            out.add(Arrays.stream(epoch.split(","))
                    .mapToDouble(Double::parseDouble)
                    .toArray());
        }
        return out;
    }

    /**
     * A normalised window as if its image's pixel values had been multiplied by {@code gain}
     * before {@code input}'s normalisation {@code (p - mean) / std}: {@code gain * n + (gain - 1) *
     * mean / std} per channel, which is {@link FloatImage#standardize} with mean {@code -(gain - 1)
     * mean / (gain std)} and deviation {@code 1 / gain}. Centred on the image's own medians ({@link
     * Normalization#IMAGE}), which the gain multiplies too, the shift cancels and {@code gain * n}
     * is left: the same formula with a zero mean.
     */
    static FloatImage exposed(FloatImage window, double gain, Preprocessing input) {
        float[] std = input.std();
        float[] mean = input.normalization() == Normalization.IMAGE ? new float[std.length] : input.mean();
        float[] shift = new float[mean.length];
        float[] scale = new float[mean.length];
        for (int c = 0; c < mean.length; c++) {
            shift[c] = (float) (-(gain - 1) * mean[c] / (gain * std[c]));
            scale[c] = (float) (1 / gain);
        }
        return window.standardize(shift, scale);
    }
}
