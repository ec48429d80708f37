package dev.stad.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.io.FloatTensor;
import dev.stad.runtime.io.Safetensors;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import dev.stad.runtime.cli.Reporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Self-supervised teacher pretraining with the paper's metric-learning and compactness losses,
 * on patches of the training images (there is no large image collection or pretrained network
 * to distil from on a machine without downloads).
 *
 * <p>Each step takes {@code batchSize} anchor crops, each from a different image; the positive
 * crop is the anchor window shifted by up to {@code positiveShift} pixels with Gaussian noise
 * added; the negative crop comes from another image. Being dense, the teacher yields one
 * descriptor per pixel of each crop, i.e. {@code cropSize^2} patch triplets per crop:
 *
 * <ul>
 *   <li>triplet loss {@code max(0, margin + d+ - d-)} with {@code d+ = ||a - p||^2} and
 *       {@code d- = min(||a - n||^2, ||p - n||^2)};
 *   <li>compactness loss: the mean squared off-diagonal entry of the correlation matrix of the
 *       batch's descriptors. The paper sums the signed entries; that sum is minimised by any
 *       descriptors whose standardised channels sum to zero, not by decorrelated ones, so we
 *       penalise the squares, which is what the loss is meant to achieve.
 * </ul>
 */
public final class TeacherPretrainer {
    private static final String STEP_KEY = "step";
    private static final String LOSSES_KEY = "losses";
    private static final long CHECKPOINT_SECONDS = 30;

    private final NetworkSpec spec;
    private final PretrainConfig config;
    private final long seed;
    private final Reporter reporter;

    public TeacherPretrainer(NetworkSpec spec, PretrainConfig config, long seed, Reporter reporter) {
        this.spec = spec;
        this.config = config;
        this.seed = seed;
        this.reporter = reporter;
    }

    /** The pretrained weights and the loss of the first and last 10% of steps. */
    public record Result(Map<String, FloatTensor> weights, double firstLoss, double lastLoss) {
    }

