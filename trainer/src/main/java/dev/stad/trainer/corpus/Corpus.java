package dev.stad.trainer.corpus;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.image.Resampler;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.config.PretrainConfig;
import dev.stad.trainer.train.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The pool of images a pretrained teacher learns on, normalised as the runs' inputs are:
 * {@code procedural} ({@link ProceduralImages}, generated in-process, no file needed) or a folder
 * of photos, cut into square crops at several scales (so the same photo gives fine and coarse
 * texture). The pool depends only on the corpus, its size, the seed and the normalisation.
 */
public final class Corpus {
    /** Shortest side of a photo, relative to the crop, at the coarsest and finest scale it is cut at. */
    private static final double COARSEST = 1.5;

    private static final double FINEST = 8;

    private Corpus() {}

    /**
     * @param corpus {@link PretrainConfig#PROCEDURAL} or a folder of photos
     * @param count images in the pool
     * @param size side of each image
     * @param input the run's preprocessing, whose last step ({@link Preprocessing#normalize})
     *     every corpus image goes through
     */
    public static List<FloatImage> load(
            String corpus, int count, int size, long seed, Preprocessing input, Progress progress) throws IOException {
        List<FloatImage> pool = new ArrayList<>();
        if (PretrainConfig.PROCEDURAL.equals(corpus)) {
            try (Progress.Stage stage = progress.stage("corpus procedural", count, 0)) {
                for (int i = 0; i < count; i++) {
                    pool.add(input.normalize(ProceduralImages.render(Seeds.derive(seed, "corpus/" + i), size)));
                    stage.step("");
                }
            }
            return pool;
        }
        Path folder = Path.of(corpus);
        List<Path> photos = photos(folder);
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, "corpus/" + corpus));
        try (Progress.Stage stage = progress.stage("corpus " + folder.getFileName(), photos.size(), 0)) {
            for (int p = 0; p < photos.size(); p++) {
                int crops = (int) ((long) (p + 1) * count / photos.size() - (long) p * count / photos.size());
                FloatImage photo = ImageDecoder.read(photos.get(p));
                if (photo.channels() == 1) {
                    photo = grey(photo);
                }
                int shortSide = Math.min(photo.height(), photo.width());
                if (shortSide < size) {
                    throw new IOException(photos.get(p) + ": " + photo.width() + "x" + photo.height()
                            + " is smaller than the corpus crops of " + size + " pixels");
                }
                for (int c = 0; c < crops; c++) {
                    // The photo as if its short side were `target` pixels: a crop of `size` there is
                    // a window of size / scale pixels here, resized (antialiased) to size.
                    double target = size * Math.exp(rnd.nextDouble(Math.log(COARSEST), Math.log(FINEST)));
                    double scale = Math.min(1, target / shortSide);
                    int side = (int) Math.min(shortSide, Math.round(size / scale));
                    int y = rnd.nextInt(photo.height() - side + 1);
                    int x = rnd.nextInt(photo.width() - side + 1);
                    pool.add(input.normalize(Resampler.resize(photo.crop(y, x, side, side), size, size)));
                }
                stage.step(photos.get(p).getFileName().toString());
            }
        }
        if (pool.size() < 2) {
            throw new IOException(folder + ": the corpus holds " + pool.size() + " images; a teacher needs at least 2");
        }
        return pool;
    }

    /** The image files under {@code folder}, recursively, in a fixed order. */
    static List<Path> photos(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + ": no such folder (teacher.pretrain.corpus is \"" + PretrainConfig.PROCEDURAL
                    + "\" or a folder of photos)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(folder)) {
            files = s.filter(Files::isRegularFile)
                    .filter(ImageDecoder::isImageFile)
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IOException(folder + ": holds no image files (png, jpg, ...) to pretrain a teacher on");
        }
        return files;
    }

    private static FloatImage grey(FloatImage img) {
        int plane = img.height() * img.width();
        float[] rgb = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(img.data(), 0, rgb, c * plane, plane);
        }
        return new FloatImage(3, img.height(), img.width(), rgb);
    }
}
