package dev.stad.trainer.station;

import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.trainer.TinyRuns;
import dev.stad.trainer.TrainingRun;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small model trained for real (16 synthetic 32 px images, two narrow scales, 2 students each) and
 * exported to a bundle, once per test JVM, so the station's tests score with the same kind of
 * bundle a user gets.
 */
final class TinyBundle {
    private static Path root;

    private TinyBundle() {
    }

    private static synchronized Path root() {
        if (root == null) {
            try {
                Path r = Files.createTempDirectory("stad-tiny-bundle");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        AtomicFiles.deleteTree(r);
                    } catch (IOException ignored) {
                        // a temp folder left behind is harmless
                    }
                }));
                Progress quiet = Progress.silent();
                // 16 images, 8 epochs: enough for its maps to be those of a model, not of noise (the
                // border tests look at where good images peak).
                new TrainingRun(TinyRuns.config(r.resolve("data"), r.resolve("run"), 8, 2e-3, 16), quiet, false).run();
                root = r;
            } catch (Exception e) {
                throw new IllegalStateException("training the tiny test model failed: " + e.getMessage(), e);
            }
        }
        return root;
    }

    /** The bundle folder. */
    static Path bundle() {
        return root().resolve("run/bundle");
    }

    /** The synthetic MVTec-layout dataset it was trained on (32x32 images). */
    static Path data() {
        return root().resolve("data");
    }

    /** Every test image of the dataset. */
    static java.util.List<Path> testImages() {
        try (var s = Files.walk(data().resolve("test"))) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
