package dev.stad.checkpoint.spec;

import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;
import java.util.Map;

/**
 * The three patch networks p17, p33 and p65, as they follow the public re-implementations.
 * Configs may name one of these ({@code "architecture": "p33"}) or spell out their own layers.
 */
public final class Architectures {

    public static final NetworkSpec P17 = new NetworkSpec(
            "p17", List.of(Layer.conv(128, 6), Layer.conv(256, 5), Layer.conv(256, 5), Layer.conv(128, 4)));

    public static final NetworkSpec P33 = new NetworkSpec(
            "p33",
            List.of(
                    Layer.conv(128, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 2), Layer.conv(128, 4)));

    public static final NetworkSpec P65 = new NetworkSpec(
            "p65",
            List.of(
                    Layer.conv(128, 5), Layer.maxPool(2, 2),
                    Layer.conv(128, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 5), Layer.maxPool(2, 2),
                    Layer.conv(256, 4), Layer.conv(128, 1)));

    private static final Map<String, NetworkSpec> BY_NAME = Map.of("p17", P17, "p33", P33, "p65", P65);

    private Architectures() {}

    /** The preset called {@code name}. */
    public static NetworkSpec named(String name) {
        NetworkSpec spec = BY_NAME.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown architecture '" + name + "', expected one of "
                    + BY_NAME.keySet().stream().sorted().toList());
        }
        return spec;
    }
}