    /**
     * Pretrains, resuming from {@code checkpoint} if it exists; the checkpoint is rewritten every
     * {@value #CHECKPOINT_SECONDS} seconds and at the end.
     */
    public Result train(NDManager manager, List<FloatImage> padded, Path checkpoint) throws IOException {
        String task = "teacher " + spec.name();
        int startStep = 0;
        TrainedNetworks net;
        List<Double> losses = new ArrayList<>();
        if (Files.exists(checkpoint)) {
            Safetensors.Contents saved = Safetensors.read(checkpoint);
            startStep = Integer.parseInt(saved.metadata().getOrDefault(STEP_KEY, "0"));
            String history = saved.metadata().getOrDefault(LOSSES_KEY, "");
            for (String v : history.isEmpty() ? new String[0] : history.split(",")) {
                losses.add(Double.valueOf(v));
            }
            net = TrainedNetworks.restore(manager, spec, 1, saved, config.learningRate(), config.weightDecay());
            if (startStep < config.steps()) {
                reporter.line(String.format(Locale.ROOT, "%s: resuming pretraining from step %d/%d (%s)", task,
                        startStep, config.steps(), checkpoint));
            }
        } else {
            net = TrainedNetworks.fresh(manager, spec, 1, seed, "teacher/" + spec.name(),
                    config.learningRate(), config.weightDecay());
        }
        PatchNetwork teacher = net.networks().get(0);
        ParameterStore ps = new ParameterStore(manager, false);
        int rf = spec.receptiveField();
        int crop = config.cropSize();
        int shift = config.positiveShift();
        int h = padded.get(0).height() - rf + 1;
        int w = padded.get(0).width() - rf + 1;
        int n = padded.size();
        int batch = Math.min(config.batchSize(), n);
        long lastSave = System.nanoTime();
        try (Reporter.Bar bar = reporter.bar(task, config.steps(), startStep)) {
            for (int step = startStep; step < config.steps(); step++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, "pretrain/" + spec.name() + "/" + step));
                int[] images = distinct(n, batch, rnd);
                List<FloatImage> anchors = new ArrayList<>();
                List<FloatImage> positives = new ArrayList<>();
                List<FloatImage> negatives = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    FloatImage img = padded.get(images[b]);
                    int y = shift + Crops.coveringStart(rnd, h - 2 * shift, crop);
                    int x = shift + Crops.coveringStart(rnd, w - 2 * shift, crop);
                    anchors.add(Crops.window(img, y, x, crop, rf));
                    int dy = rnd.nextInt(2 * shift + 1) - shift;
                    int dx = rnd.nextInt(2 * shift + 1) - shift;
                    positives.add(noisy(Crops.window(img, y + dy, x + dx, crop, rf), rnd));
                    int other = (images[b] + 1 + rnd.nextInt(n - 1)) % n;
                    negatives.add(Crops.window(padded.get(other), rnd.nextInt(h - crop + 1), rnd.nextInt(w - crop + 1),
                            crop, rf));
                }
                float lossValue;
                try (NDManager sub = manager.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray a = descriptors(teacher, ps, Tensors.batch(sub, anchors));
                    NDArray p = descriptors(teacher, ps, Tensors.batch(sub, positives));
                    NDArray ng = descriptors(teacher, ps, Tensors.batch(sub, negatives));
                    NDArray loss = tripletLoss(a, p, ng, config.margin().floatValue())
                            .add(compactnessLoss(a).mul(config.compactnessWeight().floatValue()));
                    gc.backward(loss);
                    lossValue = loss.getFloat();
                }
                NetworkCheckpoint.requireFinite(String.format(Locale.ROOT, "%s: pretraining step %d", task, step + 1),
                        lossValue);
                net.optimiser(0).step();
                losses.add((double) lossValue);
                bar.step(String.format(Locale.ROOT, "loss %.4f", lossValue));
                boolean last = step + 1 == config.steps();
                if (last || System.nanoTime() - lastSave > CHECKPOINT_SECONDS * 1_000_000_000L) {
                    net.save(checkpoint, task + ", step " + (step + 1), Map.of(
                            "scale", spec.name(),
                            STEP_KEY, Integer.toString(step + 1),
                            "steps", Integer.toString(config.steps()),
                            LOSSES_KEY, losses.stream().map(String::valueOf).collect(Collectors.joining(","))));
                    lastSave = System.nanoTime();
                }
            }
        }
        int window = Math.max(1, losses.size() / 10);
        return new Result(net.weights(0), mean(losses.subList(0, window)),
                mean(losses.subList(losses.size() - window, losses.size())));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** [B, D, H, W] dense output as [B*H*W, D] rows. */
    private static NDArray descriptors(PatchNetwork teacher, ParameterStore ps, NDArray input) {
        NDArray out = teacher.forwardTraining(ps, input);
        long d = out.getShape().get(1);
        return out.transpose(0, 2, 3, 1).reshape(-1, d);
    }

    static NDArray tripletLoss(NDArray a, NDArray p, NDArray n, float margin) {
        NDArray dPos = a.sub(p).square().sum(new int[] {1});
        NDArray dNeg = NDArrays.minimum(a.sub(n).square().sum(new int[] {1}), p.sub(n).square().sum(new int[] {1}));
        return dPos.add(margin).sub(dNeg).maximum(0f).mean();
    }

    /** Mean squared off-diagonal correlation between descriptor channels over the rows. */
    static NDArray compactnessLoss(NDArray x) {
        long rows = x.getShape().get(0);
        long d = x.getShape().get(1);
        NDArray centred = x.sub(x.mean(new int[] {0}, true));
        NDArray std = centred.square().mean(new int[] {0}, true).add(1e-6f).sqrt();
        NDArray z = centred.div(std);
        NDArray corr = z.transpose().matMul(z).div((float) rows);
        NDArray offDiagonal = corr.mul(x.getManager().eye((int) d).neg().add(1f));
        return offDiagonal.square().sum().div((float) (d * (d - 1)));
    }

    /** Adds Gaussian noise of {@code positiveNoise} to a crop (in place: crops are copies). */
    private FloatImage noisy(FloatImage img, SplittableRandom rnd) {
        double sigma = config.positiveNoise();
        float[] d = img.data();
        for (int i = 0; i < d.length; i++) {
            d[i] += (float) (rnd.nextGaussian() * sigma);
        }
        return img;
    }

    private static int[] distinct(int n, int k, SplittableRandom rnd) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] out = new int[k];
        System.arraycopy(all, 0, out, 0, k);
        return out;
    }
}
