package dev.stad.exporter;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.checkpoint.RunMetadata;
import dev.stad.exporter.onnx.Graphs;
import dev.stad.runtime.StadVersion;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.io.AtomicFiles;
import dev.stad.runtime.io.Json;
import dev.stad.runtime.progress.Progress;
import dev.stad.runtime.score.ImageThreshold;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a model bundle: {@code manifest.json}, {@code detector.onnx} and, per scale, the patch and
 * dense graphs of the teacher and of every student ({@code <scale>/teacher.dense.onnx},
 * {@code <scale>/student0.patch.onnx}, ...). The bundle is assembled in a temporary folder or
 * zip next to the target and renamed into place ({@link AtomicFiles}), so readers never see half
 * a bundle.
 */
public final class BundleWriter {
    static final ObjectMapper JSON = Json.mapper();

    private BundleWriter() {}

    /** Builds every graph and the manifest, fp32 only; nothing is written yet. */
    public static Map<String, byte[]> build(TrainedModel model, DetectorLayout layout) throws IOException {
        return build(model, layout, null, Progress.silent());
    }

    /**
     * Builds every graph and the manifest; nothing is written yet.
     *
     * @param int8 the images to calibrate an int8 detector on; null for none
     */
    public static Map<String, byte[]> build(
            TrainedModel model, DetectorLayout layout, CalibrationImages int8, Progress progress) throws IOException {
        RunMetadata m = model.metadata();
        String version = StadVersion.get();
        Map<String, String> common = new LinkedHashMap<>();
        common.put("model", name(m));
        common.put("stad.version", version);
        common.put("trained", String.valueOf(m.finished()));

        Map<String, byte[]> files = new LinkedHashMap<>();
        List<BundleManifest.Scale> scales = new ArrayList<>();
        List<Graphs.ScaleNetworks> graphScales = new ArrayList<>();
        for (TrainedModel.ScaleWeights s : model.scales()) {
            String n = s.spec().name();
            Map<String, String> meta = Graphs.metadata(common, "scale", n);
            var folded = s.foldedTeacher();
            BundleManifest.NetworkFiles teacher =
                    new BundleManifest.NetworkFiles(n + "/teacher.patch.onnx", n + "/teacher.dense.onnx");
            files.put(
                    teacher.patch(),
                    bytes(Graphs.patch(s.spec(), folded, version, Graphs.metadata(meta, "network", "teacher"))));
            files.put(
                    teacher.dense(),
                    bytes(Graphs.dense(s.spec(), folded, version, Graphs.metadata(meta, "network", "teacher"))));
            List<BundleManifest.NetworkFiles> students = new ArrayList<>();
            for (int i = 0; i < s.students().size(); i++) {
                BundleManifest.NetworkFiles g = new BundleManifest.NetworkFiles(
                        n + "/student" + i + ".patch.onnx", n + "/student" + i + ".dense.onnx");
                var w = s.students().get(i);
                files.put(
                        g.patch(),
                        bytes(Graphs.patch(
                                s.studentSpec(), w, version, Graphs.metadata(meta, "network", "student" + i))));
                files.put(
                        g.dense(),
                        bytes(Graphs.dense(
                                s.studentSpec(), w, version, Graphs.metadata(meta, "network", "student" + i))));
                students.add(g);
            }
            scales.add(new BundleManifest.Scale(
                    n,
                    s.spec().receptiveField(),
                    s.spec(),
                    s.spec().margin(),
                    s.students().size(),
                    s.scale().statistics(),
                    teacher,
                    students,
                    s.scale().gaussian(),
                    s.scale().studentSpec()));
            graphScales.add(s.toGraphScale());
        }
        String detectorFile = "detector.onnx";
        files.put(
                detectorFile,
                bytes(Graphs.detector(
                        graphScales,
                        model.combination(),
                        layout,
                        version,
                        Graphs.metadata(common, "layout", layout.id()))));
        BundleManifest.DetectorGraph int8Detector = null;
        if (int8 != null) {
            Int8Detector.Built built;
            try {
                built = Int8Detector.build(
                        graphScales,
                        model.combination(),
                        int8,
                        version,
                        Graphs.metadata(
                                Graphs.metadata(common, "layout", Int8Detector.LAYOUT.id()),
                                "precision",
                                Precision.INT8.id()),
                        progress);
            } catch (EngineException e) {
                throw new IOException("int8 calibration failed on ONNX Runtime: " + e.getMessage(), e);
            }
            String file = "detector.int8.onnx";
            files.put(file, bytes(built.graph()));
            int8Detector = new BundleManifest.DetectorGraph(
                    file,
                    Graphs.IMAGE_INPUT,
                    Graphs.ANOMALY_MAP,
                    Int8Detector.LAYOUT,
                    Precision.INT8,
                    new BundleManifest.Threshold(
                            built.threshold().value(),
                            built.threshold()
                                    .rule(
                                            ImageThreshold.scoreDescription(
                                                    built.combination().smoothingSigma()),
                                            "the validation images' int8")),
                    built.calibrationImages(),
                    built.statistics(),
                    built.combination());
        }
        Map<String, String> sums = new LinkedHashMap<>();
        files.forEach((f, b) -> sums.put(f, ModelBundle.sha256(b)));

        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("exported", Instant.now().toString());
        provenance.put("exporter", version);
        provenance.put("trainingStarted", m.started());
        provenance.put("trainingFinished", m.finished());
        provenance.put("versions", m.versions());
        provenance.put("dataset", m.dataset());
        provenance.put("config", m.config());
        BundleManifest manifest = new BundleManifest(
                BundleManifest.FORMAT_VERSION,
                name(m),
                m.preprocessing(),
                BundleManifest.RESIZE_FILTER,
                new BundleManifest.DetectorGraph(
                        detectorFile,
                        Graphs.IMAGE_INPUT,
                        Graphs.ANOMALY_MAP,
                        layout,
                        Precision.FP32,
                        null,
                        null,
                        null,
                        null),
                int8Detector,
                scales,
                model.combination(),
                new BundleManifest.Threshold(
                        m.threshold().value(), m.threshold().rule()),
                provenance,
                sums);
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put(BundleManifest.FILE_NAME, JSON.writeValueAsBytes(manifest));
        all.putAll(files);
        return all;
    }

