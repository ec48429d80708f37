package dev.stad.runtime.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder layout of an MVTec AD category, decided once for training, scoring and evaluation:
 * {@code train/good/*}, {@code test/<type>/*} (type {@code good} or a defect) and
 * {@code ground_truth/<defect>/<name>_mask.png} for every defective test image, and optionally
 * {@code validation/good/*} (as MVTec LOCO AD has): good images kept for calibration only. A folder is meant
 * as a category when it has a {@code train/} folder: training then takes {@code train/good} (and
 * says what is missing if the rest is not there), scoring takes {@code test/}, evaluation takes
 * {@code test/} and {@code ground_truth/}.
 */
public final class MvtecLayout {
    public static final String TRAIN = "train";
    public static final String TEST = "test";
    public static final String VALIDATION = "validation";
    public static final String GOOD = "good";
    public static final String GROUND_TRUTH = "ground_truth";
    public static final String MASK_SUFFIX = "_mask.png";

    private MvtecLayout() {}

    /** Whether {@code dir} is meant to be a category: it has a {@code train/} folder. */
    public static boolean isCategory(Path dir) {
        return Files.isDirectory(dir.resolve(TRAIN));
    }

    /** {@code <root>/train/good}. */
    public static Path trainGood(Path root) {
        return root.resolve(TRAIN).resolve(GOOD);
    }

    /** {@code <root>/validation/good}: optional good images that calibrate and are never trained on. */
    public static Path validationGood(Path root) {
        return root.resolve(VALIDATION).resolve(GOOD);
    }

    /** {@code <root>/test}. */
    public static Path test(Path root) {
        return root.resolve(TEST);
    }

    /** The mask of test image {@code <root>/test/<type>/<stem>.*}. */
    public static Path mask(Path root, String type, String stem) {
        return root.resolve(GROUND_TRUTH).resolve(type).resolve(stem + MASK_SUFFIX);
    }
}
