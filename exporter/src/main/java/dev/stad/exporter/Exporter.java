package dev.stad.exporter;

import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.engine.EngineException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Export as a library call: used by the export command and at the end of a training run. */
public final class Exporter {
    private Exporter() {}

    /**
     * @param files number of files in the bundle
     * @param bytes their total size
     * @param check the ONNX Runtime check of the written bundle
     */
    public record Result(int files, long bytes, ExportCheck.Report check) {}

    /**
     * Writes the bundle of {@code runFolder} to {@code out}, reopens it as a station would and
     * checks it; fails if a graph differs from its reference by more than {@link ExportCheck#TOLERANCE}.
     */
    public static Result export(Path runFolder, Path out, Graphs.Layout layout, int checkSize) throws IOException {
        TrainedModel model = TrainedModel.load(runFolder);
        Map<String, byte[]> files = BundleWriter.build(model, layout);
        BundleWriter.write(files, out);
        ModelBundle bundle = ModelBundle.open(out);
        ExportCheck.Report report;
        try {
            report = ExportCheck.verify(bundle, checkSize, 1);
        } catch (EngineException e) {
            throw new IOException(out + ": ONNX Runtime could not run the exported graphs: " + e.getMessage(), e);
        }
        if (!report.within(ExportCheck.TOLERANCE)) {
            throw new IOException(String.format(
                    Locale.ROOT,
                    "%s: exported graphs disagree with their references"
                            + " (detector vs Java %.2e, dense vs patch %.2e, tolerance %.0e)",
                    out,
                    report.detectorVsJava(),
                    report.denseVsPatch(),
                    ExportCheck.TOLERANCE));
        }
        long bytes = files.values().stream().mapToLong(b -> b.length).sum();
        return new Result(files.size(), bytes, report);
    }
}