    /** The manifest among {@code files} (what {@link #build} returned). */
    public static BundleManifest manifest(Map<String, byte[]> files) throws IOException {
        return JSON.readValue(files.get(BundleManifest.FILE_NAME), BundleManifest.class);
    }

    /**
     * The station's part of a bundle: the manifest and the detector graphs. The per-network
     * patch and dense graphs (three quarters of a full bundle's bytes) are left out, and so is
     * every reference to them in the manifest.
     */
    public static Map<String, byte[]> stationFiles(Map<String, byte[]> files) throws IOException {
        BundleManifest m = manifest(files);
        List<String> keep = new ArrayList<>();
        keep.add(m.detector().file());
        if (m.int8Detector() != null) {
            keep.add(m.int8Detector().file());
        }
        Map<String, String> sums = new LinkedHashMap<>();
        for (String f : keep) {
            sums.put(f, m.files().get(f));
        }
        List<BundleManifest.Scale> scales = m.scales().stream()
                .map(s -> new BundleManifest.Scale(
                        s.name(),
                        s.receptiveField(),
                        s.spec(),
                        s.margin(),
                        s.students(),
                        s.statistics(),
                        null,
                        null,
                        null,
                        s.studentSpec()))
                .toList();
        BundleManifest station = new BundleManifest(
                m.formatVersion(),
                m.name(),
                m.preprocessing(),
                m.resize(),
                m.detector(),
                m.int8Detector(),
                scales,
                m.combination(),
                m.threshold(),
                m.provenance(),
                sums);
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(BundleManifest.FILE_NAME, JSON.writeValueAsBytes(station));
        for (String f : keep) {
            out.put(f, files.get(f));
        }
        return out;
    }

    /**
     * Writes {@code files} as a bundle at {@code target}: a folder, or one zip file if the name ends
     * in {@code .zip}. An existing bundle there is replaced.
     */
    public static void write(Map<String, byte[]> files, Path target) throws IOException {
        if (target.getFileName().toString().endsWith(".zip")) {
            AtomicFiles.write(target, out -> {
                ZipOutputStream zip = new ZipOutputStream(out);
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
                zip.finish();
            });
            return;
        }
        AtomicFiles.writeFolder(target, folder -> {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Path f = folder.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue());
            }
        });
    }

    private static String name(RunMetadata m) {
        return m.config() != null && m.config().hasNonNull("name")
                ? m.config().get("name").asText()
                : "model";
    }

    private static byte[] bytes(OnnxMl.ModelProto model) {
        return model.toByteArray();
    }
}
