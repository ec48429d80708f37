package dev.stad.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.exporter.Exporter;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleSignature;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.TinyModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job on a local[2] Spark, scoring the tiny model's test images and some broken files. */
class ScoreJobTest {
    private static final List<String> BAD = List.of("truncated.png", "text.jpg");

    @TempDir
    static Path shared;

    private static Path images;
    private static Map<String, Detection> expected;

    @TempDir
    Path dir;

    /**
     * The tiny model's test images in two folders (the job searches recursively), the broken files,
     * and a text file the default glob leaves out; what the runtime's own Detector says of each image.
     */
    @BeforeAll
    static void images() throws Exception {
        images = shared.resolve("images");
        expected = new HashMap<>();
        List<Path> test = TinyModel.testImages();
        try (Detector detector = Detector.open(TinyModel.bundle())) {
            for (int i = 0; i < test.size(); i++) {
                Path target = images.resolve(i % 2 == 0 ? "line-1" : "line-2/day-" + (i % 3))
                        .resolve(i + "-" + test.get(i).getFileName());
                Files.createDirectories(target.getParent());
                Files.copy(test.get(i), target);
                expected.put(target.toRealPath().toString(), detector.score(target));
            }
        }
        // Extensions in any case are images: cameras write .JPG, some tools .Png.
        Path mixed = images.resolve("line-2/MIXED-CASE.Png");
        Files.copy(test.get(1), mixed);
        try (Detector detector = Detector.open(TinyModel.bundle())) {
            expected.put(mixed.toRealPath().toString(), detector.score(mixed));
        }
        byte[] png = Files.readAllBytes(test.get(0));
        Files.write(images.resolve("line-1/empty.png"), new byte[0]);
        Files.write(images.resolve("line-1/truncated.png"), java.util.Arrays.copyOf(png, png.length / 3));
        Files.writeString(images.resolve("line-1/text.jpg"), "not an image");
        Files.writeString(images.resolve("line-1/notes.txt"), "the glob leaves this out");
    }

    private static SparkSession spark() {
        return LocalSpark.session();
    }

