package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.DescriptorGaussian;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scale's teacher and students densely over the validation images (in tiles of
 * {@link DenseTiles} where an image is large) and measures the
 * mean and standard deviation of the regression error e, the predictive uncertainty v and (with
 * a descriptor Gaussian) the calm term c over every valid position. The per-image maps are kept
 * for the combination of the scales and the threshold, which need every scale.
 */
public final class Calibrator {
    private Calibrator() {}

    /** Rows and columns between the positions whose descriptors the Gaussian is fitted on. */
    static final int GAUSSIAN_STRIDE = 2;

    /** The scale's statistics, its Gaussian (or null) and its e / v / c / d maps of each validation image. */
    public record ScaleCalibration(
            ScoreStatistics statistics, DescriptorGaussian gaussian, List<ErrorAndUncertainty> maps) {
        /** Normalised score maps [1, h, w] of the validation images at this scale, on its valid region. */
        public List<FloatImage> scoreMaps() {
            return maps.stream().map(ev -> ev.scores(statistics)).toList();
        }

        /**
         * The same calibration scoring v with {@code vWeight} (0: e alone), c with
         * {@code cWeight} and d with {@code dWeight} (0: without them).
         *
         * @throws IllegalArgumentException if c or d is weighed but was not measured
         */
        public ScaleCalibration withWeights(double vWeight, double cWeight, double dWeight) {
            if ((cWeight != 0 || dWeight != 0) && gaussian == null) {
                throw new IllegalArgumentException("the calm and distance terms were not measured on this calibration");
            }
            return new ScaleCalibration(statistics.withWeights(vWeight, cWeight, dWeight), gaussian, maps);
        }
    }

    /**
     * The Gaussian of the teacher's normalised descriptors at every {@link #GAUSSIAN_STRIDE}-th
     * row and column of the training images' dense maps.
     */
    public static DescriptorGaussian fitGaussian(
            NDManager manager,
            PatchNetwork denseTeacher,
            DescriptorNormalization norm,
            List<FloatImage> train,
            Progress progress) {
        return fitGaussian(manager, denseTeacher, norm, train, progress, DenseTiles.TILE);
    }

    /** {@link #fitGaussian} computing the teacher in tiles of {@code tile} descriptors (even). */
    static DescriptorGaussian fitGaussian(
            NDManager manager,
            PatchNetwork denseTeacher,
            DescriptorNormalization norm,
            List<FloatImage> train,
            Progress progress,
            int tile) {
        if (tile % GAUSSIAN_STRIDE != 0) {
            throw new IllegalArgumentException("tile " + tile + " is not a multiple of the stride " + GAUSSIAN_STRIDE);
        }
        ParameterStore ps = new ParameterStore(manager, false);
        DescriptorGaussian.Accumulator acc = new DescriptorGaussian.Accumulator(norm.channels(), GAUSSIAN_STRIDE);
        try (Progress.Stage stage =
                progress.stage("descriptor Gaussian " + denseTeacher.spec().name(), train.size(), 0)) {
            int rf = denseTeacher.spec().receptiveField();
            for (FloatImage img : train) {
                // Tiles start on even rows and columns, so the stride samples the same positions.
                for (DenseTiles.Tile t : DenseTiles.of(img.height() - rf + 1, img.width() - rf + 1, tile)) {
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray input = Tensors.batch(sub, List.of(t.window(img, rf)));
                        acc.add(norm.normalize(Tensors.image(denseTeacher.predict(ps, input), 0)));
                    }
                }
                stage.step("");
            }
        }
        return acc.fit();
    }

    /**
     * @param gaussian the teacher descriptors' Gaussian; null measures e and v only
     */
    public static ScaleCalibration calibrate(
            NDManager manager,
            PatchNetwork denseTeacher,
            DescriptorNormalization norm,
            DescriptorGaussian gaussian,
            List<PatchNetwork> denseStudents,
            List<FloatImage> validation,
            Progress progress)
            throws TrainingDivergedException {
        return calibrate(manager, denseTeacher, norm, gaussian, denseStudents, validation, progress, DenseTiles.TILE);
    }

    /** {@link #calibrate} computing the networks in tiles of {@code tile} descriptors. */
    static ScaleCalibration calibrate(
            NDManager manager,
            PatchNetwork denseTeacher,
            DescriptorNormalization norm,
            DescriptorGaussian gaussian,
            List<PatchNetwork> denseStudents,
            List<FloatImage> validation,
            Progress progress,
            int tile)
            throws TrainingDivergedException {
        ParameterStore ps = new ParameterStore(manager, false);
        List<ErrorAndUncertainty> maps = new ArrayList<>();
        try (Progress.Stage stage =
                progress.stage("calibration " + denseTeacher.spec().name(), validation.size(), 0)) {
            int rf = denseTeacher.spec().receptiveField();
            for (FloatImage img : validation) {
                int h = img.height() - rf + 1;
                int w = img.width() - rf + 1;
                List<DenseTiles.Tile> tiles = DenseTiles.of(h, w, tile);
                ErrorAndUncertainty whole = null;
                for (DenseTiles.Tile t : tiles) {
                    FloatImage teacher;
                    List<FloatImage> students = new ArrayList<>();
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray input = Tensors.batch(sub, List.of(t.window(img, rf)));
                        teacher = norm.normalize(Tensors.image(denseTeacher.predict(ps, input), 0));
                        for (PatchNetwork s : denseStudents) {
                            students.add(Tensors.image(s.predict(ps, input), 0));
                        }
                    }
                    ErrorAndUncertainty part = ErrorAndUncertainty.compute(teacher, students, gaussian);
                    if (tiles.size() == 1) {
                        whole = part;
                    } else {
                        if (whole == null) {
                            whole = new ErrorAndUncertainty(
                                    h,
                                    w,
                                    new float[h * w],
                                    new float[h * w],
                                    gaussian == null ? null : new float[h * w],
                                    gaussian == null ? null : new float[h * w]);
                        }
                        DenseTiles.paste(part.e(), t, whole.e(), 1, h, w);
                        DenseTiles.paste(part.v(), t, whole.v(), 1, h, w);
                        if (gaussian != null) {
                            DenseTiles.paste(part.c(), t, whole.c(), 1, h, w);
                            DenseTiles.paste(part.d(), t, whole.d(), 1, h, w);
                        }
                    }
                }
                maps.add(whole);
                stage.step("");
            }
        }
        ScoreStatistics statistics;
        try {
            statistics = ErrorAndUncertainty.statistics(maps);
        } catch (IllegalArgumentException e) {
            throw new TrainingDivergedException(
                    "calibration " + denseTeacher.spec().name() + ": " + e.getMessage());
        }
        return new ScaleCalibration(statistics, gaussian, maps);
    }
}
