package dev.stad.bench.realset;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.image.Resampler;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.io.MvtecLayout;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes the real-photo development set: one MVTec-layout category per {@link PhotoSource}. Each
 * photo (resized by its source's scale, cut to its usable part) is split along its longer side
 * into a training side (the first 60%) and a test region (the rest, after a gap of an eighth of
 * the crop size), so no test crop shares a pixel with a training crop. Training and good test
 * images are random square crops of their region; defective test images are test crops with one
 * defect from {@link PhotoDefects} painted in and its exact mask.
 *
 * <p>With {@link Options#validationImages()} above 0 the training side is split again across: a
 * strip one crop wide at its far end, after the same gap, gives that many {@code validation/good}
 * crops (training calibrates on them and never trains on them), the rest the training crops. Off
 * by default: on these photos one strip is not a fair sample of the photo (on {@code leaf_veins}
 * it is far darker than the rest), see the docs' "Validation on new texture".
 *
 * <p>The images depend only on the photos, the seed and the {@link Options}; a category's images
 * do not depend on which other categories are generated with it, except for the foreign textures'
 * donors, which come from every source listed. The set is written to a temporary folder renamed
 * into place when complete.
 */
public final class RealPhotoSet {
    /** Bumped whenever the images change for a given seed, options and photos. */
    public static final int GENERATOR_VERSION = 1;

    /** Share of the photo's longer side that the training region takes. */
    static final double TRAIN_SHARE = 0.6;

    /**
     * Sizes of the set.
     *
     * @param size side of every (square) image
     * @param trainImages training crops per category
     * @param validationImages validation crops per category, from their own strip of the training
     *     side; 0 (the default) writes none and the training crops use the whole side
     * @param testGoodImages good test crops per category
     * @param defectImagesPerType defective test crops per category and defect type
     */
    public record Options(
            int size, int trainImages, int validationImages, int testGoodImages, int defectImagesPerType) {
        public Options {
            if (size < 32) {
                throw new IllegalArgumentException("size must be at least 32 pixels, found " + size);
            }
            if (trainImages < 2 || validationImages < 0 || testGoodImages < 1 || defectImagesPerType < 1) {
                throw new IllegalArgumentException("need at least 2 training images, no negative number of validation"
                        + " images, 1 good test image and 1 defect image per type, found " + trainImages + ", "
                        + validationImages + ", " + testGoodImages + ", " + defectImagesPerType);
            }
        }

        /**
         * What {@code bench real-set} writes by default: 40 training crops (training holds back 10%
         * of them for calibration), 12 good and 28 defective tests.
         */
        public static Options defaults() {
            return new Options(128, 40, 0, 12, 4);
        }
    }

    private final Path photoRoot;
    private final List<PhotoSource> sources;
    private final Options options;
    private final long seed;

    /**
     * @param photoRoot the folder the sources' absolute paths are resolved under ({@code /} for the
     *     installed packages; tests pass a folder of their own)
     */
    public RealPhotoSet(Path photoRoot, List<PhotoSource> sources, Options options, long seed) {
        this.photoRoot = Objects.requireNonNull(photoRoot, "photoRoot must not be null");
        this.sources = List.copyOf(sources);
        this.options = Objects.requireNonNull(options, "options must not be null");
        this.seed = seed;
        if (this.sources.isEmpty()) {
            throw new IllegalArgumentException("no photo sources");
        }
        if (this.sources.stream().map(PhotoSource::category).distinct().count() != this.sources.size()) {
            throw new IllegalArgumentException("two sources share a category name");
        }
    }

    /** Where a source's photo lies under the photo root. */
    Path file(PhotoSource s) {
        return photoRoot.resolve(s.path().replaceFirst("^/+", ""));
    }

    /**
     * Fails with one message naming every missing photo and the packages to install, before
     * anything is written.
     */
    public void requirePhotos() throws IOException {
        List<String> missing = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        for (PhotoSource s : sources) {
            if (!Files.isRegularFile(file(s))) {
                missing.add(s.category() + " (" + file(s) + ")");
                if (!packages.contains(s.debianPackage())) {
                    packages.add(s.debianPackage());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("the real-photo set needs photos that are not installed: "
                    + String.join(", ", missing) + "; install their Debian packages with `apt-get install "
                    + String.join(" ", packages) + "`");
        }
    }

    /** Writes the categories into {@code root}, which must not exist yet. */
    public void generate(Path root, Progress progress) throws IOException {
        if (Files.exists(root)) {
            throw new IOException(root + " already exists; the real-photo set is only generated into a new folder");
        }
        requirePhotos();
        List<Photo> photos = new ArrayList<>();
        for (PhotoSource s : sources) {
            photos.add(Photo.load(s, file(s), options.size(), options.validationImages() > 0));
        }
        int perCategory = options.trainImages()
                + options.validationImages()
                + options.testGoodImages()
                + options.defectImagesPerType() * PhotoDefects.TYPES.size();
        try (Progress.Stage stage = progress.stage("real-photo set", (long) perCategory * photos.size(), 0)) {
            AtomicFiles.writeFolder(root, dir -> {
                for (Photo p : photos) {
                    writeCategory(dir.resolve(p.source().category()), p, photos, stage);
                }
            });
        }
    }

    private void writeCategory(Path root, Photo photo, List<Photo> all, Progress.Stage stage) throws IOException {
        String category = photo.source().category();
        List<Photo> donors = all.stream().filter(p -> p != photo).toList();
        int index = 0;
        for (int i = 0; i < options.trainImages(); i++) {
            SplittableRandom rnd = random(category, index++);
            ImageFiles.writePng(
                    toRgb(photo.crop(rnd, photo.train())),
                    MvtecLayout.trainGood(root).resolve(name(i)));
            stage.step(category);
        }
        for (int i = 0; i < options.validationImages(); i++) {
            // A stream of its own, so the test images stay what they were before validation crops existed.
            SplittableRandom rnd = random(category + "/validation", i);
            ImageFiles.writePng(
                    toRgb(photo.crop(rnd, photo.validation())),
                    MvtecLayout.validationGood(root).resolve(name(i)));
            stage.step(category);
        }
        for (int i = 0; i < options.testGoodImages(); i++) {
            SplittableRandom rnd = random(category, index++);
            ImageFiles.writePng(
                    toRgb(photo.crop(rnd, photo.test())),
                    MvtecLayout.test(root).resolve(MvtecLayout.GOOD).resolve(name(i)));
            stage.step(category);
        }
        for (String type : PhotoDefects.TYPES) {
            for (int i = 0; i < options.defectImagesPerType(); i++) {
                SplittableRandom rnd = random(category, index++);
                FloatImage crop = photo.crop(rnd, photo.test());
                boolean[] mask = PhotoDefects.paint(type, crop, donors, rnd);
                ImageFiles.writePng(
                        toRgb(crop), MvtecLayout.test(root).resolve(type).resolve(name(i)));
                ImageFiles.writePng(
                        ImageFiles.mask(mask, crop.width(), crop.height()),
                        MvtecLayout.mask(root, type, String.format("%03d", i)));
                stage.step(category);
            }
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("generator", RealPhotoSet.class.getName());
        info.put("generatorVersion", GENERATOR_VERSION);
        info.put("seed", seed);
        info.put("options", options);
        info.put("source", photo.source());
        info.put("photoSha256", photo.sha256());
        info.put("photoSize", List.of(photo.width(), photo.height()));
        info.put("trainRegion", photo.train());
        if (photo.validation() != null) {
            info.put("validationRegion", photo.validation());
        }
        info.put("testRegion", photo.test());
        info.put("defectTypes", PhotoDefects.TYPES);
        info.put(
                "foreignTextureDonors",
                donors.stream().map(d -> d.source().category()).toList());
        Json.write(root.resolve("dataset.json"), info);
    }

    /** A category's own random stream per image, independent of the other categories. */
    private SplittableRandom random(String category, int index) {
        long h = seed * 0x9E3779B97F4A7C15L + category.hashCode() * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        return new SplittableRandom(h);
    }

    private static String name(int i) {
        return String.format("%03d.png", i);
    }

    /** A rectangle of the scaled photo, in pixels. */
    public record Region(int x, int y, int width, int height) {}

    /**
     * A source's photo, scaled and cut to its usable part, with its disjoint regions ({@code
     * validation} null when the set has no validation images).
     */
    record Photo(
            PhotoSource source,
            FloatImage image,
            String sha256,
            Region train,
            Region validation,
            Region test,
            int size) {
        int width() {
            return image.width();
        }

        int height() {
            return image.height();
        }

        static Photo load(PhotoSource s, Path file, int size, boolean withValidation) throws IOException {
            FloatImage raw = Preprocessing.toRgb(ImageDecoder.read(file));
            int x0 = (int) Math.floor(s.x0() * raw.width());
            int y0 = (int) Math.floor(s.y0() * raw.height());
            int x1 = (int) Math.ceil(s.x1() * raw.width());
            int y1 = (int) Math.ceil(s.y1() * raw.height());
            FloatImage usable = raw.crop(y0, x0, y1 - y0, x1 - x0);
            int w = (int) Math.round(usable.width() * s.scale());
            int h = (int) Math.round(usable.height() * s.scale());
            FloatImage scaled = Resampler.resize(usable, h, w);
            int gap = Math.max(1, size / 8);
            boolean alongX = w >= h;
            int longSide = alongX ? w : h;
            int trainLength = (int) Math.floor(longSide * TRAIN_SHARE);
            int testStart = trainLength + gap;
            int shortSide = alongX ? h : w;
            int trainWidth = withValidation ? shortSide - size - gap : shortSide;
            if (trainWidth < size || trainLength < size || longSide - testStart < size) {
                throw new IOException(file + " (category " + s.category() + ") is " + w + "x" + h
                        + " pixels after scaling by " + s.scale() + ": too small for " + size
                        + "-pixel crops from disjoint training" + (withValidation ? ", validation" : "")
                        + " and test regions");
            }
            Region train =
                    alongX ? new Region(0, 0, trainLength, trainWidth) : new Region(0, 0, trainWidth, trainLength);
            Region validation = null;
            if (withValidation) {
                int validationStart = shortSide - size;
                validation = alongX
                        ? new Region(0, validationStart, trainLength, size)
                        : new Region(validationStart, 0, size, trainLength);
            }
            Region test =
                    alongX ? new Region(testStart, 0, w - testStart, h) : new Region(0, testStart, w, h - testStart);
            return new Photo(s, scaled, ModelBundle.sha256(Files.readAllBytes(file)), train, validation, test, size);
        }

        /** A square crop of {@code size} pixels at a random position inside {@code r}. */
        FloatImage crop(SplittableRandom rnd, Region r) {
            return crop(rnd, r, size);
        }

        FloatImage crop(SplittableRandom rnd, Region r, int side) {
            int x = r.x() + rnd.nextInt(r.width() - side + 1);
            int y = r.y() + rnd.nextInt(r.height() - side + 1);
            return image.crop(y, x, side, side);
        }
    }

    static BufferedImage toRgb(FloatImage im) {
        BufferedImage b = new BufferedImage(im.width(), im.height(), BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster r = b.getRaster();
        for (int y = 0; y < im.height(); y++) {
            for (int x = 0; x < im.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    float v = Math.max(0f, Math.min(1f, im.get(c, y, x)));
                    r.setSample(x, y, c, Math.round(v * 255f));
                }
            }
        }
        return b;
    }
}
