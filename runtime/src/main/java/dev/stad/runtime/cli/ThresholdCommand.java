package dev.stad.runtime.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.ImageThreshold;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code runtime threshold}: the image threshold that rejects at most a given share of a
 * station's own good parts. A bundle's threshold comes from the few validation images its
 * training held back, which look like the training photos; a station's good parts vary more
 * (lighting, position, another batch of material), so at the bundle's threshold it may reject
 * many of them. Scoring a folder of good parts from the station itself and taking the quantile
 * that the station can afford to reject gives the threshold to pass to {@code score} and
 * {@code serve} with {@code --threshold}. Where there are too few images to count that rate
 * (fewer than {@code 1 / rate}), it is read from the tail of their maps as the trainer reads the
 * bundle's ({@link ImageThreshold}), never below their highest score. The bundle is not
 * changed: a signed bundle stays signed.
 */
@Command(
        name = "threshold",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Scores good images from the station and prints the image threshold that rejects at most"
                + " --reject-rate of them, for score and serve's --threshold.")
public final class ThresholdCommand implements Callable<Integer> {

    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle: a folder or a .zip.")
    Path bundle;

    @Option(
            names = "--good",
            required = true,
            arity = "1..*",
            paramLabel = "FILE|DIR|GLOB",
            description = "Good images from the station, not the ones the model trained on: files, folders"
                    + " (recursive) or globs. Every one must score.")
    List<String> inputs;

    @Option(
            names = "--reject-rate",
            required = true,
            paramLabel = "R",
            description = "Share of good parts the station may reject, in (0, 0.5]: 0.01 for one in a hundred."
                    + " Counted among the images' scores; with fewer than 1/R images, read from the tail of"
                    + " their maps.")
    double rejectRate;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Also write the threshold, the counts and every image's score to this JSON file.")
    Path out;

    @Mixin
    GpuOptions gpu;

    @Mixin
    DetectorChoiceOptions detectorChoice;

    @Mixin
    TileOptions tiles;

    @Mixin
    TrustOptions trust;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    RuntimeCommand parent;

    /** One good image's score. */
    public record Scored(
            @JsonProperty("file") String file,
            @JsonProperty("score") double score) {}

    /**
     * What {@code --out} holds.
     *
     * @param threshold the threshold chosen: images scoring above it are rejected
     * @param rule how it was set: counted among the scores, or read from the maps' tail
     * @param rejectRate the share asked for
     * @param goodImages images scored
     * @param rejected good images above {@code threshold}
     * @param bundleThreshold the bundle's own threshold
     * @param bundleRejected good images above the bundle's threshold
     * @param scores every image's score, highest first
     */
    public record Result(
            @JsonProperty("threshold") double threshold,
            @JsonProperty("rule") String rule,
            @JsonProperty("rejectRate") double rejectRate,
            @JsonProperty("goodImages") int goodImages,
            @JsonProperty("rejected") int rejected,
            @JsonProperty("bundleThreshold") double bundleThreshold,
            @JsonProperty("bundleRejected") int bundleRejected,
            @JsonProperty("scores") List<Scored> scores) {}

