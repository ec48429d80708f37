package dev.stad.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle is refused, with the file and the problem named, whenever it is not exactly what was exported. */
class BundleIntegrityTest {
    private static final NetworkSpec SMALL = new NetworkSpec(
            "s9", List.of(Layer.conv(16, 3), Layer.maxPool(2, 2), Layer.conv(16, 3), Layer.conv(16, 2)));
    private static final String STUDENT = "s9/student1.dense.onnx";

    @TempDir
    static Path shared;

    static Map<String, byte[]> files;

    @TempDir
    Path dir;

    @BeforeAll
    static void build() throws IOException {
        Path run = RandomRun.write(shared.resolve("run"), List.of(SMALL), 2, 9);
        files = BundleWriter.build(TrainedModel.load(run), DetectorLayout.FUSED);
    }

    private Path folder(Map<String, byte[]> content) throws IOException {
        Path b = dir.resolve("bundle");
        BundleWriter.write(content, b);
        return b;
    }

    private static Map<String, byte[]> withManifest(
            Map<String, byte[]> content, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode m = (ObjectNode) BundleWriter.JSON.readTree(content.get(BundleManifest.FILE_NAME));
        edit.accept(m);
        Map<String, byte[]> out = new LinkedHashMap<>(content);
        out.put(BundleManifest.FILE_NAME, BundleWriter.JSON.writeValueAsBytes(m));
        return out;
    }

    /** The bundle with {@link #STUDENT} replaced and its checksum updated to match. */
    private static Map<String, byte[]> withStudentReplaced(byte[] onnx) throws IOException {
        Map<String, byte[]> content = new LinkedHashMap<>(files);
        content.put(STUDENT, onnx);
        return withManifest(content, m -> ((ObjectNode) m.get("files")).put(STUDENT, ModelBundle.sha256(onnx)));
    }

    @Test
    void intactBundleOpensAsFolderAndAsZip() throws IOException {
        ModelBundle a = ModelBundle.open(folder(files));
        Path zip = dir.resolve("b.zip");
        BundleWriter.write(files, zip);
        ModelBundle b = ModelBundle.open(zip);
        assertEquals(a.manifest(), b.manifest());
        assertEquals(ModelBundle.sha256(a.read(STUDENT)), ModelBundle.sha256(b.read(STUDENT)));
    }

    @Test
    void alteredFileIsRefusedNamingIt() throws IOException {
        Path b = folder(files);
        byte[] bytes = Files.readAllBytes(b.resolve(STUDENT));
        bytes[bytes.length / 2] ^= 1;
        Files.write(b.resolve(STUDENT), bytes);
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(
                e.getMessage().contains(STUDENT)
                        && e.getMessage().contains("sha256")
                        && e.getMessage().contains("altered"),
                e.getMessage());
    }

    @Test
    void fileChangedAfterOpeningIsRefusedWhenRead() throws IOException {
        Path b = folder(files);
        ModelBundle bundle = ModelBundle.open(b);
        Files.write(b.resolve("detector.onnx"), new byte[] {1, 2, 3});
        BundleException e = assertThrows(BundleException.class, () -> bundle.read("detector.onnx"));
        assertTrue(e.getMessage().contains("detector.onnx"), e.getMessage());
    }

    @Test
    void missingFileIsRefusedNamingIt() throws IOException {
        Path b = folder(files);
        Files.delete(b.resolve(STUDENT));
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(e.getMessage().contains("missing file " + STUDENT), e.getMessage());
    }

    @Test
    void unknownFormatVersionIsRefusedNamingTheVersion() throws IOException {
        Path b = folder(withManifest(files, m -> m.put("formatVersion", 99)));
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(
                e.getMessage().contains("manifest.json") && e.getMessage().contains("unknown format version 99"),
                e.getMessage());
    }

