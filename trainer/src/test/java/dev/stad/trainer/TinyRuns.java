package dev.stad.trainer;

import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.spec.Layer;
import dev.stad.trainer.config.CalibrationConfig;
import dev.stad.trainer.config.DataConfig;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.config.ScaleConfig;
import dev.stad.trainer.config.StudentConfig;
import dev.stad.trainer.config.SyntheticConfig;
import dev.stad.trainer.config.TeacherConfig;
import dev.stad.trainer.config.TrainingConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Small but real runs for tests: the synthetic dataset at 32 px and two narrow scales (one with a
 * pool, so dense extraction uses dilations), channel counts multiples of 16 as the oneDNN trap
 * requires. Everything else goes through the same code as a full run.
 */
public final class TinyRuns {
    private TinyRuns() {}

    static final ScaleConfig POOLED = new ScaleConfig(
            null, "t9", List.of(Layer.conv(16, 3), Layer.maxPool(2, 2), Layer.conv(32, 3), Layer.conv(16, 2)));
    static final ScaleConfig PLAIN =
            new ScaleConfig(null, "t7", List.of(Layer.conv(16, 3), Layer.conv(32, 3), Layer.conv(16, 3)));

    /**
     * As {@link #config}, with a teacher pretrained on {@code pretrainSteps} steps of a small
     * procedural corpus, kept in {@code teachers}.
     */
    public static TrainingConfig pretrained(Path data, Path out, Path teachers, int epochs, int pretrainSteps) {
        TrainingConfig c = config(data, out, epochs, 2e-3);
        return with(
                c,
                c.scales(),
                new TeacherConfig(
                        TeacherConfig.Source.PRETRAINED,
                        teachers.toString(),
                        new PretrainConfig(
                                pretrainSteps,
                                2,
                                8,
                                1e-3,
                                1e-5,
                                1.0,
                                1e-3,
                                2,
                                0.1,
                                0.05,
                                1.0,
                                PretrainConfig.PROCEDURAL,
                                16,
                                32,
                                null,
                                null)),
                c.students(),
                c.calibration());
    }

    /**
     * As {@link #config}, with one scale of {@code layers} whose teacher is the fixed
     * texture-energy network, and these students and calibration (null: {@link #config}'s).
     */
    static TrainingConfig energy(
            Path data, Path out, List<Layer> layers, StudentConfig students, CalibrationConfig calibration) {
        TrainingConfig tiny = config(data, out, 2, 2e-3);
        return with(
                tiny,
                List.of(new ScaleConfig(null, "e9", layers)),
                new TeacherConfig(TeacherConfig.Source.ENERGY, null, null),
                students == null ? tiny.students() : students,
                calibration == null ? tiny.calibration() : calibration);
    }

    /** {@code tiny} (its name, data, input and folders) with other scales, teacher, students and calibration. */
    static TrainingConfig with(
            TrainingConfig tiny,
            List<ScaleConfig> scales,
            TeacherConfig teacher,
            StudentConfig students,
            CalibrationConfig calibration) {
        return new TrainingConfig(
                tiny.name(),
                tiny.seed(),
                tiny.out(),
                tiny.bundle(),
                tiny.data(),
                tiny.input(),
                scales,
                teacher,
                students,
                calibration);
    }

    public static TrainingConfig config(Path data, Path out, int epochs, double studentLr) {
        return config(data, out, epochs, studentLr, 8);
    }

    /** As above, the synthetic set with {@code trainImages} good training images (a quarter held back). */
    public static TrainingConfig config(Path data, Path out, int epochs, double studentLr, int trainImages) {
        return new TrainingConfig(
                "tiny",
                11L,
                out.toString(),
                out.resolve("bundle").toString(),
                new DataConfig(data.toString(), new SyntheticConfig(32, trainImages, 2, 1), 0.25),
                Preprocessing.imagenet(32, 32),
                List.of(POOLED, PLAIN),
                new TeacherConfig(
                        TeacherConfig.Source.SELF_SUPERVISED,
                        null,
                        new PretrainConfig(
                                20, 4, 8, 1e-3, 1e-5, 1.0, 1.0, 2, 0.1, 0.05, null, null, null, null, null, null)),
                new StudentConfig(2, epochs, 2, 12, studentLr, 1e-5, null, null),
                new CalibrationConfig(null, null, null, null, null));
    }
}