    /**
     * The threshold that rejects at most {@link #allowed} of {@code scores}: the next
     * highest score after that many, so that images scoring above it, and only those, are
     * rejected (ties at the threshold pass). With fewer than {@code 1 / rate} images that is their
     * maximum.
     */
    public static double threshold(double[] scores, double rate) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("no scores");
        }
        int n = scores.length;
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        return sorted[n - 1 - Math.min(allowed(n, rate), n - 1)];
    }

    /**
     * How many of {@code n} images a rate rejects, {@code floor(rate * n)}, where a rate up to
     * 0.1% short of {@code k / n} counts {@code k}: room for a rate typed in decimals, so that
     * 30 images at 0.03333 count one.
     */
    static int allowed(int n, double rate) {
        return (int) Math.floor(rate * n * (1 + 1e-3));
    }

    static int above(double[] scores, double threshold) {
        return (int) Arrays.stream(scores).filter(s -> s > threshold).count();
    }

    @Override
    public Integer call() throws Exception {
        if (!(rejectRate > 0 && rejectRate <= 0.5)) {
            throw new ParameterException(spec.commandLine(), "--reject-rate must be in (0, 0.5], found " + rejectRate);
        }
        for (String in : inputs) {
            Path p = Path.of(in);
            if (Files.isDirectory(p) && MvtecLayout.isCategory(p)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--good " + in + " is an MVTec AD category, whose test/ holds defective images; give its"
                                + " good images only ("
                                + p.resolve(MvtecLayout.TEST).resolve("good") + ")");
            }
        }
        EngineKind engine = detectorChoice.engine();
        Engines.Choice choice = Engines.choose(engine);
        detectorChoice.requirePrecisionRunsOn(choice.kind());
        List<InputFiles.Input> files = InputFiles.expand(inputs);
        Progress progress = new ConsoleProgress(spec.commandLine().getOut(), parent.interactive);
        DetectorOptions options = detectorChoice.detectorOptions(gpu, gpu.trt(1), tiles, trust);
        List<Scored> scored = new ArrayList<>();
        List<double[]> blockMaxima = new ArrayList<>();
        double bundleThreshold;
        int block;
        double smoothing;
        try (Detector detector = Detector.open(bundle, options);
                Progress.Stage stage = progress.stage("scoring good images", files.size(), 0)) {
            bundleThreshold = detector.threshold();
            block = ImageThreshold.blockSide(detector.manifest().combination());
            smoothing = detector.manifest().combination().smoothingSigma();
            for (InputFiles.Input in : files) {
                double score;
                try {
                    Detection d = detector.score(in.file());
                    score = d.score();
                    blockMaxima.add(ImageThreshold.blockMaxima(d.inputMap(), block));
                } catch (Exception e) {
                    // A threshold from the images that happened to score would not be the station's.
                    throw new IOException(
                            in.file() + ": " + ScoreCommand.why(e) + "; every --good image must"
                                    + " score (remove the file or fix it)",
                            e);
                }
                scored.add(new Scored(in.file().toString(), score));
                stage.step(String.format(Locale.ROOT, "%s %.2f", in.name(), score));
            }
        }
        scored.sort((a, b) -> Double.compare(b.score(), a.score()));
        double[] scores = scored.stream().mapToDouble(Scored::score).toArray();
        int n = scores.length;
        boolean counted = allowed(n, rejectRate) >= 1;
        double t;
        String rule;
        if (counted) {
            t = threshold(scores, rejectRate);
            rule = "the highest score left after the floor(rate x n) highest";
        } else {
            ImageThreshold.Estimate e = ImageThreshold.fromBlockMaxima(blockMaxima, block, 1 - rejectRate);
            // Never below the highest: the images scored are good, so none of them is rejected.
            t = Math.max(e.value(), scores[0]);
            rule = e.rule(ImageThreshold.scoreDescription(smoothing), "the scored images'")
                    + "; not below the highest score";
        }
        Result result = new Result(
                t,
                rule,
                rejectRate,
                scores.length,
                above(scores, t),
                bundleThreshold,
                above(scores, bundleThreshold),
                scored);
        if (out != null) {
            Json.write(out, result);
        }
        // Highest first: the ascending order's middle element n / 2 is at n - 1 - n / 2.
        progress.line(String.format(
                Locale.ROOT,
                "Scored %d good images: min %.3f, median %.3f, max %.3f.",
                n,
                scores[n - 1],
                scores[n - 1 - n / 2],
                scores[0]));
        progress.line(String.format(
                Locale.ROOT,
                "Threshold %.4f rejects %d of %d (%.1f%%; asked: at most %.1f%%). The bundle's %.4f rejects %d (%.1f%%).",
                t,
                result.rejected(),
                n,
                100.0 * result.rejected() / n,
                100 * rejectRate,
                bundleThreshold,
                result.bundleRejected(),
                100.0 * result.bundleRejected() / n));
        if (!counted) {
            progress.line(String.format(
                    Locale.ROOT,
                    "Note: %d images cannot count a rate of %.1f%% (one in %d): the threshold is read from the tail"
                            + " of their maps' %dx%d px blocks (not below their highest score), an estimate that"
                            + " assumes the station's good parts look like these. Score at least %d good images to"
                            + " count it.",
                    n,
                    100 * rejectRate,
                    (int) Math.ceil(1 / rejectRate),
                    block,
                    block,
                    (int) Math.ceil(10 / rejectRate)));
        }
        progress.line(String.format(
                Locale.ROOT, "Use it with: runtime score --threshold %.4f ... (or serve --threshold %.4f)", t, t));
        if (out != null) {
            progress.line("Scores in " + out);
        }
        return 0;
    }
}
