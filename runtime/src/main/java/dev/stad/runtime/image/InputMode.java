package dev.stad.runtime.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * How an image's size becomes the network input's: the one choice a bundle records so that
 * training and the station cannot disagree on it.
 */
public enum InputMode {
    /**
     * Every image is resized to the bundle's {@code width x height}: fast and small, but a camera
     * image loses most of its pixels and a defect a few pixels wide becomes sub-pixel.
     */
    RESIZE,
    /**
     * Every image keeps its own size (times the bundle's fixed {@code scale}): the model learns
     * from crops of full-size images and the station scores every camera pixel, in tiles.
     */
    NATIVE;

    /** The name in configs and manifests. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code id} (case-insensitive). */
    @JsonCreator
    public static InputMode parse(String id) {
        return Arrays.stream(values())
                .filter(m -> m.id().equalsIgnoreCase(id == null ? "" : id.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown input mode '" + id + "' (known: "
                        + Arrays.stream(values()).map(InputMode::id).toList() + ")"));
    }
}
