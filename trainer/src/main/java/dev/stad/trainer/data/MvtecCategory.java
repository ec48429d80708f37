package dev.stad.trainer.data;

import dev.stad.runtime.io.MvtecLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One category of MVTec AD, laid out as {@link MvtecLayout} says. {@link #open} checks the whole
 * layout up front and names the first thing missing.
 */
public final class MvtecCategory {

    private final Path root;
    private final List<Path> trainGood;
    private final List<Path> validationGood;
    private final Map<String, List<Path>> test;

    private MvtecCategory(Path root, List<Path> trainGood, List<Path> validationGood, Map<String, List<Path>> test) {
        this.root = root;
        this.trainGood = trainGood;
        this.validationGood = validationGood;
        this.test = test;
    }

    public static MvtecCategory open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root + ": no such folder");
        }
        Path train = MvtecLayout.trainGood(root);
        if (!Files.isDirectory(train)) {
            throw new DatasetException(root + " is not an MVTec AD category: missing folder train/good" + " (expected "
                    + train + "/*.png)");
        }
        List<Path> good = ImageFiles.list(train);
        if (good.isEmpty()) {
            throw new DatasetException(root + " is not an MVTec AD category: train/good holds no images"
                    + " (looked for .png, .jpg, .bmp, .tif files in " + train + ")");
        }
        List<Path> validation = List.of();
        Path validationDir = MvtecLayout.validationGood(root);
        if (Files.isDirectory(validationDir)) {
            validation = ImageFiles.list(validationDir);
            if (validation.isEmpty()) {
                throw new DatasetException(root + ": validation/good holds no images (looked for .png, .jpg, .bmp, .tif"
                        + " files in " + validationDir + "); add good images there or remove the folder to hold"
                        + " back a share of train/good instead");
            }
        } else if (Files.exists(root.resolve(MvtecLayout.VALIDATION))) {
            throw new DatasetException(
                    root + ": validation exists but has no folder good (expected " + validationDir + "/*.png)");
        }
        Path testDir = MvtecLayout.test(root);
        if (!Files.isDirectory(testDir)) {
            throw new DatasetException(root + " is not an MVTec AD category: missing folder test"
                    + " (expected test/good and test/<defect> folders)");
        }
        Map<String, List<Path>> test = new LinkedHashMap<>();
        for (Path typeDir : ImageFiles.subfolders(testDir)) {
            String type = typeDir.getFileName().toString();
            List<Path> images = ImageFiles.list(typeDir);
            if (!type.equals(MvtecLayout.GOOD)) {
                for (Path image : images) {
                    Path mask = maskPath(root, type, image);
                    if (!Files.isRegularFile(mask)) {
                        throw new DatasetException(root + " is not a complete MVTec AD category: missing mask "
                                + root.relativize(mask) + " for test image " + root.relativize(image));
                    }
                }
            }
            test.put(type, images);
        }
        if (test.isEmpty()) {
            throw new DatasetException(root + " is not an MVTec AD category: test holds no type folders"
                    + " (expected test/good and test/<defect>)");
        }
        return new MvtecCategory(root, good, validation, Collections.unmodifiableMap(test));
    }

    private static Path maskPath(Path root, String type, Path image) {
        return MvtecLayout.mask(root, type, ImageFiles.stem(image));
    }

    public Path root() {
        return root;
    }

    public List<Path> trainGood() {
        return trainGood;
    }

    /**
     * The good images of {@code validation/good}, sorted by name; empty when the category has no such
     * folder (training then holds back a share of {@link #trainGood()}).
     */
    public List<Path> validationGood() {
        return validationGood;
    }

    /** Test images by type folder name ({@code good} first if present), each list sorted by name. */
    public Map<String, List<Path>> test() {
        return test;
    }

    public List<String> defectTypes() {
        List<String> types = new ArrayList<>(test.keySet());
        types.remove(MvtecLayout.GOOD);
        return types;
    }

    /** The ground-truth mask of a defective test image; empty for a good one. */
    public Optional<Path> maskFor(String type, Path image) {
        return type.equals(MvtecLayout.GOOD) ? Optional.empty() : Optional.of(maskPath(root, type, image));
    }
}
