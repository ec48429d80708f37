package dev.stad.trainer;

import dev.stad.exporter.Exporter;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.config.ConfigLoader;
import dev.stad.trainer.config.TrainingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one small model the integration and Spark tests use: trained for real once per test JVM (16
 * synthetic 32 px images, two narrow scales, 2 students each, 8 epochs; {@link TinyRuns}) and
 * exported to a bundle, so the tests score, export and measure the same kind of model a user
 * gets. 16 images and 8 epochs are enough for its maps to be a model's, not noise: the border
 * tests look at where good images peak.
 */
public final class TinyModel {
    private static Path root;

    private TinyModel() {}

    /** The config it is trained with, on {@code data}, into {@code out}. */
    public static TrainingConfig config(Path data, Path out) {
        return TinyRuns.config(data, out, 8, 2e-3, 16);
    }

    private static synchronized Path root() {
        if (root == null) {
            try {
                Path r = Files.createTempDirectory("stad-tiny-model");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        AtomicFiles.deleteTree(r);
                    } catch (IOException ignored) {
                        // a temp folder left behind is harmless
                    }
                }));
                new TrainingRun(config(r.resolve("data"), r.resolve("run")), Progress.silent(), false).run();
                // The training run writes the fp32 bundle; export it again with the int8 detector too.
                Exporter.export(
                        r.resolve("run"),
                        r.resolve("run/bundle"),
                        Exporter.Options.defaults().withInt8(true),
                        Progress.silent());
                root = r;
            } catch (Exception e) {
                throw new IllegalStateException("training the tiny test model failed: " + e.getMessage(), e);
            }
        }
        return root;
    }

    /** The bundle folder. */
    public static Path bundle() {
        return root().resolve("run/bundle");
    }

    /** The completed run folder (checkpoints, run.json). */
    public static Path run() {
        return root().resolve("run");
    }

    /** The synthetic MVTec-layout dataset it was trained on (32x32 images). */
    public static Path data() {
        return root().resolve("data");
    }

    /** Every test image of the dataset, sorted. */
    public static List<Path> testImages() {
        try (var s = Files.walk(data().resolve("test"))) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the tiny model's config as a JSON file that {@code --config} reads, with
     * {@code data} as its data folder (for commands that fill in data, out and bundle themselves).
     */
    public static Path writeConfig(Path file, Path data) throws IOException {
        TrainingConfig c = config(data, file.resolveSibling("run"));
        Files.writeString(file, ConfigLoader.mapper().writeValueAsString(c));
        return file;
    }
}
