package dev.stad.exporter;

import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.BundleSignature;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.progress.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Export as a library call: used by the export command and at the end of a training run. */
public final class Exporter {
    private Exporter() {}

    /**
     * What to export.
     *
     * @param layout how the fp32 detector computes the networks of a scale
     * @param checkSize side of the random image the fp32 check runs on
     * @param int8 also write an int8 detector, calibrated on the run's training images
     * @param station write a station bundle: the manifest and the detector graphs only, without
     *     the per-network patch and dense graphs that only the trainer's tools read
     * @param signKey private key file ({@code runtime keygen}) to sign the manifest with; null: unsigned
     */
    public record Options(DetectorLayout layout, int checkSize, boolean int8, boolean station, Path signKey) {
        public Options(DetectorLayout layout, int checkSize, boolean int8, boolean station) {
            this(layout, checkSize, int8, station, null);
        }

        /**
         * The separate layout (half the fused one's working memory at the same speed), the default
         * check, the fp32 detector only (the int8 one is opt-in: it pays only on CPUs with VNNI or
         * on TensorRT), a full bundle.
         */
        public static Options defaults() {
            return new Options(DetectorLayout.DEFAULT, ExportCheck.DEFAULT_SIZE, false, false);
        }

        public Options withInt8(boolean b) {
            return new Options(layout, checkSize, b, station, signKey);
        }

        public Options withStation(boolean b) {
            return new Options(layout, checkSize, int8, b, signKey);
        }

        public Options withSignKey(Path key) {
            return new Options(layout, checkSize, int8, station, key);
        }
    }

    /**
     * @param files number of files in the bundle
     * @param bytes their total size
     * @param check the ONNX Runtime check of the fp32 graphs
     * @param int8 the int8 detector against the fp32 one on the validation images; null without int8
     */
    public record Result(int files, long bytes, ExportCheck.Report check, ExportCheck.Int8Report int8) {}

    /** Exports with the given layout and check size, the fp32 detector only, a full bundle. */
    public static Result export(Path runFolder, Path out, DetectorLayout layout, int checkSize) throws IOException {
        return export(runFolder, out, new Options(layout, checkSize, false, false), Progress.silent());
    }

    /**
     * Writes the bundle of {@code runFolder} to {@code out}, reopens it as a station would and
     * checks it; fails if a graph differs from its reference by more than {@link ExportCheck#TOLERANCE}.
     * A station bundle is checked before its per-network graphs are left out.
     */
    public static Result export(Path runFolder, Path out, Options options, Progress progress) throws IOException {
        // The key first: a wrong path should not cost a whole export.
        KeyPair key = options.signKey() == null ? null : BundleSignature.readPrivate(options.signKey());
        TrainedModel model = TrainedModel.load(runFolder);
        CalibrationImages images = options.int8() ? CalibrationImages.of(model.metadata()) : null;
        Map<String, byte[]> files = BundleWriter.build(model, options.layout(), images, progress);
        BundleManifest manifest = BundleWriter.manifest(files);
        ExportCheck.Report report;
        ExportCheck.Int8Report int8 = null;
        try {
            report = ExportCheck.verify(manifest, file -> files.get(file), options.checkSize(), 1);
            if (images != null) {
                int8 = ExportCheck.verifyInt8(manifest, file -> files.get(file), images.validation());
            }
        } catch (EngineException | BundleException e) {
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
        Map<String, byte[]> written = options.station() ? BundleWriter.stationFiles(files) : files;
        if (key != null) {
            written = new LinkedHashMap<>(written);
            written.put(BundleSignature.FILE_NAME, BundleSignature.sign(written.get(BundleManifest.FILE_NAME), key));
        }
        BundleWriter.write(written, out);
        ModelBundle bundle = ModelBundle.open(out, key == null ? List.of() : List.of(key.getPublic()));
        if (!bundle.manifest().files().equals(BundleWriter.manifest(written).files())) {
            throw new IOException(out + ": the bundle read back differs from the one written");
        }
        long bytes = written.values().stream().mapToLong(b -> b.length).sum();
        return new Result(written.size(), bytes, report, int8);
    }
}