    @Test
    void precisionAndLayoutAreWrittenByNameAndAnUnknownOrRunOnlyPrecisionIsRefused() throws IOException {
        com.fasterxml.jackson.databind.JsonNode written =
                BundleWriter.JSON.readTree(files.get(BundleManifest.FILE_NAME));
        assertEquals("fp32", written.path("detector").path("precision").asText());
        assertEquals("fused", written.path("detector").path("layout").asText());
        for (String precision : List.of("fp16", "fp64")) {
            Path b = folder(withManifest(files, m -> ((ObjectNode) m.get("detector")).put("precision", precision)));
            BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
            assertTrue(
                    e.getMessage().contains("manifest.json is not a valid manifest")
                            && e.getMessage().contains(precision),
                    e.getMessage());
        }
    }

    @Test
    void corruptManifestIsRefused() throws IOException {
        Map<String, byte[]> broken = new LinkedHashMap<>(files);
        broken.put(BundleManifest.FILE_NAME, "{\"formatVersion\": 1, \"name\": ".getBytes(StandardCharsets.UTF_8));
        Path b = folder(broken);
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(
                e.getMessage().contains("manifest.json") && e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void zipEntryEscapingTheBundleIsRefused() throws IOException {
        for (String evil : List.of("../evil.onnx", "/etc/evil.onnx", "s9/../../evil.onnx")) {
            Path zip = dir.resolve("evil.zip");
            try (OutputStream raw = Files.newOutputStream(zip);
                    ZipOutputStream z = new ZipOutputStream(raw)) {
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    z.putNextEntry(new ZipEntry(f.getKey()));
                    z.write(f.getValue());
                    z.closeEntry();
                }
                z.putNextEntry(new ZipEntry(evil));
                z.write(new byte[] {0});
                z.closeEntry();
            }
            BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(zip));
            assertTrue(e.getMessage().contains(evil) && e.getMessage().contains("escapes the bundle"), e.getMessage());
        }
    }

    @Test
    void manifestPathOutsideTheBundleIsRefused() throws IOException {
        Files.write(dir.resolve("outside.onnx"), files.get(STUDENT));
        String sum = ModelBundle.sha256(files.get(STUDENT));
        Path b = folder(withManifest(files, m -> ((ObjectNode) m.get("files")).put("../outside.onnx", sum)));
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(e.getMessage().contains("../outside.onnx") && e.getMessage().contains("escapes"), e.getMessage());
    }

    @Test
    void symbolicLinkOutOfTheBundleIsRefused() throws IOException {
        Path b = folder(files);
        Path outside = Files.write(dir.resolve("elsewhere.onnx"), files.get(STUDENT));
        Files.delete(b.resolve(STUDENT));
        Files.createSymbolicLink(b.resolve(STUDENT), outside);
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(e.getMessage().contains(STUDENT) && e.getMessage().contains("outside the bundle"), e.getMessage());
    }

    @Test
    void onnxFilePointingAtExternalDataIsRefused() throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(files.get(STUDENT));
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        OnnxMl.TensorProto.Builder t = g.getInitializer(0).toBuilder()
                .clearRawData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey("location")
                        .setValue("../../weights.bin"));
        g.setInitializer(0, t);
        // The checksum matches, so only the external-data check can catch it.
        Path b =
                folder(withStudentReplaced(model.toBuilder().setGraph(g).build().toByteArray()));
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(
                e.getMessage().contains(STUDENT)
                        && e.getMessage().contains("external data")
                        && e.getMessage().contains("weights.bin"),
                e.getMessage());
    }

    @Test
    void unknownOperatorIsRefused() throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(files.get(STUDENT));
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        g.setNode(0, g.getNode(0).toBuilder().setOpType("Loop"));
        Path b =
                folder(withStudentReplaced(model.toBuilder().setGraph(g).build().toByteArray()));
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(b));
        assertTrue(e.getMessage().contains(STUDENT) && e.getMessage().contains("[Loop]"), e.getMessage());
    }

    @Test
    void missingBundleIsNamed() {
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("no such bundle"), e.getMessage());
    }
}
