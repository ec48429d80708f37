package dev.stad.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.data.GaussianBlur;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
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
 * Teacher pretraining with the paper's losses on patches of a pool of images: the part's own
 * training images (a self-supervised teacher) or a broad corpus (a pretrained teacher, see
 * {@link dev.stad.trainer.teacher.TeacherStore}).
 *
 * <p>Each step takes {@code batchSize} anchor crops, each from a different image, anywhere the
 * crop's patches lie inside the image; the positive crop is the anchor window shifted by up to
 * {@code positiveShift} pixels (staying inside), with Gaussian noise and a small brightness and
 * tint change; the negative crop comes from another image. Being dense, the teacher yields one
 * descriptor per position of each crop, i.e. {@code cropSize^2} patch triplets per crop:
 *
 * <ul>
 *   <li>triplet loss {@code max(0, margin + d+ - d-)} with {@code d+ = ||a - p||^2} and
 *       {@code d- = min(||a - n||^2, ||p - n||^2)}, averaged over the triplets; the distances are
 *       taken on descriptors standardised per channel over the batch and averaged over the
 *       channels, so the margin does not depend on the scale the network's outputs happen to have;
 *   <li>compactness loss: the sum over all channel pairs of the squared off-diagonal entries of
 *       the correlation matrix of the batch's descriptors. The paper sums the signed entries; that
 *       sum is minimised by any descriptors whose standardised channels sum to zero, not by
 *       decorrelated ones, so we sum the squares, which is what the loss is meant to achieve.
 *       Like the paper's it is a sum, not a mean, so weight 1.0 is the paper's strength;
 *   <li>with {@code distillationWeight > 0}, knowledge distillation as in the paper, with
 *       {@link TextureEnergy} standing in for the pretrained network no machine here can
 *       download: a linear decoder (trained along, then dropped) maps each descriptor to the
 *       standardised texture energy of its patch, mean squared error over its dimensions. This is
 *       what makes the teacher know more than any one part: energy changes with texture, blur and
 *       contrast, so the teacher's descriptors must too.
 * </ul>
 */
public final class TeacherPretrainer {
    private static final String STEP_KEY = "step";
    private static final String LOSSES_KEY = "losses";
    private static final long CHECKPOINT_SECONDS = 30;
    private static final int CHECKPOINT_STEPS = 50;

    private final NetworkSpec spec;
    private final PretrainConfig config;
    private final float[] channelStd;
    private final long seed;
    private final Progress progress;
    private final OnnxDistillation onnx;

    /**
     * A pretrained network read from ONNX to distil from instead of the texture energy.
     *
     * @param file the .onnx file
     * @param output the tensor or node whose value is the target; null for the graph's only output
     * @param maxBytes larger files are refused unread
     * @param perCrop patch positions sampled per anchor crop and step
     */
    public record OnnxDistillation(Path file, String output, long maxBytes, int perCrop) {}

    /**
     * @param channelStd the preprocessing's per-channel std, to express the positives' brightness
     *     jitter in the normalised units the crops are in
     */
    public TeacherPretrainer(
            NetworkSpec spec, PretrainConfig config, float[] channelStd, long seed, Progress progress) {
        this(spec, config, channelStd, seed, progress, null);
    }

    private TeacherPretrainer(
            NetworkSpec spec,
            PretrainConfig config,
            float[] channelStd,
            long seed,
            Progress progress,
            OnnxDistillation onnx) {
        this.spec = spec;
        this.channelStd = channelStd.clone();
        this.config = config;
        this.seed = seed;
        this.progress = progress;
        this.onnx = onnx;
    }

    /**
     * The same pretraining with its distillation term taken from a network read from ONNX (the
     * paper's way) instead of the texture energy; {@code distillationWeight} must be positive.
     */
    public TeacherPretrainer distillingFrom(OnnxDistillation source) {
        if (!(config.distillationWeight() > 0)) {
            throw new IllegalArgumentException("distilling from " + source.file()
                    + " needs teacher.pretrain.distillationWeight > 0, found " + config.distillationWeight());
        }
        return new TeacherPretrainer(spec, config, channelStd, seed, progress, source);
    }

