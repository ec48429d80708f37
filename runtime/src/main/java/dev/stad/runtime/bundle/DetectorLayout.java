package dev.stad.runtime.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * How a detector graph computes the networks of one scale. Both give the same map; they differ in
 * how much memory a run holds at once, which is why the runtime needs to know
 * ({@code dev.stad.runtime.detect.Tiles} sizes tiles from it).
 */
public enum DetectorLayout {
    /**
     * All networks of a scale as one stack of convolutions (grouped after the first): fewer,
     * larger operators, but every layer holds the activations of all networks at once.
     */
    FUSED,
    /**
     * Each network on its own, one after the other: a run holds one network's activations at a
     * time, about half the fused layout's working memory at the same speed.
     */
    SEPARATE;

    /** The layout the exporter writes unless told otherwise. */
    public static final DetectorLayout DEFAULT = SEPARATE;

    /** The name in manifests and on the command line. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The layout named {@code id}; null (a bundle written before layouts were recorded) is fused. */
    @JsonCreator
    public static DetectorLayout parse(String id) {
        if (id == null) {
            return FUSED;
        }
        return Arrays.stream(values())
                .filter(l -> l.id().equalsIgnoreCase(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown detector layout '" + id + "' (known: "
                        + Arrays.stream(values()).map(DetectorLayout::id).toList() + ")"));
    }
}
