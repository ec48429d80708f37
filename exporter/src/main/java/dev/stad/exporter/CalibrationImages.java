package dev.stad.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Preprocessing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The good images an int8 detector is calibrated on, read again from where the run found them
 * and preprocessed as the station will: activation ranges come from (up to {@link #MAX_CALIBRATION})
 * training images; the int8 threshold from the validation images, by the run's own rule.
 *
 * @param calibration preprocessed training images
 * @param validation preprocessed validation images
 * @param thresholdQuantile the share of good images the run's threshold passes, estimated from
 *     the validation maps' tails ({@link dev.stad.runtime.score.ImageThreshold})
 * @param nativeSize whether the images keep their own size (a native-resolution run's), so they
 *     may be camera-sized
 */
public record CalibrationImages(
        List<FloatImage> calibration, List<FloatImage> validation, double thresholdQuantile, boolean nativeSize) {
    /** Enough to see every activation's range on good parts; each costs one dense run at export. */
    public static final int MAX_CALIBRATION = 8;
    /** The trainer's default, for runs whose config does not say. */
    static final double DEFAULT_QUANTILE = 0.99;

    public CalibrationImages {
        calibration = List.copyOf(calibration);
        validation = List.copyOf(validation);
        if (calibration.isEmpty() || validation.isEmpty()) {
            throw new IllegalArgumentException("int8 calibration needs training and validation images");
        }
    }

    /**
     * Reads the run's images: every validation image and the first {@link #MAX_CALIBRATION}
     * training images, spread evenly over the training list.
     *
     * @throws IOException naming the file that is missing or unreadable
     */
    public static CalibrationImages of(RunMetadata m) throws IOException {
        RunMetadata.Dataset d = m.dataset();
        if (d == null || d.root() == null || d.train() == null || d.validation() == null) {
            throw new IOException("the run does not record its images, so an int8 detector cannot be calibrated;"
                    + " export without --int8 (fp32 only)");
        }
        Path root = Path.of(d.root());
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": the run's training images are not here any more, so an int8 detector"
                    + " cannot be calibrated; run export where the data is, or without --int8 (fp32 only)");
        }
        Preprocessing pre = m.preprocessing();
        List<FloatImage> calibration = new ArrayList<>();
        int n = d.train().size();
        int take = Math.min(n, MAX_CALIBRATION);
        for (int i = 0; i < take; i++) {
            calibration.add(read(root, d.train().get((int) ((long) i * n / take)), pre));
        }
        List<FloatImage> validation = new ArrayList<>();
        for (String f : d.validation()) {
            validation.add(read(root, f, pre));
        }
        JsonNode q = m.config() == null ? null : m.config().path("calibration").path("thresholdQuantile");
        double quantile = q != null && q.isNumber() ? q.asDouble() : DEFAULT_QUANTILE;
        return new CalibrationImages(calibration, validation, quantile, pre.isNative());
    }

    private static FloatImage read(Path root, String file, Preprocessing pre) throws IOException {
        return pre.apply(ImageDecoder.read(root.resolve(file)));
    }
}