    /** The table's rows by the file's local path. */
    private static Map<String, Row> rowsByPath(Path table) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : spark().read().parquet(table.toString()).collectAsList()) {
            Row previous = out.put(Path.of(java.net.URI.create(r.getAs("path"))).toString(), r);
            assertNull(previous, "two rows for " + r.getAs("path"));
        }
        return out;
    }

    @Test
    void everyImageScoresAsTheDetectorDoesAndBadFilesBecomeErrorRows() throws Exception {
        Path table = dir.resolve("table");
        Path maps = dir.resolve("maps");
        JobSummary summary = ScoreJob.run(
                spark(),
                JobOptions.of(TinyModel.bundle().toString(), List.of(images.toString()), table.toString())
                        .withMaps(maps.toString()));

        assertEquals(expected.size() + BAD.size(), summary.listed(), summary.line());
        assertEquals(expected.size(), summary.scored(), summary.line());
        assertEquals(BAD.size(), summary.errors(), summary.line());
        Map<String, Row> rows = rowsByPath(table);
        assertEquals(expected.size() + BAD.size(), rows.size(), rows.keySet().toString());
        for (Map.Entry<String, Detection> e : expected.entrySet()) {
            Row r = rows.get(e.getKey());
            assertNotNull(r, "no row for " + e.getKey());
            Detection d = e.getValue();
            assertEquals("ok", r.getAs("status"), e.getKey());
            assertNull(r.getAs("error"));
            assertEquals(d.score(), (double) r.getAs("score"), 1e-5, e.getKey());
            assertEquals(d.topMean(), (double) r.getAs("top_mean"), 1e-5, e.getKey());
            assertEquals(d.threshold(), (double) r.getAs("threshold"), 1e-12);
            assertEquals(d.anomalous(), r.getAs("anomalous"));
            assertEquals(
                    d.regions().size(),
                    r.<List<Row>>getList(r.fieldIndex("regions")).size(),
                    e.getKey());
            assertEquals(d.width(), (int) r.getAs("width"));
            assertEquals(
                    Files.getLastModifiedTime(Path.of(e.getKey())).toMillis(),
                    ((java.sql.Timestamp) r.getAs("modification_time")).getTime());
            assertEquals("fp32", r.getAs("precision"));

            // The map file is the detector's map: one float per pixel, as MVTec's evaluation reads it.
            Path map = Path.of(java.net.URI.create(r.getAs("map_path")));
            assertTrue(map.startsWith(maps.toRealPath()), map.toString());
            Raster raster = ImageIO.read(map.toFile()).getRaster();
            float[] expectedMap = d.map().data();
            float[] written = raster.getSamples(0, 0, raster.getWidth(), raster.getHeight(), 0, (float[]) null);
            assertEquals(expectedMap.length, written.length);
            for (int i = 0; i < written.length; i++) {
                assertEquals(expectedMap[i], written[i], 1e-5, map + " pixel " + i);
            }
        }
        // Spark's file sources leave zero-byte files out of every listing: no row, not an error.
        assertNull(rows.get(
                images.resolve("line-1").toRealPath().resolve("empty.png").toString()));
        for (String bad : BAD) {
            Row r = rows.get(images.resolve("line-1").toRealPath().resolve(bad).toString());
            assertNotNull(r, bad);
            assertEquals("error", r.getAs("status"), bad);
            String error = r.getAs("error");
            assertTrue(error.contains(bad), error);
            assertNull(r.getAs("score"), bad);
            assertNull(r.getAs("map_path"), bad);
        }
        try (Stream<Path> s = Files.walk(maps)) {
            List<String> names = s.filter(Files::isRegularFile)
                    .map(p -> maps.relativize(p).toString())
                    .toList();
            // One map per distinct image content: the mixed-case file is a copy of another image.
            assertEquals(expected.size() - 1, names.size(), names.toString());
            assertTrue(
                    names.stream().allMatch(n -> n.matches("([0-9a-f]{2})/\\1[0-9a-f]{30}-[0-9a-f]{12}-fp32\\.tiff")),
                    names.toString());
        }
        assertEquals(List.of(), temporaryLeft(maps));
    }

    /** Temporary map files or folders under {@code maps}. */
    private static List<Path> temporaryLeft(Path maps) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(maps)) {
            return s.filter(p -> p.getFileName().toString().startsWith(MapStore.TEMPORARY_PREFIX)
                            || p.toString().endsWith(".tmp"))
                    .toList();
        }
    }

    /** {@code n} of the tiny model's good test images, copied into a new folder {@code name}. */
    private Path goodImages(String name, int n) throws java.io.IOException {
        Path input = Files.createDirectories(dir.resolve(name));
        List<Path> test = TinyModel.testImages();
        for (int i = 0; i < n; i++) {
            Files.copy(test.get(i), input.resolve("a" + i + ".png"));
        }
        return input;
    }

    @Test
    void aTaskThatFailsAndIsRetriedLeavesExactlyOneRowPerImageAndNoTemporaryMap() throws Exception {
        AtomicInteger failed = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    failed.incrementAndGet();
                }
            }
        };
        spark().sparkContext().addSparkListener(listener);
        try {
            // Good images only, so that the failing attempt's fourth image writes a map: the
            // failure comes after its temporary file and before the rename, as a killed task's.
            Path input = goodImages("input", 8);
            Path table = dir.resolve("table");
            Path maps = dir.resolve("maps");
            JobSummary summary = ScoreJob.run(
                    spark(),
                    JobOptions.of(TinyModel.bundle().toString(), List.of(input.toString()), table.toString())
                            .withMaps(maps.toString())
                            .withPartitions(2)
                            .withInjectedFailure(new JobOptions.InjectedFailure(3, false)));

            long deadline = System.nanoTime() + 10_000_000_000L;
            while (failed.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50); // listener events arrive asynchronously
            }
            assertEquals(1, failed.get(), "the injected failure did not happen once");
            Map<String, Row> rows = rowsByPath(table); // asserts one row per path
            assertEquals(8, rows.size());
            assertEquals(8, summary.scored(), "a failed attempt's images are not counted");
            assertEquals(1, summary.removedTemporary(), "the killed attempt's temporary map was not found");
            assertEquals(List.of(), temporaryLeft(maps));
            try (Stream<Path> s = Files.walk(maps)) {
                assertEquals(8, s.filter(p -> p.toString().endsWith(".tiff")).count());
            }
        } finally {
            spark().sparkContext().removeSparkListener(listener);
        }
    }

    @Test
    void aJobThatFailsLeavesNothingThatBlocksOrPollutesTheNextRun() throws Exception {
        Path input = goodImages("input", 6);
        Path table = dir.resolve("table");
        Path maps = dir.resolve("maps");
        JobOptions options = JobOptions.of(TinyModel.bundle().toString(), List.of(input.toString()), table.toString())
                .withMaps(maps.toString())
                .withPartitions(2);

        // Every attempt of partition 0 fails, as on a broken node: Spark gives up, the job fails.
        Exception e = assertThrows(
                Exception.class,
                () -> ScoreJob.run(spark(), options.withInjectedFailure(new JobOptions.InjectedFailure(1, true))));
        assertTrue(String.valueOf(e.getMessage()).contains("injected failure"), String.valueOf(e.getMessage()));
        assertFalse(Files.exists(table), "the failed run left " + table);
        assertEquals(List.of(), temporaryLeft(maps));

        // What a driver killed mid-commit leaves: a folder with nothing but uncommitted task
        // files. The next run neither refuses the folder nor takes those files for its own.
        Path stale = Files.createDirectories(table.resolve("_temporary/0/task_stale"));
        Files.write(stale.resolve("part-00000-stale.snappy.parquet"), new byte[] {1, 2, 3});
        JobSummary rerun = ScoreJob.run(spark(), options);
        assertEquals(6, rerun.scored(), rerun.line());
        assertEquals(6, rowsByPath(table).size());
        assertTrue(Files.exists(table.resolve("_SUCCESS")));
    }

    @Test
    void imagesAboveThePixelLimitAreErrorRowsAndTheListingSurvivesADeletedFile() throws Exception {
        Path input = goodImages("input", 3);
        JobSummary summary = ScoreJob.run(
                spark(),
                JobOptions.of(
                                TinyModel.bundle().toString(),
                                List.of(input.toString()),
                                dir.resolve("table").toString())
                        .withMaxPixels(100));
        assertEquals(3, summary.errors(), summary.line());
        for (Row r : rowsByPath(dir.resolve("table")).values()) {
            assertEquals("error", r.getAs("status"));
            assertTrue(((String) r.getAs("error")).contains("limit"), (String) r.getAs("error"));
        }

        // Listed, then deleted before a task reads its status: left out, not a failed job.
        var listed = ScoreJob.listImages(spark(), List.of(input.toString()), JobOptions.DEFAULT_GLOB, null);
        assertEquals(3, listed.count());
        Files.delete(input.resolve("a0.png"));
        assertEquals(2, listed.collectAsList().size());
    }

    @Test
    void partitionsFollowTheImageCountAndTheClusterCores() {
        assertEquals(1, JobOptions.partitionsFor(0, 2));
        assertEquals(3, JobOptions.partitionsFor(3, 2), "at most one task per image");
        assertEquals(8, JobOptions.partitionsFor(100, 2), "four per core");
        assertEquals(40, JobOptions.partitionsFor(10_000, 2), "at most 256 images per task");
        assertEquals(3907, JobOptions.partitionsFor(1_000_000, 64));
    }

    @Test
    void resumeScoresOnlyWhatTheTableLacksForThisBundleAndPrecision() throws Exception {
        Path input = goodImages("input", 4);
        // Maps under the input: their TIFFs must not be listed as images.
        Path maps = input.resolve("maps");
        Path table = dir.resolve("table");
        JobOptions options = JobOptions.of(TinyModel.bundle().toString(), List.of(input.toString()), table.toString())
                .withMaps(maps.toString());
        JobSummary first = ScoreJob.run(spark(), options);
        assertEquals(4, first.scored());

        IllegalArgumentException exists =
                assertThrows(IllegalArgumentException.class, () -> ScoreJob.run(spark(), options));
        assertTrue(exists.getMessage().contains("--resume"), exists.getMessage());

        List<Path> test = TinyModel.testImages();
        for (int i = 4; i < 7; i++) {
            Files.copy(test.get(i), input.resolve("a" + i + ".png"));
        }
        JobOptions resume = options.withResume(true);
        JobSummary second = ScoreJob.run(spark(), resume);
        assertEquals(7, second.listed(), second.line());
        assertEquals(4, second.skipped(), second.line());
        assertEquals(3, second.scored(), second.line());

        JobSummary third = ScoreJob.run(spark(), resume);
        assertEquals(7, third.listed(), third.line());
        assertEquals(0, third.scored(), third.line());

        // A file written again since (a new modification time) is scored again.
        Path touched = input.resolve("a0.png");
        Files.setLastModifiedTime(
                touched, FileTime.fromMillis(Files.getLastModifiedTime(touched).toMillis() + 60_000));
        JobSummary fourth = ScoreJob.run(spark(), resume);
        assertEquals(6, fourth.skipped(), fourth.line());
        assertEquals(1, fourth.scored(), fourth.line());

        // Another precision is another result: every image again, maps beside the fp32 ones.
        JobSummary int8 = ScoreJob.run(spark(), resume.withPrecision(Precision.INT8));
        assertEquals(0, int8.skipped(), int8.line());
        assertEquals(7, int8.scored(), int8.line());

        // A driver killed while appending leaves uncommitted task files in the table's
        // _temporary: the next --resume removes them before it appends anything.
        Path stale = Files.createDirectories(table.resolve("_temporary/0/task_stale"));
        Files.write(stale.resolve("part-00000-stale.snappy.parquet"), new byte[] {1, 2, 3});
        JobSummary nothing = ScoreJob.run(spark(), resume.withPrecision(Precision.INT8));
        assertEquals(0, nothing.scored(), nothing.line());
        assertFalse(Files.exists(table.resolve("_temporary")), "the stale _temporary was kept");

        List<Row> all = spark().read().parquet(table.toString()).collectAsList();
        assertEquals(4 + 3 + 1 + 7, all.size());
        assertEquals(
                7, all.stream().filter(r -> "int8".equals(r.getAs("precision"))).count());
        try (Stream<Path> s = Files.walk(maps)) {
            List<String> names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".tiff"))
                    .toList();
            assertEquals(7, names.stream().filter(n -> n.endsWith("-fp32.tiff")).count(), names.toString());
            assertEquals(7, names.stream().filter(n -> n.endsWith("-int8.tiff")).count(), names.toString());
        }
    }

    @Test
    void aSignedBundleShippedWithFilesIsFoundAndCheckedOnEveryExecutor() throws Exception {
        // In the class's folder: Spark keeps a file it shipped for the life of its context, and
        // checks the source again whenever a later task starts.
        BundleSignature.Generated key = BundleSignature.generate(shared.resolve("line-3"));
        Path signed = shared.resolve("shipped-signed.zip");
        Exporter.export(
                TinyModel.run(), signed, Exporter.Options.defaults().withSignKey(key.privateKey()), Progress.silent());
        spark().sparkContext().addFile(signed.toString());
        Path input = dir.resolve("input");
        Files.createDirectories(input);
        Files.copy(TinyModel.testImages().get(0), input.resolve("one.png"));

        // Not on this path: the job finds the copy Spark shipped, by its name.
        String asShipped = dir.resolve("elsewhere/shipped-signed.zip").toString();
        JobSummary ok = ScoreJob.run(
                spark(),
                JobOptions.of(
                                asShipped,
                                List.of(input.toString()),
                                dir.resolve("ok").toString())
                        .withTrust(List.of(BundleSignature.readPublic(key.publicKey()))));
        assertEquals(1, ok.scored(), ok.line());

        BundleSignature.Generated other = BundleSignature.generate(dir.resolve("other"));
        BundleException refused = assertThrows(
                BundleException.class,
                () -> ScoreJob.run(
                        spark(),
                        JobOptions.of(
                                        asShipped,
                                        List.of(input.toString()),
                                        dir.resolve("refused").toString())
                                .withTrust(List.of(BundleSignature.readPublic(other.publicKey())))));
        assertTrue(refused.getMessage().contains("refused"), refused.getMessage());
        assertTrue(!Files.exists(dir.resolve("refused")));
    }

    @Test
    void theCommandLineRunsTheJobAndRejectsAMissingBundleOption() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        spark(); // the command uses the session that is already up, as under spark-submit
        Path input = dir.resolve("input");
        Files.createDirectories(input);
        Files.copy(TinyModel.testImages().get(0), input.resolve("one.png"));
        int code = ScoreJob.commandLine(new PrintStream(out, true), new PrintStream(err, true))
                .execute(
                        "--bundle",
                        TinyModel.bundle().toString(),
                        "--input",
                        input.toString(),
                        "--out",
                        dir.resolve("t").toString());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
        assertTrue(printed.contains("1 scored, 0 errors"), printed);
        assertEquals(1, spark().read().parquet(dir.resolve("t").toString()).count());
        assertTrue(!spark().sparkContext().isStopped(), "the job stopped a session it did not start");

        int usage = ScoreJob.commandLine(new PrintStream(out, true), new PrintStream(err, true))
                .execute("--input", input.toString(), "--out", dir.resolve("u").toString());
        assertEquals(2, usage);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--bundle"), err.toString(StandardCharsets.UTF_8));

        err.reset();
        int badValue = ScoreJob.commandLine(new PrintStream(out, true), new PrintStream(err, true))
                .execute(
                        "--bundle",
                        TinyModel.bundle().toString(),
                        "--input",
                        input.toString(),
                        "--out",
                        dir.resolve("v").toString(),
                        "--threads",
                        "-1");
        assertEquals(2, badValue, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--threads"), err.toString(StandardCharsets.UTF_8));
    }
}
