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
     * {@code (x - median[c]) / std[c]} with the image's own per-channel medians (see {@link
     * ImageStatistics}) and the bundle's {@code std}: a change of brightness or colour cast over
     * the whole image cancels before the networks, a local one does not. A change of exposure
     * (a gain) is a shift of the median, which cancels, and a change of contrast by the same
     * factor, which does not: 5% more light is 5% more texture contrast, far less than the shift
     * it brought. The bundle's {@code mean} is unused.
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