    /**
     * The pretrained weights, the loss of the first and last 10% of steps, the distillation term's
     * over the same steps of this call (NaN without distillation, or when no step ran), and the
     * steps done.
     */
    public record Result(
            Map<String, FloatTensor> weights,
            double firstLoss,
            double lastLoss,
            int steps,
            double firstDistillation,
            double lastDistillation) {}

    /**
     * Pretrains, resuming from {@code checkpoint} if it exists; the checkpoint is rewritten every
     * {@value #CHECKPOINT_STEPS} steps or {@value #CHECKPOINT_SECONDS} seconds, whichever comes
     * first, and at the end.
     */
    public Result train(NDManager manager, List<FloatImage> images, Path checkpoint)
            throws IOException, TrainingDivergedException {
        String task = "teacher " + spec.name();
        if (images.size() < 2) {
            throw new IllegalArgumentException(task + ": pretraining needs at least 2 images, found " + images.size());
        }
        int startStep = 0;
        TrainedNetworks net;
        List<Double> losses = new ArrayList<>();
        Safetensors.Contents saved = Files.exists(checkpoint) ? Safetensors.read(checkpoint) : null;
        if (saved != null) {
            startStep = Integer.parseInt(saved.metadata().getOrDefault(STEP_KEY, "0"));
            String history = saved.metadata().getOrDefault(LOSSES_KEY, "");
            for (String v : history.isEmpty() ? new String[0] : history.split(",")) {
                losses.add(Double.valueOf(v));
            }
            net = TrainedNetworks.restore(manager, spec, 1, saved, config.learningRate(), config.weightDecay());
            if (startStep < config.steps()) {
                progress.line(String.format(
                        Locale.ROOT,
                        "%s: resuming pretraining from step %d/%d (%s)",
                        task,
                        startStep,
                        config.steps(),
                        checkpoint));
            }
        } else {
            net = TrainedNetworks.fresh(
                    manager, spec, 1, seed, "teacher/" + spec.name(), config.learningRate(), config.weightDecay());
        }
        DistillationSource source = null;
        if (config.distillationWeight() > 0) {
            source = onnx == null
                    ? new EnergySource(spec.receptiveField())
                    : OnnxSource.open(
                            onnx.file(), onnx.output(), onnx.maxBytes(), spec.receptiveField(), onnx.perCrop());
        }
        try {
            return train(manager, images, checkpoint, net, startStep, losses, saved, source);
        } finally {
            if (source != null) {
                source.close();
            }
        }
    }

