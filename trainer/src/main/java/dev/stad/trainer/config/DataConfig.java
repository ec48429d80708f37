package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where the training images come from.
 *
 * @param path an MVTec AD category folder or a plain folder of good images
 * @param generate if set and {@code path} does not exist, the synthetic dataset is generated there
 * @param validationFraction share of the good training images held back for calibration
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DataConfig(
        @JsonProperty("path") String path,
        @JsonProperty("generate") SyntheticConfig generate,
        @JsonProperty("validationFraction") Double validationFraction) {

    @JsonCreator
    public DataConfig {
        if (validationFraction == null) {
            validationFraction = 0.1;
        }
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException(
                    "data.validationFraction must be in (0, 1), found " + validationFraction);
        }
    }

    public DataConfig withPath(String newPath) {
        // A user's own data is never generated over.
        return new DataConfig(newPath, null, validationFraction);
    }
}
