package dev.stad.exporter;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a completed run folder in the trainer's format with random (untrained) weights, so the
 * exporter can be tested, and any architecture timed, on real files without training (latency
 * does not depend on the weights). Statistics, normalisation and the combination's levels are
 * arbitrary but valid values.
 */
public final class RandomRun {
    /** Smoothing of the random runs' maps, so the graphs' Gaussian is exercised too. */
    static final double SMOOTHING_SIGMA = 1.5;

    private RandomRun() {}

    /**
     * A random descriptor Gaussian whose expected distance sits where the random descriptors
     * fall, so the calm term is 0 on some pixels and positive on others.
     */
    private static DescriptorGaussian gaussian(int d, SplittableRandom rnd) {
        float[] mean = new float[d];
        float[] w = new float[d * d];
        for (int i = 0; i < d; i++) {
            mean[i] = (float) (0.5 * rnd.nextGaussian());
            for (int j = 0; j < i; j++) {
                w[i * d + j] = (float) (rnd.nextGaussian() * 0.1 / Math.sqrt(d));
            }
            w[i * d + i] = (float) rnd.nextDouble(0.5, 1.5);
        }
        return new DescriptorGaussian(mean, w, d * rnd.nextDouble(0.5, 2));
    }

    /** A run whose input size just fits the largest scale, without images. */
    public static Path write(Path dir, List<NetworkSpec> specs, int students, long seed) throws IOException {
        int side = Math.max(
                48, specs.stream().mapToInt(NetworkSpec::receptiveField).max().orElse(0) + 12);
        return write(dir, specs, students, seed, 0, side);
    }

    /**
     * A run of input size {@code side} with {@code images} good images (smooth random textures,
     * PNG) in {@code dir/images}, recorded as the run's data: all but (at most) two train, the
     * rest validate; so an int8 detector can be calibrated from the run.
     */
    public static Path write(Path dir, List<NetworkSpec> specs, int students, long seed, int images, int side)
            throws IOException {
        return write(dir, specs.stream().map(Scale::of).toList(), students, seed, images, side, "random");
    }

    /**
     * A scale of a run: the teacher's network and its weights (null: random ones), and the
     * students' network, the teacher's or their own.
     */
    public record Scale(NetworkSpec teacher, Map<String, FloatTensor> teacherWeights, NetworkSpec students) {
        public Scale {
            teacherWeights =
                    teacherWeights == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(teacherWeights));
        }