    private Result train(
            NDManager manager,
            List<FloatImage> images,
            Path checkpoint,
            TrainedNetworks net,
            int startStep,
            List<Double> losses,
            Safetensors.Contents saved,
            DistillationSource source)
            throws IOException, TrainingDivergedException {
        String task = "teacher " + spec.name();
        Distillation kd = source == null
                ? null
                : Distillation.create(manager, spec, source, images, seed, config.learningRate(), config.weightDecay());
        if (kd != null && saved != null) {
            kd.restore(saved);
        }
        List<Double> distillation = new ArrayList<>();
        PatchNetwork teacher = net.networks().get(0);
        ParameterStore ps = new ParameterStore(manager, false);
        int rf = spec.receptiveField();
        int crop = config.cropSize();
        int shift = config.positiveShift();
        int n = images.size();
        int batch = Math.min(config.batchSize(), n);
        long lastSave = System.nanoTime();
        try (Progress.Stage stage = progress.stage(task, config.steps(), startStep)) {
            for (int step = startStep; step < config.steps(); step++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, "pretrain/" + spec.name() + "/" + step));
                int[] chosen = distinct(n, batch, rnd);
                List<FloatImage> anchors = new ArrayList<>();
                List<FloatImage> positives = new ArrayList<>();
                List<FloatImage> negatives = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    FloatImage img = images.get(chosen[b]);
                    // Images may differ in size (a native-resolution run's): each its own positions.
                    int h = img.height() - rf + 1;
                    int w = img.width() - rf + 1;
                    int y = Crops.uniformStart(rnd, h, crop);
                    int x = Crops.uniformStart(rnd, w, crop);
                    anchors.add(Crops.window(img, y, x, crop, rf));
                    int py = shifted(rnd, y, shift, h - crop);
                    int px = shifted(rnd, x, shift, w - crop);
                    positives.add(jittered(Crops.window(img, py, px, crop, rf), rnd));
                    int other = (chosen[b] + 1 + rnd.nextInt(n - 1)) % n;
                    FloatImage otherImage = images.get(other);
                    FloatImage negative = Crops.window(
                            otherImage,
                            Crops.uniformStart(rnd, otherImage.height() - rf + 1, crop),
                            Crops.uniformStart(rnd, otherImage.width() - rf + 1, crop),
                            crop,
                            rf);
                    // Drawn only when enabled, so the crops of teachers without it are unchanged.
                    double degraded = config.degradedNegativesOrDefault();
                    if (degraded > 0 && rnd.nextDouble() < degraded) {
                        negative = calmer(Crops.window(img, y, x, crop, rf), rnd);
                    }
                    negatives.add(negative);
                }
                float lossValue;
                String terms;
                try (NDManager sub = manager.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray anchorBatch = Tensors.batch(sub, anchors);
                    NDArray a = descriptors(teacher, ps, anchorBatch);
                    NDArray p = descriptors(teacher, ps, Tensors.batch(sub, positives));
                    NDArray ng = descriptors(teacher, ps, Tensors.batch(sub, negatives));
                    NDArray triplet = tripletLoss(a, p, ng, config.margin().floatValue());
                    NDArray compact = compactnessLoss(a)
                            .mul(Tensors.scalar(sub, config.compactnessWeight().floatValue()));
                    NDArray loss = triplet.add(compact);
                    NDArray distil = null;
                    if (kd != null) {
                        distil = kd.loss(ps, a, anchorBatch, rnd)
                                .mul(Tensors.scalar(
                                        sub, config.distillationWeight().floatValue()));
                        loss = loss.add(distil);
                    }
                    gc.backward(loss);
                    lossValue = loss.getFloat();
                    if (distil != null) {
                        distillation.add((double) distil.getFloat() / config.distillationWeight());
                    }
                    terms = String.format(
                            Locale.ROOT,
                            "triplet %.3f, compactness %.3f%s",
                            triplet.getFloat(),
                            compact.getFloat(),
                            distil == null ? "" : String.format(Locale.ROOT, ", distillation %.3f", distil.getFloat()));
                }
                FiniteValues.requireFinite(
                        String.format(Locale.ROOT, "%s: pretraining step %d", task, step + 1), lossValue);
                net.optimiser(0).step();
                if (kd != null) {
                    kd.step();
                }
                losses.add((double) lossValue);
                stage.step(String.format(Locale.ROOT, "loss %.4f (%s)", lossValue, terms));
                boolean last = step + 1 == config.steps();
                if (last
                        || (step + 1) % CHECKPOINT_STEPS == 0
                        || System.nanoTime() - lastSave > CHECKPOINT_SECONDS * 1_000_000_000L) {
                    net.save(
                            checkpoint,
                            task + ", step " + (step + 1),
                            kd == null ? Map.of() : kd.state(),
                            Map.of(
                                    "scale",
                                    spec.name(),
                                    STEP_KEY,
                                    Integer.toString(step + 1),
                                    "steps",
                                    Integer.toString(config.steps()),
                                    LOSSES_KEY,
                                    losses.stream().map(String::valueOf).collect(Collectors.joining(","))));
                    lastSave = System.nanoTime();
                }
            }
        }
        int window = Math.max(1, losses.size() / 10);
        int kdWindow = Math.max(1, distillation.size() / 10);
        return new Result(
                net.weights(0),
                mean(losses.subList(0, window)),
                mean(losses.subList(losses.size() - window, losses.size())),
                losses.size(),
                distillation.isEmpty() ? Double.NaN : mean(distillation.subList(0, kdWindow)),
                distillation.isEmpty()
                        ? Double.NaN
                        : mean(distillation.subList(distillation.size() - kdWindow, distillation.size())));
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

    /**
     * {@code max(0, margin + d+ - d-)} averaged over the rows, with distances measured on the
     * descriptors standardised per channel by the anchors' batch statistics and averaged over the
     * channels: two unrelated descriptors are about 2 apart whatever scale the network's outputs
     * have, so the margin means the same throughout training and for every corpus.
     */
    static NDArray tripletLoss(NDArray a, NDArray p, NDArray n, float margin) {
        NDManager m = a.getManager();
        NDArray mean = a.mean(new int[] {0}, true);
        NDArray std = a.sub(mean)
                .square()
                .mean(new int[] {0}, true)
                .add(Tensors.scalar(m, 1e-6f))
                .sqrt();
        NDArray za = a.sub(mean).div(std);
        NDArray zp = p.sub(mean).div(std);
        NDArray zn = n.sub(mean).div(std);
        NDArray dPos = za.sub(zp).square().mean(new int[] {1});
        NDArray dNeg = NDArrays.minimum(
                za.sub(zn).square().mean(new int[] {1}), zp.sub(zn).square().mean(new int[] {1}));
        return dPos.add(Tensors.scalar(m, margin))
                .sub(dNeg)
                .maximum(Tensors.scalar(m, 0f))
                .mean();
    }

    /** Sum of the squared off-diagonal correlations between descriptor channels over the rows. */
    static NDArray compactnessLoss(NDArray x) {
        long rows = x.getShape().get(0);
        long d = x.getShape().get(1);
        NDManager m = x.getManager();
        NDArray centred = x.sub(x.mean(new int[] {0}, true));
        NDArray std = centred.square()
                .mean(new int[] {0}, true)
                .add(Tensors.scalar(m, 1e-6f))
                .sqrt();
        NDArray z = centred.div(std);
        NDArray corr = z.transpose().matMul(z).mul(Tensors.scalar(m, 1f / rows));
        NDArray offDiagonal = corr.mul(m.eye((int) d).neg().add(Tensors.scalar(m, 1f)));
        return offDiagonal.square().sum();
    }

    /** A start within {@code shift} of {@code start}, drawn uniformly from those in [0, last]. */
    static int shifted(SplittableRandom rnd, int start, int shift, int last) {
        int lo = Math.max(0, start - shift);
        int hi = Math.min(last, start + shift);
        return lo + rnd.nextInt(hi - lo + 1);
    }

    /**
     * The positive's photometric change, in place (crops are copies): Gaussian noise of
     * {@code positiveNoise}, and one brightness offset plus a tint per channel. The images are
     * normalised per channel, so an offset of {@code delta} intensity becomes {@code delta / std[c]}.
     */
    private FloatImage jittered(FloatImage img, SplittableRandom rnd) {
        double sigma = config.positiveNoise();
        double j = config.positiveJitter();
        double brightness = j > 0 ? rnd.nextDouble(-j, j) : 0;
        float[] d = img.data();
        int plane = img.height() * img.width();
        for (int c = 0; c < img.channels(); c++) {
            double tint = j > 0 ? rnd.nextDouble(-j / 2, j / 2) : 0;
            float offset = (float) ((brightness + tint) / channelStd[Math.min(c, channelStd.length - 1)]);
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                d[i] += (float) (rnd.nextGaussian() * sigma) + offset;
            }
        }
        return img;
    }

    /**
     * A calmer copy of a square window, in place (crops are copies): blurred (Gaussian, sigma 1
     * to 3 px), or its detail around a local mean (Gaussian, sigma 6 px) scaled by 0.2 to 0.5.
     */
    static FloatImage calmer(FloatImage img, SplittableRandom rnd) {
        int n = img.width();
        if (img.height() != n) {
            throw new IllegalArgumentException("a square window is expected, found " + img);
        }
        boolean blur = rnd.nextBoolean();
        double sigma = blur ? rnd.nextDouble(1, 3) : 6;
        double keep = blur ? 0 : rnd.nextDouble(0.2, 0.5);
        int plane = n * n;
        float[] d = img.data();
        for (int c = 0; c < img.channels(); c++) {
            float[] own = new float[plane];
            System.arraycopy(d, c * plane, own, 0, plane);
            System.arraycopy(GaussianBlur.calmer(own, n, sigma, keep), 0, d, c * plane, plane);
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
