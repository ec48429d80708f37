package dev.stad.trainer.data;

import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.MvtecLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code --data} points at: an MVTec AD category (train on {@code train/good}, calibrate on
 * {@code validation/good} where it exists) or a plain folder of good images.
 *
 * @param kind which of the two
 * @param root the folder given
 * @param goodImages the anomaly-free images to train on, and to validate on when {@code
 *     validationImages} is empty, sorted by name
 * @param validationImages the category's own {@code validation/good} images, sorted by name; empty
 *     when it has none (or for a plain folder), and a share of {@code goodImages} is held back instead
 */
public record DatasetSource(Kind kind, Path root, List<Path> goodImages, List<Path> validationImages) {

    /** The folder layouts accepted. */
    public enum Kind {
        MVTEC_CATEGORY,
        IMAGE_FOLDER
    }

    public DatasetSource {
        goodImages = List.copyOf(goodImages);
        validationImages = List.copyOf(validationImages);
    }

    public static DatasetSource resolve(Path root) throws IOException {
        if (!Files.exists(root)) {
            throw new DatasetException(root + ": no such folder");
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetException(
                    root + " is a file; --data needs an MVTec AD category folder or a folder of good images");
        }
        if (MvtecLayout.isCategory(root)) {
            MvtecCategory category = MvtecCategory.open(root);
            return new DatasetSource(Kind.MVTEC_CATEGORY, root, category.trainGood(), category.validationGood());
        }
        List<Path> images = ImageFiles.list(root);
        if (images.isEmpty()) {
            throw new DatasetException(root + " is neither an MVTec AD category (missing folder train/good) nor a"
                    + " folder of good images (no files ending in "
                    + ImageDecoder.IMAGE_EXTENSIONS.stream().sorted().toList()
                    + ")");
        }
        return new DatasetSource(Kind.IMAGE_FOLDER, root, images, List.of());
    }
}
