package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stad.checkpoint.spec.Architectures;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;

/**
 * One scale of the detector: a preset ({@code "architecture": "p33"}) or an explicit layer list
 * ({@code "name": "p17", "layers": [...]}). Teacher and students of the scale share it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScaleConfig(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("name") String name,
        @JsonProperty("layers") List<Layer> layers) {

    @JsonCreator
    public ScaleConfig {
        if ((architecture == null) == (layers == null)) {
            throw new IllegalArgumentException(
                    "a scale needs exactly one of \"architecture\" (p17, p33, p65) or \"layers\"");
        }
        if (layers != null && name == null) {
            throw new IllegalArgumentException("a scale with explicit \"layers\" needs a \"name\"");
        }
        spec(architecture, name, layers); // validate now, so a bad layer list fails when the config is read
    }

    public NetworkSpec toSpec() {
        return spec(architecture, name, layers);
    }

    private static NetworkSpec spec(String architecture, String name, List<Layer> layers) {
        if (architecture != null) {
            NetworkSpec preset = Architectures.named(architecture);
            return name == null ? preset : new NetworkSpec(name, preset.inputChannels(), preset.layers());
        }
        return new NetworkSpec(name, 3, layers);
    }
}
