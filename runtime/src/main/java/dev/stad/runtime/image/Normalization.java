package dev.stad.runtime.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where the statistics that centre and scale a network input come from: recorded in the bundle
 * so that training and the station cannot disagree on it.
 */
public enum Normalization {
    /**
     * {@code (x - mean[c]) / std[c]} with the bundle's fixed per-channel statistics: the image's
     * brightness and contrast reach the networks as they are, so a station whose lighting drifts
     * a few percent from the training photos sees every pixel move.
     */
    DATASET,
    /**
     * {@code (x - median[c]) / spread} with the image's own robust statistics (see {@link
     * ImageStatistics}): a change of exposure, contrast or white balance over the whole image
     * cancels before the networks, a local defect does not. The bundle's mean and std are unused.
     */
    IMAGE;

    /** The name in configs and manifests. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The normalisation named {@code id} (case-insensitive). */
    @JsonCreator
    public static Normalization parse(String id) {
        return Arrays.stream(values())
                .filter(m -> m.id().equalsIgnoreCase(id == null ? "" : id.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown normalization '" + id + "' (known: "
                        + Arrays.stream(values()).map(Normalization::id).toList() + ")"));
    }
}
