package dev.stad.trainer.data;

import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.MvtecLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code --data} points at: an MVTec AD category (train on {@code train/good}) or a plain
 * folder of good images.
 *
 * @param kind which of the two
 * @param root the folder given
 * @param goodImages the anomaly-free images to train and validate on, sorted by name
 */
public record DatasetSource(Kind kind, Path root, List<Path> goodImages) {

    /** The folder layouts accepted. */
    public enum Kind {
        MVTEC_CATEGORY,
        IMAGE_FOLDER
    }

    public DatasetSource {
        goodImages = List.copyOf(goodImages);
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
            return new DatasetSource(
                    Kind.MVTEC_CATEGORY, root, MvtecCategory.open(root).trainGood());
        }
        List<Path> images = ImageFiles.list(root);
        if (images.isEmpty()) {
            throw new DatasetException(root + " is neither an MVTec AD category (missing folder train/good) nor a"
                    + " folder of good images (no files ending in "
                    + ImageDecoder.IMAGE_EXTENSIONS.stream().sorted().toList()
                    + ")");
        }
        return new DatasetSource(Kind.IMAGE_FOLDER, root, images);
    }
}
