package dev.stad.trainer.data;

import dev.stad.runtime.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Lists the image files directly inside a folder, sorted by name so runs reproduce; writes the
 * PNG images and masks of the dataset generators.
 */
public final class ImageFiles {
    private ImageFiles() {}

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(ImageDecoder::isImageFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    static List<Path> subfolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** Writes {@code image} as a PNG file, creating its folder. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
    }

    /** A ground-truth mask image: 255 where {@code mask} (row-major, {@code width x height}) is set, else 0. */
    public static BufferedImage mask(boolean[] mask, int width, int height) {
        BufferedImage b = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = b.getRaster();
        for (int i = 0; i < mask.length; i++) {
            r.setSample(i % width, i / width, 0, mask[i] ? 255 : 0);
        }
        return b;
    }
}
