package dev.stad.bench.soak;

import dev.stad.bench.report.ProcessMemory;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.detect.Detector;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.io.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench soak}: what months of unattended scoring do to a station, compressed. One detector,
 * many threads, a fixed number of images taken round-robin from a folder; every map is compared
 * bit for bit with the one the same image got when scored alone, and the process's resident
 * memory is sampled as the run goes. Passes when nothing differs and resident memory after the
 * warm-up (the first tenth of the images) stays within 10% of where the warm-up left it.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Scores images from many threads through one detector, checks every map against the"
                + " sequential one and records resident memory over the run.")
public final class SoakCommand implements Callable<Integer> {
    /** Allowed growth of resident memory after the warm-up. */
    static final double GROWTH_LIMIT = 0.10;

    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle.")
    Path bundle;

    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "Folder of images (recursive), e.g. data/synthetic/test.")
    Path images;

    @Option(names = "--threads", defaultValue = "8", description = "Scoring threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--count", defaultValue = "2000", description = "Images scored in all (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(
            names = "--engine-threads",
            defaultValue = "1",
            description = "Engine threads per image (default: ${DEFAULT-VALUE}: the scoring threads share the cores).")
    int engineThreads;

    @Option(
            names = "--out",
            defaultValue = "bench-results/soak",
            paramLabel = "DIR",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    /** One memory sample: after {@code images} scorings, {@code residentMb}. */
    public record Sample(int images, double seconds, double residentMb) {}

    /** The run. */
    public record Report(
            String bundle,
            int distinctImages,
            int threads,
            int images,
            int differences,
            double warmUpResidentMb,
            double endResidentMb,
            double maxAfterWarmUpResidentMb,
            double growth,
            boolean passed,
            double seconds,
            List<Sample> samples) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        if (threads < 1 || count < 1 || engineThreads < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--threads and --count must be >= 1, --engine-threads >= 0");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(images)) {
            files = s.filter(Files::isRegularFile)
                    .filter(ImageDecoder::isImageFile)
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(images + ": no images");
        }
        List<FloatImage> decoded = new ArrayList<>();
        for (Path f : files) {
            decoded.add(ImageDecoder.read(f));
        }
        Files.createDirectories(out);
        try (Detector detector =
                Detector.open(bundle, DetectorOptions.defaults().withThreads(engineThreads))) {
            log.printf(
                    Locale.ROOT,
                    "bench soak: %d images from %s, %d threads, %s%n",
                    count,
                    images,
                    threads,
                    detector.engine());
            List<float[]> reference = new ArrayList<>();
            long r0 = System.nanoTime();
            for (FloatImage img : decoded) {
                reference.add(detector.score(img).map().data());
            }
            log.printf(
                    Locale.ROOT,
                    "soak: %d reference maps, one at a time, in %.1f s%n",
                    decoded.size(),
                    (System.nanoTime() - r0) / 1e9);
            AtomicInteger next = new AtomicInteger();
            AtomicInteger differences = new AtomicInteger();
            List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
            int every = Math.max(1, count / 100);
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    workers.add(pool.submit(() -> {
                        for (int k = next.getAndIncrement(); k < count; k = next.getAndIncrement()) {
                            int i = k % decoded.size();
                            if (!Arrays.equals(
                                    reference.get(i),
                                    detector.score(decoded.get(i)).map().data())) {
                                differences.incrementAndGet();
                            }
                            if ((k + 1) % every == 0) {
                                double elapsed = (System.nanoTime() - t0) / 1e9;
                                double rss = ProcessMemory.residentMb();
                                samples.add(new Sample(k + 1, elapsed, rss));
                                // An hour's run says where it is: a line per tenth.
                                if ((k + 1) % (10 * every) == 0) {
                                    log.printf(
                                            Locale.ROOT,
                                            "soak: %d/%d images (%.0f s, ETA %.0f s), resident %.0f MB, %d maps"
                                                    + " differ%n",
                                            k + 1,
                                            count,
                                            elapsed,
                                            elapsed / (k + 1) * (count - k - 1),
                                            rss,
                                            differences.get());
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> w : workers) {
                    w.get();
                }
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<Sample> sorted = new ArrayList<>(samples);
            sorted.sort(java.util.Comparator.comparingInt(Sample::images));
            int warmUp = count / 10;
            double warm = sorted.stream()
                    .filter(s -> s.images() >= warmUp)
                    .findFirst()
                    .orElse(sorted.get(0))
                    .residentMb();
            double max = sorted.stream()
                    .filter(s -> s.images() >= warmUp)
                    .mapToDouble(Sample::residentMb)
                    .max()
                    .orElse(warm);
            double end = sorted.get(sorted.size() - 1).residentMb();
            double growth = max / warm - 1;
            boolean passed = differences.get() == 0 && growth <= GROWTH_LIMIT;
            Report r = new Report(
                    bundle.toString(),
                    decoded.size(),
                    threads,
                    count,
                    differences.get(),
                    warm,
                    end,
                    max,
                    growth,
                    passed,
                    seconds,
                    sorted);
            Json.write(out.resolve("soak.json"), r);
            log.printf(
                    Locale.ROOT,
                    "%d images from %d threads in %.1f s: %d maps differ from the sequential ones; resident memory"
                            + " %.0f MB after the warm-up (%d images), %.0f MB at the end, at most %.0f MB (%+.1f%%,"
                            + " limit +%.0f%%): %s. Wrote %s%n",
                    count,
                    threads,
                    seconds,
                    differences.get(),
                    warm,
                    warmUp,
                    end,
                    max,
                    100 * growth,
                    100 * GROWTH_LIMIT,
                    passed ? "passed" : "FAILED",
                    out.resolve("soak.json"));
            return passed ? 0 : 1;
        }
    }
}
