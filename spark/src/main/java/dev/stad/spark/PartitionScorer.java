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

    /** Files above this are not read: no image a station scores comes near it. */
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
        Detector detector = ExecutorDetectors.get(settings, threads);
        Configuration conf = new Configuration(false);
        for (Map.Entry<String, String> e : hadoopConf.value().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        MapStore maps = settings.mapsDir() == null
                ? null
                : new MapStore(settings.mapsDir(), conf, settings.bundleSha256(), settings.tempTag());
        String attempt = task.stageId() + "-" + task.partitionId() + "-" + task.attemptNumber();
        boolean injectFailure =
                settings.failFirstAttemptAfter() >= 0 && task.partitionId() == 0 && task.attemptNumber() == 0;
        task.addTaskCompletionListener(ctx -> {
            if (maps != null) {
                try {
                    maps.close();
                } catch (IOException ignored) {
                    // the maps are written and renamed; nothing is left open to lose
                }
            }
        });
        return new Iterator<>() {
            private int done;

            @Override
            public boolean hasNext() {
                return input.hasNext();
            }

            @Override
            public Row next() {
                if (!input.hasNext()) {
                    throw new NoSuchElementException();
                }
                if (injectFailure && done == settings.failFirstAttemptAfter()) {
                    throw new IllegalStateException("injected failure of the first attempt of partition 0 after " + done
                            + " images (a test asked for it)");
                }
                Row row = score(detector, conf, maps, attempt, input.next());
                done++;
                return row;
            }
        };
    }

    private Row score(Detector detector, Configuration conf, MapStore maps, String attempt, Row in) {
        String path = in.getString(0);
        long length = in.getLong(2);
        byte[] bytes;
        FloatImage image;
        Detection d;
        try {
            bytes = read(path, length, conf);
            image = ImageDecoder.decode(bytes, path, ImageDecoder.maxPixels());
            d = detector.score(image);
        } catch (ImageFormatException | FileNotFoundException | IllegalArgumentException e) {
            // About this file only: not an image, truncated, too large, gone since the listing,
            // or (IllegalArgumentException) too small for the receptive field. Anything else
            // (a file system or engine failure) fails the task below, so that Spark retries it
            // and --resume never takes it for done.
            errors.add(1);
            return ResultSchema.row(in, null, message(path, e), null, settings, detector.precision());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new IllegalStateException("scoring " + path + " failed: " + e.getMessage(), e);
        }
        String mapPath = null;
        if (maps != null) {
            try {
                mapPath = maps.put(bytes, d.map(), attempt);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot write the anomaly map of " + path + " under " + settings.mapsDir() + ": "
                                + e.getMessage(),
                        e);
            }
        }
        scored.add(1);
        return ResultSchema.row(in, d, null, mapPath, settings, detector.precision());
    }

    private static byte[] read(String path, long length, Configuration conf) throws IOException {
        if (length > MAX_FILE_BYTES) {
            throw new ImageFormatException(
                    path, length + " bytes, above the " + (MAX_FILE_BYTES >> 20) + " MiB read for one image");
        }
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    /** One line: the decoder's and detector's messages name the file already, others get it. */
    private static String message(String path, Exception e) {
        String m = e.getMessage() != null ? e.getMessage() : e.toString();
        return m.contains(path) ? m : path + ": " + m;
    }
}
