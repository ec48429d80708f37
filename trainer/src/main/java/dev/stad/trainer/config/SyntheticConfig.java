package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Size of the generated synthetic inspection dataset (see {@code SyntheticDataset}).
 *
 * @param size side of the square images in pixels
 * @param trainImages good images in train/good
 * @param testGoodImages good images in test/good
 * @param defectImagesPerType images per defect type in test/&lt;defect&gt;
 */
public record SyntheticConfig(
        @JsonProperty("size") Integer size,
        @JsonProperty("trainImages") Integer trainImages,
        @JsonProperty("testGoodImages") Integer testGoodImages,
        @JsonProperty("defectImagesPerType") Integer defectImagesPerType) {

    @JsonCreator
    public SyntheticConfig {
        size = Checks.orDefault(size, 128);
        trainImages = Checks.orDefault(trainImages, 60);
        testGoodImages = Checks.orDefault(testGoodImages, 20);
        defectImagesPerType = Checks.orDefault(defectImagesPerType, 10);
        Checks.atLeast("data.generate.size", size, 32);
        Checks.atLeast("data.generate.trainImages", trainImages, 2);
        Checks.atLeast("data.generate.testGoodImages", testGoodImages, 0);
        Checks.atLeast("data.generate.defectImagesPerType", defectImagesPerType, 0);
    }
}
