package dev.stad.runtime.engine.trt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.progress.RecordingProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine cache without a GPU: plans are opaque bytes here, built by a counting stand-in for
 * TensorRT, so keying, invalidation, damaged files and concurrent starts are tested for real on
 * disk.
 */
class PlanCacheTest {
    @TempDir
    Path dir;

    private final RecordingProgress progress = new RecordingProgress();
    private final AtomicInteger builds = new AtomicInteger();
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static PlanCache.Key key(String graph) {
        return new PlanCache.Key(
                "NVIDIA H200",
                "9.0",
                "10.15.1",
                "runtime 13.1, driver 13.0",
                graph,
                "1..1x3x[256..256]x[256..256] opt" + " 256x256",
                "fp32",
                "workspace=4096MB;level=3");
    }

    /** A plan that says which key and which build it came from. */
    private PlanCache.Builder builder(PlanCache.Key key) {
        return timing -> {
            int n = builds.incrementAndGet();
            byte[] plan = (key.canonical() + "#" + n).getBytes(StandardCharsets.UTF_8);
            return new PlanCache.Built(plan, ("timing after build " + n).getBytes(StandardCharsets.UTF_8));
        };
    }

    @Test
    void theSessionsKeySaysEveryPrecisionFlagTheBuilderSets() {
        byte[] fp32Graph = "a graph of Conv and Relu nodes".getBytes(StandardCharsets.ISO_8859_1);
        byte[] int8Graph = "a graph with QuantizeLinear and DequantizeLinear".getBytes(StandardCharsets.ISO_8859_1);
        TrtOptions fp32 = TrtOptions.defaults();
        TrtOptions fp16 = TrtOptions.defaults().withPrecision(Precision.FP16);
        String profile = "1..1x3x[256..256]x[256..256] opt 256x256";
        java.util.function.BiFunction<byte[], TrtOptions, PlanCache.Key> key =
                (g, o) -> PlanCache.Key.of("NVIDIA H200", "9.0", "10.15.1", "13.1", g, profile, o);
        assertEquals("fp32", key.apply(fp32Graph, fp32).precision());
        assertEquals("fp16", key.apply(fp32Graph, fp16).precision());
        assertEquals("int8", key.apply(int8Graph, fp32).precision());
        // The builder sets kINT8 and kFP16 both: that plan must not share the int8-only entry.
        assertEquals("int8+fp16", key.apply(int8Graph, fp16).precision());
        assertNotEquals(
                key.apply(int8Graph, fp32).digest(), key.apply(int8Graph, fp16).digest());
        PlanCache.Key k = key.apply(fp32Graph, fp16);
        assertEquals(dev.stad.runtime.bundle.ModelBundle.sha256(fp32Graph), k.graphSha256());
        assertEquals("workspace=4096MB;level=3;pins=obey,names;tf32=off", k.builder());
        assertEquals(
                "workspace=4096MB;level=3;pins=obey,names;tf32=default",
                key.apply(fp32Graph, fp32).builder());
        assertEquals(profile, k.profile());
    }

    @Test
    void secondStartLoadsThePlanInsteadOfBuilding() throws Exception {
        PlanCache cache = new PlanCache(dir);
        PlanCache.Key k = key("aa");
        PlanCache.Result first = cache.loadOrBuild(k, builder(k), progress);
        PlanCache.Result second = new PlanCache(dir).loadOrBuild(k, builder(k), progress);
        assertTrue(first.built());
        assertFalse(second.built());
        assertArrayEquals(first.plan(), second.plan());
        assertEquals(1, builds.get());
        assertEquals(cache.planFile(k), second.file());
    }

