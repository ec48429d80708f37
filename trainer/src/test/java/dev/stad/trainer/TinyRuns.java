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
    private TinyRuns() {
    }

    static final ScaleConfig POOLED = new ScaleConfig(null, "t9", List.of(
            Layer.conv(16, 3), Layer.maxPool(2, 2), Layer.conv(32, 3), Layer.conv(16, 2)));
    static final ScaleConfig PLAIN = new ScaleConfig(null, "t7", List.of(
            Layer.conv(16, 3), Layer.conv(32, 3), Layer.conv(16, 3)));

    public static TrainingConfig config(Path data, Path out, int epochs, double studentLr) {
        return new TrainingConfig("tiny", 11L, out.toString(), out.resolve("bundle").toString(),
                new DataConfig(data.toString(), new SyntheticConfig(32, 8, 2, 1), 0.25),
                Preprocessing.imagenet(32, 32),
                List.of(POOLED, PLAIN),
                new TeacherConfig(TeacherConfig.Source.SELF_SUPERVISED,
                        new PretrainConfig(20, 4, 8, 1e-3, 1e-5, 1.0, 1.0, 2, 0.1)),
                new StudentConfig(2, epochs, 2, 12, studentLr, 1e-5),
                new CalibrationConfig(null));
    }
}
