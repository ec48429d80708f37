package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.stad.checkpoint.score.DescriptorNormalization;
import dev.stad.checkpoint.score.ErrorAndUncertainty;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scale's teacher and students densely over the validation images and measures the
 * mean and standard deviation of the regression error e and predictive uncertainty v over every
 * valid position. The per-image e and v maps are kept for the combination of the scales and the
 * threshold, which need every scale.
 */
public final class Calibrator {
    private Calibrator() {}

    /** The scale's statistics and its e / v maps of each validation image. */
    public record ScaleCalibration(ScoreStatistics statistics, List<ErrorAndUncertainty> maps) {
        /** Normalised score maps [1, h, w] of the validation images at this scale, on its valid region. */
        public List<FloatImage> scoreMaps() {
            return maps.stream().map(ev -> ev.scores(statistics)).toList();
        }

        /** The same calibration scoring v with {@code weight} (0: e alone). */
        public ScaleCalibration withVWeight(double weight) {
            return new ScaleCalibration(statistics.withVWeight(weight), maps);
        }
    }

    public static ScaleCalibration calibrate(
            NDManager manager,
            PatchNetwork denseTeacher,
            DescriptorNormalization norm,
            List<PatchNetwork> denseStudents,
            List<FloatImage> validation,
            Progress progress)
            throws TrainingDivergedException {
        ParameterStore ps = new ParameterStore(manager, false);
        List<ErrorAndUncertainty> maps = new ArrayList<>();
        try (Progress.Stage stage =
                progress.stage("calibration " + denseTeacher.spec().name(), validation.size(), 0)) {
            for (FloatImage img : validation) {
                FloatImage teacher;
                List<FloatImage> students = new ArrayList<>();
                try (NDManager sub = manager.newSubManager()) {
                    NDArray input = Tensors.batch(sub, List.of(img));
                    teacher = norm.normalize(Tensors.image(denseTeacher.predict(ps, input), 0));
                    for (PatchNetwork s : denseStudents) {
                        students.add(Tensors.image(s.predict(ps, input), 0));
                    }
                }
                maps.add(ErrorAndUncertainty.compute(teacher, students));
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
        return new ScaleCalibration(statistics, maps);
    }
}
