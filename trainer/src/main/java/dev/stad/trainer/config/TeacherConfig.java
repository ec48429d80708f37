package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where each scale's teacher comes from.
 *
 * @param source {@code random}: fixed random weights from the seed; {@code self-supervised}:
 *     pretrained by the trainer on patches of the training images with the triplet and
 *     compactness losses
 * @param pretrain settings for {@code self-supervised}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TeacherConfig(
        @JsonProperty("source") Source source,
        @JsonProperty("pretrain") PretrainConfig pretrain) {

    /** Teacher sources. Distillation from a user's network will be a third. */
    public enum Source {
        @JsonProperty("random") RANDOM,
        @JsonProperty("self-supervised") SELF_SUPERVISED
    }

    @JsonCreator
    public TeacherConfig {
        source = Checks.orDefault(source, Source.SELF_SUPERVISED);
        if (source == Source.SELF_SUPERVISED && pretrain == null) {
            pretrain = new PretrainConfig(null, null, null, null, null, null, null, null, null);
        }
        if (source == Source.RANDOM && pretrain != null) {
            throw new IllegalArgumentException("teacher.pretrain is only used with \"source\": \"self-supervised\"");
        }
    }
}
