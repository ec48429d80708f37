package dev.stad.trainer.data;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.Preprocessing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * The preprocessed good images of a run, split into a training part and a held-back validation
 * part (used only for calibration). The split is a seeded shuffle, so it is the same on resume.
 * An unreadable image stops loading with an error naming the file: a model silently trained on
 * fewer images than the user gave is worse than no model.
 */
public record TrainingImages(List<Named> train, List<Named> validation) {

    /** A preprocessed image and the file it came from. */
    public record Named(String name, FloatImage image) {}

    public TrainingImages {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /** Which files go where; cheap, so it is computed and checked before any image is decoded. */
    public record Split(List<Path> train, List<Path> validation) {
        /**
         * The dataset's own validation images when it has them (every good image then trains), or
         * a seeded share of the good images held back.
         */
        public static Split of(DatasetSource source, double validationFraction, long seed) throws DatasetException {
            if (source.validationImages().isEmpty()) {
                return of(source.goodImages(), validationFraction, seed);
            }
            return new Split(source.goodImages(), source.validationImages());
        }

        public static Split of(List<Path> files, double validationFraction, long seed) throws DatasetException {
            if (files.size() < 2) {
                throw new DatasetException(
                        "need at least 2 good images (one to train, one to validate), found " + files.size());
            }
            int nVal = (int) Math.max(1, Math.round(files.size() * validationFraction));
            nVal = Math.min(nVal, files.size() - 1);
            List<Path> shuffled = new ArrayList<>(files);
            SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EED5EEDL);
            for (int i = shuffled.size() - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                Path t = shuffled.get(i);
                shuffled.set(i, shuffled.get(j));
                shuffled.set(j, t);
            }
            List<Path> val = new ArrayList<>(shuffled.subList(0, nVal));
            List<Path> tr = new ArrayList<>(shuffled.subList(nVal, shuffled.size()));
            val.sort(null);
            tr.sort(null);
            return new Split(List.copyOf(tr), List.copyOf(val));
        }
    }

    /** Decodes and preprocesses every file of the split; {@code progress} gets each file's index. */
    public static TrainingImages load(Split split, Path root, Preprocessing pre, IntConsumer progress)
            throws IOException {
        int[] done = {0};
        List<Named> train = loadAll(split.train(), root, pre, progress, done);
        List<Named> val = loadAll(split.validation(), root, pre, progress, done);
        return new TrainingImages(train, val);
    }

    private static List<Named> loadAll(List<Path> files, Path root, Preprocessing pre, IntConsumer progress, int[] done)
            throws IOException {
        List<Named> out = new ArrayList<>(files.size());
        for (Path f : files) {
            out.add(new Named(root.relativize(f).toString(), pre.load(f)));
            progress.accept(++done[0]);
        }
        return out;
    }
}
