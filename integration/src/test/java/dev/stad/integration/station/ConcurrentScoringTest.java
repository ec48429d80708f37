package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.trainer.TinyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One detector shared by many threads gives exactly the maps it gives one thread. */
class ConcurrentScoringTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 16; // 128 scorings in all

    @Test
    void eightThreadsScoringAtOnceGiveTheSequentialMapsBitForBit() throws Exception {
        List<FloatImage> images = new ArrayList<>();
        for (Path p : TinyModel.testImages()) {
            images.add(ImageDecoder.read(p));
        }
        try (Detector detector = Detector.open(TinyModel.bundle())) {
            List<Detection> sequential = new ArrayList<>();
            for (FloatImage img : images) {
                sequential.add(detector.score(img));
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<List<int[]>>> futures = new ArrayList<>();
                List<List<Detection>> got = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    List<Detection> mine = new ArrayList<>();
                    got.add(mine);
                    futures.add(pool.submit(() -> {
                        List<int[]> which = new ArrayList<>();
                        for (int k = 0; k < PER_THREAD; k++) {
                            int i = (thread + k) % images.size();
                            mine.add(detector.score(images.get(i)));
                            which.add(new int[] {i});
                        }
                        return which;
                    }));
                }
                int compared = 0;
                for (int t = 0; t < THREADS; t++) {
                    List<int[]> which = futures.get(t).get();
                    for (int k = 0; k < which.size(); k++) {
                        Detection expected = sequential.get(which.get(k)[0]);
                        Detection actual = got.get(t).get(k);
                        assertArrayEquals(expected.map().data(), actual.map().data(), "thread " + t + " scoring " + k);
                        assertEquals(expected.score(), actual.score());
                        assertEquals(expected.regions(), actual.regions());
                        compared++;
                    }
                }
                assertEquals(THREADS * PER_THREAD, compared);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void oneAndEightEngineThreadsGiveTheSameMaps() throws Exception {
        FloatImage img = ImageDecoder.read(TinyModel.testImages().get(1));
        try (Detector one = Detector.open(
                        TinyModel.bundle(), DetectorOptions.defaults().withThreads(1));
                Detector eight = Detector.open(
                        TinyModel.bundle(), DetectorOptions.defaults().withThreads(8))) {
            assertArrayEquals(
                    one.score(img).map().data(), eight.score(img).map().data());
        }
    }

    @Test
    void closingWhileThreadsScoreEndsThemWithAClearExceptionNeverACrash() throws Exception {
        List<FloatImage> images = new ArrayList<>();
        for (Path p : TinyModel.testImages()) {
            images.add(ImageDecoder.read(p));
        }
        Detector detector = Detector.open(TinyModel.bundle());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(4);
        try {
            List<Future<Throwable>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(pool.submit(() -> {
                    started.countDown();
                    for (int k = 0; ; k++) {
                        try {
                            detector.score(images.get((thread + k) % images.size()));
                        } catch (Throwable e) {
                            return e;
                        }
                    }
                }));
            }
            started.await();
            Thread.sleep(200);
            detector.close();
            for (Future<Throwable> f : threads) {
                Throwable e = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(dev.stad.runtime.engine.EngineException.class, e.getClass(), String.valueOf(e));
                org.junit.jupiter.api.Assertions.assertTrue(
                        e.getMessage().contains("the engine session is closed"), e.getMessage());
            }
            // Closing twice is harmless, and a later call gets the same clear refusal.
            detector.close();
            org.junit.jupiter.api.Assertions.assertThrows(
                    dev.stad.runtime.engine.EngineException.class, () -> detector.score(images.get(0)));
        } finally {
            pool.shutdownNow();
        }
    }
}