    @Test
    void everyPartOfTheKeyInvalidatesThePlan() throws Exception {
        PlanCache.Key k = key("aa");
        List<PlanCache.Key> changed = List.of(
                new PlanCache.Key(
                        "NVIDIA L4",
                        k.computeCapability(),
                        k.tensorRt(),
                        k.cuda(),
                        k.graphSha256(),
                        k.profile(),
                        k.precision(),
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        "8.9",
                        k.tensorRt(),
                        k.cuda(),
                        k.graphSha256(),
                        k.profile(),
                        k.precision(),
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        k.computeCapability(),
                        "10.15.2",
                        k.cuda(),
                        k.graphSha256(),
                        k.profile(),
                        k.precision(),
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        k.computeCapability(),
                        k.tensorRt(),
                        "runtime 13.1, driver 13.1",
                        k.graphSha256(),
                        k.profile(),
                        k.precision(),
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        k.computeCapability(),
                        k.tensorRt(),
                        k.cuda(),
                        "bb",
                        k.profile(),
                        k.precision(),
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        k.computeCapability(),
                        k.tensorRt(),
                        k.cuda(),
                        k.graphSha256(),
                        "1..1x3x[512..512]x[512..512] opt 512x512",
                        k.precision(),
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        k.computeCapability(),
                        k.tensorRt(),
                        k.cuda(),
                        k.graphSha256(),
                        k.profile(),
                        "fp16",
                        k.builder()),
                new PlanCache.Key(
                        k.gpu(),
                        k.computeCapability(),
                        k.tensorRt(),
                        k.cuda(),
                        k.graphSha256(),
                        k.profile(),
                        k.precision(),
                        "workspace=4096MB;level=5"));
        PlanCache cache = new PlanCache(dir);
        cache.loadOrBuild(k, builder(k), progress);
        for (PlanCache.Key c : changed) {
            assertNotEquals(k.digest(), c.digest(), c.toString());
            PlanCache.Result r = cache.loadOrBuild(c, builder(c), progress);
            assertTrue(r.built(), "a changed key must rebuild: " + c);
        }
        assertEquals(1 + changed.size(), builds.get());
        // And the first plan is still there, untouched.
        assertFalse(cache.loadOrBuild(k, builder(k), progress).built());
    }

    @Test
    void truncatedPlanIsReportedAndRebuilt() throws Exception {
        PlanCache cache = new PlanCache(dir);
        PlanCache.Key k = key("aa");
        cache.loadOrBuild(k, builder(k), progress);
        byte[] whole = Files.readAllBytes(cache.planFile(k));
        Files.write(cache.planFile(k), Arrays.copyOf(whole, whole.length - 5));
        PlanCache.Result r = cache.loadOrBuild(k, builder(k), progress);
        assertTrue(r.built());
        assertTrue(
                progress.lines().stream().anyMatch(l -> l.contains("is truncated") && l.contains("building it again")),
                progress.lines().toString());
        assertFalse(new PlanCache(dir).loadOrBuild(k, builder(k), progress).built(), "the rebuilt plan was stored");
    }

    @Test
    void corruptByteIsCaughtByTheChecksum() throws Exception {
        PlanCache cache = new PlanCache(dir);
        PlanCache.Key k = key("aa");
        cache.loadOrBuild(k, builder(k), progress);
        byte[] whole = Files.readAllBytes(cache.planFile(k));
        whole[whole.length - 3] ^= 0x40;
        Files.write(cache.planFile(k), whole);
        assertTrue(cache.loadOrBuild(k, builder(k), progress).built());
        assertTrue(
                progress.lines().stream().anyMatch(l -> l.contains("checksum mismatch")),
                progress.lines().toString());
    }

    @Test
    void foreignOrEmptyFilesAreNotHandedToTensorRt() throws Exception {
        PlanCache cache = new PlanCache(dir);
        PlanCache.Key k = key("aa");
        Files.write(cache.planFile(k), "not a plan at all".getBytes(StandardCharsets.UTF_8));
        assertTrue(cache.loadOrBuild(k, builder(k), progress).built());
        Files.write(cache.planFile(k), new byte[0]);
        assertTrue(cache.loadOrBuild(k, builder(k), progress).built());
        assertEquals(
                2,
                progress.lines().stream()
                        .filter(l -> l.contains("is not a stad TensorRT cache file"))
                        .count(),
                progress.lines().toString());
    }

