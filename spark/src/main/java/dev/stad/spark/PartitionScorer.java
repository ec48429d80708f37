package dev.stad.spark;

import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.ImageFormatException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * Scores one partition of listed images ({@link ResultSchema#INPUT}) into table rows ({@link
 * ResultSchema#TABLE}), one image at a time as Spark pulls them: the image's bytes are read here,
 * not by the listing, so only paths travel between stages.
 *
 * <p>An image that cannot be read, decoded or scored (missing, truncated, not an image, too large,
 * smaller than the model's receptive field) becomes a row with status {@code error} and the
 * message; the task goes on. What is not about one image (the bundle missing on this executor, a
 * map that cannot be written) fails the task, which Spark retries and, failing again, reports.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** Files above this are never read, whatever the pixel limit: a byte array's size. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private final JobSettings settings;
    private final Broadcast<HashMap<String, String>> hadoopConf;
    private final LongAccumulator scored;
    private final LongAccumulator errors;

    PartitionScorer(
            JobSettings settings,
            Broadcast<HashMap<String, String>> hadoopConf,
            LongAccumulator scored,
            LongAccumulator errors) {
        this.settings = settings;
        this.hadoopConf = hadoopConf;
        this.scored = scored;
        this.errors = errors;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws IOException {
        TaskContext task = TaskContext.get();
        int threads = settings.threads() > 0 ? settings.threads() : Math.max(1, task.cpus());
        ExecutorDetectors.Lease lease = ExecutorDetectors.acquire(settings, threads);
        MapStore maps;
        try {
            Configuration conf = new Configuration(false);
            for (Map.Entry<String, String> e : hadoopConf.value().entrySet()) {
                conf.set(e.getKey(), e.getValue());
            }
            maps = settings.mapsDir() == null
                    ? null
                    : new MapStore(
                            settings.mapsDir(),
                            conf,
                            settings.bundleSha256(),
                            settings.precision(),
                            settings.tempTag());
            task.addTaskCompletionListener(ctx -> {
                lease.close();
                if (maps != null) {
                    try {
                        maps.close();
                    } catch (IOException ignored) {
                        // the maps are written and renamed; nothing is left open to lose
                    }
                }
            });
            return new Scoring(input, lease.detector(), conf, maps, task);
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /** The task's rows, scored one at a time as Spark pulls them. */
    private final class Scoring implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Detector detector;
        private final Configuration conf;
        private final MapStore maps;
        private final String attempt;
        private final boolean injectFailure;
        private int done;

        Scoring(Iterator<Row> input, Detector detector, Configuration conf, MapStore maps, TaskContext task) {
            this.input = input;
            this.detector = detector;
            this.conf = conf;
            this.maps = maps;
            // The task attempt id is unique in the application; attempt numbers restart when a
            // stage is resubmitted while the old attempts may still run.
            this.attempt = task.stageId() + "-" + task.partitionId() + "-" + task.taskAttemptId();
            JobOptions.InjectedFailure f = settings.injected();
            this.injectFailure =
                    f != null && task.partitionId() == 0 && (f.everyAttempt() || task.attemptNumber() == 0);
        }

        @Override
        public boolean hasNext() {
            return input.hasNext();
        }

        @Override
        public Row next() {
            if (!input.hasNext()) {
                throw new NoSuchElementException();
            }
            Row row = score(input.next());
            done++;
            return row;
        }

        /** Fails here when a test asked for it at this image (with maps: before the rename). */
        private void maybeFail() {
            if (injectFailure && done == settings.injected().afterImages()) {
                throw new IllegalStateException("injected failure of partition 0, attempt " + attempt + ", after "
                        + done + " images (a test asked for it)");
            }
        }

        private Row score(Row in) {
            String path = in.getString(0);
            long length = in.getLong(2);
            byte[] bytes;
            Detection d;
            try {
                bytes = read(path, length, settings.maxPixels(), conf);
                FloatImage image = ImageDecoder.decode(bytes, path, settings.maxPixels());
                d = detector.score(image);
            } catch (ImageFormatException | FileNotFoundException | IllegalArgumentException e) {
                // About this file only: not an image, truncated, too large, gone since the listing,
                // or (IllegalArgumentException) too small for the receptive field. Anything else
                // (a file system or engine failure) fails the task below, so that Spark retries it
                // and --resume never takes it for done.
                maybeFail();
                errors.add(1);
                return ResultSchema.row(in, null, message(path, e), null, settings);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
            } catch (EngineException e) {
                throw new IllegalStateException("scoring " + path + " failed: " + e.getMessage(), e);
            }
            String mapPath = null;
            if (maps != null) {
                try {
                    mapPath = maps.put(bytes, d.map(), attempt, this::maybeFail);
                } catch (IOException e) {
                    throw new UncheckedIOException(
                            "cannot write the anomaly map of " + path + " under " + settings.mapsDir() + ": "
                                    + e.getMessage(),
                            e);
                }
            } else {
                maybeFail();
            }
            scored.add(1);
            return ResultSchema.row(in, d, null, mapPath, settings);
        }
    }

    /**
     * The most bytes read for one image of at most {@code maxPixels} pixels: an uncompressed
     * 16-bit RGBA file's size plus room for headers, and never above {@link #MAX_FILE_BYTES}.
     */
    static long maxFileBytes(long maxPixels) {
        return maxPixels >= MAX_FILE_BYTES / 8 ? MAX_FILE_BYTES : Math.min(MAX_FILE_BYTES, 8 * maxPixels + (16L << 20));
    }

    private static byte[] read(String path, long length, long maxPixels, Configuration conf) throws IOException {
        long limit = maxFileBytes(maxPixels);
        if (length > limit) {
            throw new ImageFormatException(
                    path,
                    length + " bytes, above the " + (limit >> 20) + " MiB read for one image of at most " + maxPixels
                            + " pixels (--max-pixels)");
        }
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);
        try (InputStream in = fs.open(p)) {
            // The listed length may be stale: never read more than the limit.
            byte[] bytes = in.readNBytes((int) limit + 1);
            if (bytes.length > limit) {
                throw new ImageFormatException(
                        path,
                        "more than " + (limit >> 20) + " MiB, the read for one image of at most " + maxPixels
                                + " pixels (--max-pixels)");
            }
            return bytes;
        }
    }

    /** One line: the decoder's and detector's messages name the file already, others get it. */
    private static String message(String path, Exception e) {
        String m = e.getMessage() != null ? e.getMessage() : e.toString();
        return m.contains(path) ? m : path + ": " + m;
    }
}