        /** Teacher and students of {@code spec}'s architecture, random weights. */
        public static Scale of(NetworkSpec spec) {
            return new Scale(spec, null, spec);
        }
    }

    /**
     * {@link #write(Path, List, int, long, int, int)} for scales whose teacher may have weights
     * of its own (a fixed descriptor) and students an architecture of their own, recorded with
     * {@code teacherSource}.
     */
    public static Path write(
            Path dir, List<Scale> scaleNetworks, int students, long seed, int images, int side, String teacherSource)
            throws IOException {
        return write(
                dir,
                scaleNetworks,
                students,
                seed,
                images,
                Preprocessing.imagenet(side, side),
                SMOOTHING_SIGMA,
                teacherSource);
    }

    /**
     * {@link #write(Path, List, int, long, int, int, String)} with the run's preprocessing and
     * the map's smoothing given, as a config has them: a native-resolution preprocessing makes a
     * bundle that scores images at their own size, and the smoothing widens the reach a tile is
     * cut with. The images are squares of the input's larger side.
     */
    public static Path write(
            Path dir,
            List<Scale> scaleNetworks,
            int students,
            long seed,
            int images,
            Preprocessing input,
            double smoothingSigma,
            String teacherSource)
            throws IOException {
        int side = Math.max(input.width(), input.height());
        if (images == 1 || images < 0) {
            throw new IllegalArgumentException("images must be 0 or at least 2 (one trains, one validates)");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        RunDirectory run = new RunDirectory(dir);
        List<RunMetadata.TrainedScale> scales = new ArrayList<>();
        for (Scale scale : scaleNetworks) {
            NetworkSpec spec = scale.teacher();
            Map<String, FloatTensor> teacher =
                    scale.teacherWeights() == null ? weights(spec, rnd) : new LinkedHashMap<>(scale.teacherWeights());
            int d = spec.descriptorDim();
            float[] mu = new float[d];
            float[] sigma = new float[d];
            for (int c = 0; c < d; c++) {
                mu[c] = (float) rnd.nextGaussian();
                sigma[c] = (float) rnd.nextDouble(0.5, 2.0);
            }
            teacher.put(RunDirectory.NORM_MEAN, new FloatTensor(new long[] {d}, mu));
            teacher.put(RunDirectory.NORM_STD, new FloatTensor(new long[] {d}, sigma));
            Safetensors.write(run.teacherFile(spec.name()), teacher, Map.of("scale", spec.name()));
            Map<String, FloatTensor> all = new LinkedHashMap<>();
            for (int i = 0; i < students; i++) {
                String prefix = RunDirectory.studentPrefix(i);
                weights(scale.students(), rnd).forEach((k, v) -> all.put(prefix + k, v));
            }
            if (students > 0) {
                Safetensors.write(run.studentsFile(spec.name()), all, Map.of("epoch", "1", "epochs", "1"));
            }
            ScoreStatistics statistics = new ScoreStatistics(
                            rnd.nextDouble(10, 50), rnd.nextDouble(1, 10), rnd.nextDouble(1, 5), rnd.nextDouble(0.5, 2))
                    .withCalm(rnd.nextDouble(0, 1), rnd.nextDouble(0.5, 2), 1.0)
                    .withDistance(rnd.nextDouble(50, 150), rnd.nextDouble(10, 50), 0.5);
            scales.add(new RunMetadata.TrainedScale(
                    spec.name(),
                    spec.receptiveField(),
                    spec,
                    teacherSource,
                    run.teacherFile(spec.name()).getFileName().toString(),
                    students == 0
                            ? null
                            : run.studentsFile(spec.name()).getFileName().toString(),
                    students,
                    null,
                    students == 0 ? null : Collections.nCopies(students, 1.0),
                    null,
                    students == 0 ? statistics.withVWeight(0) : statistics,
                    gaussian(d, rnd),
                    scale.students().equals(spec) ? null : scale.students()));
        }
        List<NetworkSpec> specs = scaleNetworks.stream().map(Scale::teacher).toList();
        var config = JsonNodeFactory.instance.objectNode().put("name", "random");
        List<ScaleCombination.Level> levels = new ArrayList<>();
        for (ScaleCombination.Level l : ScaleCombination.uncalibrated(specs, 0).levels()) {
            levels.add(
                    new ScaleCombination.Level(l.scales(), l.margin(), rnd.nextDouble(-1, 1), rnd.nextDouble(0.5, 2)));
        }
        // A standardisation per ring of the outer band, so the graphs' band arithmetic is exercised.
        NetworkSpec.Margin first = levels.get(0).margin();
        List<ScaleCombination.Affine> rings = new ArrayList<>();
        for (int d = 0; d < Math.max(first.before(), first.after()); d++) {
            rings.add(new ScaleCombination.Affine(rnd.nextDouble(-1, 1), rnd.nextDouble(0.5, 2)));
        }
        RunMetadata.Dataset dataset = new RunMetadata.Dataset("image_folder", "none", List.of(), List.of());
        if (images > 0) {
            int validation = Math.min(2, images - 1);
            Path folder = dir.resolve("images");
            java.nio.file.Files.createDirectories(folder);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                String name = String.format(java.util.Locale.ROOT, "%03d.png", i);
                javax.imageio.ImageIO.write(
                        texture(side, rnd), "png", folder.resolve(name).toFile());
                names.add(name);
            }
            dataset = new RunMetadata.Dataset(
                    "image_folder",
                    folder.toString(),
                    names.subList(0, images - validation),
                    names.subList(images - validation, images));
        }
        run.writeMetadata(new RunMetadata(
                RunDirectory.FORMAT_VERSION,
                RunMetadata.COMPLETE,
                config,
                input,
                dataset,
                Map.of("stad", "test"),
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:01:00Z",
                60.0,
                scales,
                new ScaleCombination(levels, smoothingSigma, rings),
                new RunMetadata.Threshold(3.5, "test", List.of(1.0, 2.0))));
        return dir;
    }

    /** Sums of a few random sinusoids per channel: smooth, like a part's surface, never noise. */
    private static java.awt.image.BufferedImage texture(int side, SplittableRandom rnd) {
        java.awt.image.BufferedImage img =
                new java.awt.image.BufferedImage(side, side, java.awt.image.BufferedImage.TYPE_INT_RGB);
        double[][] waves = new double[9][];
        for (int k = 0; k < waves.length; k++) {
            waves[k] = new double[] {rnd.nextDouble(0.05, 0.4), rnd.nextDouble(0.05, 0.4), rnd.nextDouble(0, 6.3)};
        }
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double v = 0.5;
                    for (int k = 0; k < 3; k++) {
                        double[] w = waves[c * 3 + k];
                        v += 0.15 * Math.sin(w[0] * x + w[1] * y + w[2]);
                    }
                    rgb = (rgb << 8) | (int) Math.max(0, Math.min(255, Math.round(v * 255)));
                }
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** He-uniform weights and small random biases, named as the trainer names them. */
    public static Map<String, FloatTensor> weights(NetworkSpec spec, SplittableRandom rnd) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i : spec.convIndices()) {
            long[] shape = spec.weightShape(i);
            int fanIn = (int) (shape[1] * shape[2] * shape[3]);
            double bound = Math.sqrt(6.0 / fanIn);
            float[] w = new float[(int) (shape[0] * fanIn)];
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) rnd.nextDouble(-bound, bound);
            }
            float[] b = new float[(int) shape[0]];
            for (int k = 0; k < b.length; k++) {
                b[k] = (float) rnd.nextDouble(-0.1, 0.1);
            }
            out.put(NetworkSpec.weightName(i), new FloatTensor(shape, w));
            out.put(NetworkSpec.biasName(i), new FloatTensor(new long[] {shape[0]}, b));
        }
        return out;
    }
}