    @Test
    void planStoredUnderAnotherKeyIsRefused() throws Exception {
        PlanCache.Key a = key("aa");
        PlanCache.Key b = key("bb");
        Path file = new PlanCache(dir).planFile(b);
        PlanCache.write(file, a.canonical(), "plan of aa".getBytes(StandardCharsets.UTF_8));
        PlanCache.Read read = PlanCache.read(file, b.canonical());
        assertNull(read.payload());
        assertEquals("belongs to another key", read.problem());
    }

    @Test
    void timingCacheOfOneBuildFeedsTheNext() throws Exception {
        PlanCache cache = new PlanCache(dir);
        PlanCache.Key a = key("aa");
        PlanCache.Key b = key("bb");
        cache.loadOrBuild(a, builder(a), progress);
        AtomicReference<byte[]> seen = new AtomicReference<>();
        cache.loadOrBuild(
                b,
                timing -> {
                    seen.set(timing);
                    return new PlanCache.Built(new byte[] {1, 2, 3}, null);
                },
                progress);
        assertEquals("timing after build 1", new String(seen.get(), StandardCharsets.UTF_8));
        assertEquals(cache.timingFile(a), cache.timingFile(b), "one timing cache per GPU and library versions");
    }

    @Test
    void concurrentStartsBuildOnceAndAllGetThePlan() throws Exception {
        PlanCache.Key k = key("aa");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<PlanCache.Result>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> {
                go.await();
                // Each thread its own PlanCache, as separate processes would have.
                return new PlanCache(dir).loadOrBuild(k, builder(k), progress);
            }));
        }
        go.countDown();
        byte[] plan = null;
        for (Future<PlanCache.Result> f : results) {
            PlanCache.Result r = f.get();
            if (plan == null) {
                plan = r.plan();
            }
            assertArrayEquals(plan, r.plan());
        }
        assertEquals(1, builds.get());
        assertEquals(List.of(), progress.lines());
    }

    @Test
    void racingWritersNeverLeaveHalfAFile() throws Exception {
        PlanCache.Key k = key("aa");
        Path file = new PlanCache(dir).planFile(k);
        byte[] big = new byte[1 << 20];
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            byte fill = (byte) w;
            writers.add(pool.submit(() -> {
                byte[] plan = big.clone();
                Arrays.fill(plan, fill);
                for (int i = 0; i < 10; i++) {
                    PlanCache.write(file, k.canonical(), plan);
                }
                return null;
            }));
        }
        int reads = 0;
        while (writers.stream().anyMatch(f -> !f.isDone()) || reads == 0) {
            PlanCache.Read r = PlanCache.read(file, k.canonical());
            assertNull(r.problem(), "a reader saw a damaged file");
            if (r.payload() != null) {
                assertEquals(big.length, r.payload().length);
                reads++;
            }
        }
        for (Future<?> f : writers) {
            f.get();
        }
        try (var listing = Files.list(dir)) {
            assertEquals(
                    List.of(file.getFileName().toString()),
                    listing.map(p -> p.getFileName().toString()).toList(),
                    "no temporary files left");
        }
    }

    @Test
    void cacheFolderThatCannotBeWrittenStillGivesAnEngine() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        PlanCache cache = new PlanCache(notAFolder.resolve("cache"));
        PlanCache.Key k = key("aa");
        PlanCache.Result r = cache.loadOrBuild(k, builder(k), progress);
        assertTrue(r.built());
        assertTrue(
                progress.lines().stream().anyMatch(l -> l.contains("cannot write") || l.contains("cannot lock")),
                progress.lines().toString());
    }

    @Test
    void failedBuildStoresNothing() {
        PlanCache cache = new PlanCache(dir);
        PlanCache.Key k = key("aa");
        EngineException e = org.junit.jupiter.api.Assertions.assertThrows(
                EngineException.class,
                () -> cache.loadOrBuild(
                        k,
                        timing -> {
                            throw new EngineException("TensorRT could not build an engine: out of memory");
                        },
                        progress));
        assertTrue(e.getMessage().contains("out of memory"));
        assertFalse(Files.exists(cache.planFile(k)));
    }
}
