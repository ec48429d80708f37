package dev.stad.trainer.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Size of the generated synthetic inspection dataset (see {@code SyntheticDataset}).
 *
 * @param size side of the square images in pixels
 * @param trainImages good images in train/good
 * @param testGoodImages good images in test/good
 * @param defectImagesPerType images per defect type in test/&lt;defect&gt;
 * @param smallDefects also the defect types of a fixed size in pixels, whatever the image size
 *     ({@code speck}, 3 to 9 px across; {@code spot}, 10 to 20 px): what a camera image shows
 *     of a small flaw, for comparing native resolution with a resize; null: false
 */
public record SyntheticConfig(
        @JsonProperty("size") Integer size,
        @JsonProperty("trainImages") Integer trainImages,
        @JsonProperty("testGoodImages") Integer testGoodImages,
        @JsonProperty("defectImagesPerType") Integer defectImagesPerType,
        // Left out when false, so configs saved before it existed compare equal on resume.
        @JsonProperty("smallDefects") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        Boolean smallDefects) {

    @JsonCreator
    public SyntheticConfig {
        size = Checks.orDefault(size, 128);
        trainImages = Checks.orDefault(trainImages, 60);
        testGoodImages = Checks.orDefault(testGoodImages, 20);
        defectImagesPerType = Checks.orDefault(defectImagesPerType, 10);
        smallDefects = Checks.orDefault(smallDefects, false);
        Checks.atLeast("data.generate.size", size, 32);
        Checks.atLeast("data.generate.trainImages", trainImages, 2);
        Checks.atLeast("data.generate.testGoodImages", testGoodImages, 0);
        Checks.atLeast("data.generate.defectImagesPerType", defectImagesPerType, 0);
    }

    /** Without the small defect types. */
    public SyntheticConfig(Integer size, Integer trainImages, Integer testGoodImages, Integer defectImagesPerType) {
        this(size, trainImages, testGoodImages, defectImagesPerType, null);
    }
}
