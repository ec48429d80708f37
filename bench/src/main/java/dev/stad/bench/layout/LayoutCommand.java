package dev.stad.bench.layout;

import dev.stad.bench.report.Stats;
import dev.stad.exporter.BundleWriter;
import dev.stad.exporter.TrainedModel;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.Engines;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench layout}: fused vs separate detector graphs, the measurement behind the exporter's
 * default layout. Both detectors come from one training run and run through the station's own
 * engine ({@link GraphSession}) on its CPU options; per image size each is warmed up, then the
 * two alternate (batch 1), so drift on a shared machine hits both alike. Prints medians and their
 * ratio.
 */
@Command(
        name = "layout",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Times the fused and the separate detector layout of one training run against each other.")
public final class LayoutCommand implements Callable<Integer> {
    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "DIR",
            description = "Completed training run folder (e.g. runs/default).")
    Path checkpoint;

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "128,256",
            paramLabel = "PX",
            description = "Image sides, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(
            names = "--runs",
            defaultValue = "20",
            paramLabel = "N",
            description = "Timed runs per layout and size (default: ${DEFAULT-VALUE}).")
    int runs;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || sizes.stream().anyMatch(s -> s < 1)) {
            throw new ParameterException(spec.commandLine(), "--runs and every --sizes value must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        TrainedModel model = TrainedModel.load(checkpoint);
        byte[] fused = BundleWriter.build(model, DetectorLayout.FUSED).get("detector.onnx");
        byte[] separate = BundleWriter.build(model, DetectorLayout.SEPARATE).get("detector.onnx");
        EngineOptions options = EngineOptions.cpu();
        try (GraphSession f = open(fused, "fused detector", options);
                GraphSession s = open(separate, "separate detector", options)) {
            out.printf(
                    Locale.ROOT,
                    "%s: %d scale(s), %d students each; %s; %d runs per size%n",
                    checkpoint,
                    model.scales().size(),
                    model.scales().get(0).students().size(),
                    f.description(),
                    runs);
            out.println("| size | fused p50 ms | separate p50 ms | separate / fused |");
            out.println("| --- | --- | --- | --- |");
            for (int size : sizes) {
                FloatImage image = noise(size);
                time(f, image, 2);
                time(s, image, 2);
                List<Double> tf = new ArrayList<>();
                List<Double> ts = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    tf.add(time(f, image, 1));
                    ts.add(time(s, image, 1));
                }
                double mf = Stats.median(tf);
                double ms = Stats.median(ts);
                out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.2f |%n", size, mf, ms, ms / mf);
                out.flush();
            }
        }
        return 0;
    }

    private static GraphSession open(byte[] onnx, String what, EngineOptions options) throws EngineException {
        return Engines.open(onnx, what, Graphs.IMAGE_INPUT, List.of(Graphs.ANOMALY_MAP), options);
    }

    private static FloatImage noise(int size) {
        float[] data = new float[3 * size * size];
        SplittableRandom rnd = new SplittableRandom(size);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return new FloatImage(3, size, size, data);
    }

    /** Milliseconds per run, over {@code n} runs. */
    private static double time(GraphSession session, FloatImage image, int n) throws EngineException {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            session.run(image);
        }
        return (System.nanoTime() - t0) / 1e6 / n;
    }
}
