package dev.stad.bench.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.bench.BenchCommand;
import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.EnergyTeacher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyCommandTest {
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** The students' network of the energy config: 9-pixel patches, three convs. */
    private static final String SCALES = """
            [ { "name": "e9", "layers": [
                { "type": "conv", "out": 16, "kernel": 5 },
                { "type": "conv", "out": 32, "kernel": 3 },
                { "type": "conv", "out": 48, "kernel": 3 } ] } ]""";

    /** A config of {@code scales} with the teacher {@code teacher} (both JSON), two students. */
    private static Path config(Path dir, String name, String scales, String teacher) throws Exception {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, """
                {
                  "name": "tiny-%s", "seed": 11, "out": "%s", "bundle": "%s",
                  "data": { "path": "%s", "validationFraction": 0.25 },
                  "input": { "width": 32, "height": 32, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] },
                  "scales": %s,
                  "teacher": %s,
                  "students": { "count": 2, "epochs": 1, "batchSize": 1, "cropSize": 8, "learningRate": 1e-3 }
                }
                """.formatted(
                        name, dir.resolve("run"), dir.resolve("bundle"), dir.resolve("data"), scales, teacher));
        return file;
    }

    private static int latency(Path config, Path out, ByteArrayOutputStream buf) {
        return latency(config, out, buf, "32");
    }

    private static int latency(Path config, Path out, ByteArrayOutputStream buf, String sizes) {
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        return BenchCommand.commandLine(ps, ps, false)
                .execute(
                        "latency",
                        "--config",
                        config.toString(),
                        "--sizes",
                        sizes,
                        "--runs",
                        "1",
                        "--min-runs",
                        "1",
                        "--precisions",
                        "fp32",
                        "--engines",
                        "ort",
                        "--station-memory=false",
                        "--baseline-size",
                        "32",
                        "--patches",
                        "16",
                        "--sgemm",
                        "64",
                        "--out",
                        out.toString());
    }

    @Test
    void aConfigWithTheEnergyTeacherIsTimedWithTheEnergyDescriptorAndTheScalesNetworkAsStudents(@TempDir Path dir)
            throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path out = dir.resolve("out");
        assertEquals(
                0,
                latency(config(dir, "energy", SCALES, "{ \"source\": \"energy\" }"), out, buf),
                buf.toString(StandardCharsets.UTF_8));

        NetworkSpec students = new NetworkSpec("e9", List.of(Layer.conv(16, 5), Layer.conv(32, 3), Layer.conv(48, 3)));
        NetworkSpec teacher = EnergyTeacher.spec(students);
        assertNotEquals(students.layers(), teacher.layers());
        BundleManifest.Scale scale = ModelBundle.open(out.resolve("random-bundle"))
                .manifest()
                .scales()
                .get(0);
        assertEquals(teacher.layers(), scale.spec().layers());
        assertEquals(students.layers(), scale.studentNetwork().layers());
        assertEquals(2, scale.students());

        // The teacher's weights are the descriptor's own, not random ones of its shape.
        Map<String, FloatTensor> fixed = EnergyTeacher.weights(teacher, STD);
        Map<String, FloatTensor> saved = Safetensors.read(new RunDirectory(out.resolve("random-run")).teacherFile("e9"))
                .tensors();
        for (Map.Entry<String, FloatTensor> e : fixed.entrySet()) {
            assertArrayEquals(e.getValue().data(), saved.get(e.getKey()).data(), 0f, e.getKey());
        }
        assertTrue(Files.exists(out.resolve("latency.json")));
    }

    @Test
    void aNativeConfigIsTimedAsANativeBundleWithTheConfigsSmoothing(@TempDir Path dir) throws Exception {
        Path config = config(dir, "native", SCALES, "{ \"source\": \"energy\" }");
        Files.writeString(
                config,
                Files.readString(config)
                        .replace("\"input\": { ", "\"input\": { \"mode\": \"native\", ")
                        .replace("\"students\":", "\"calibration\": { \"smoothingSigma\": 1.0 }, \"students\":"));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path out = dir.resolve("out");
        assertEquals(0, latency(config, out, buf), buf.toString(StandardCharsets.UTF_8));
        BundleManifest m = ModelBundle.open(out.resolve("random-bundle")).manifest();
        // runtime score keeps image sizes with it, and its tiles are cut with the smoothing's reach.
        assertTrue(m.preprocessing().isNative());
        assertEquals(1.0, m.combination().smoothingSigma());
    }

    @Test
    void aCameraSizeIsTimedAtItsOwnWidthAndHeight(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path out = dir.resolve("out");
        assertEquals(
                0,
                latency(config(dir, "camera", SCALES, "{ \"source\": \"energy\" }"), out, buf, "48x32,32"),
                buf.toString(StandardCharsets.UTF_8));
        JsonNode points = new ObjectMapper()
                .readTree(out.resolve("latency.json").toFile())
                .get("points");
        assertEquals(2, points.size(), points.toString());
        assertEquals(48, points.get(0).get("width").asInt());
        assertEquals(32, points.get(0).get("height").asInt());
        assertEquals(32, points.get(1).get("width").asInt());
        // The networks' work grows with the width: 48x32 computes more than 32x32.
        assertTrue(
                points.get(0).get("gflop").asDouble()
                        > points.get(1).get("gflop").asDouble(),
                points.toString());
        assertTrue(Files.readString(out.resolve("latency.md")).contains("| 48×32 |"));
    }

    @Test
    void aSizeThatIsNotNOrWxHIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = latency(config(dir, "bad", SCALES, "{ \"source\": \"energy\" }"), dir.resolve("out"), buf, "48by32");
        assertNotEquals(0, rc);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("'48by32'"), buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aConfigWhoseTeacherIsReadFromOnnxIsRefusedWithTheWayToTimeIt(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path config = config(
                dir,
                "onnx",
                "[ { \"name\": \"t\", \"architecture\": \"teacher\" } ]",
                "{ \"source\": \"onnx\", \"path\": \"teacher.onnx\" }");
        int rc = latency(config, dir.resolve("out"), buf);
        assertNotEquals(0, rc);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("--bundle"), buf.toString(StandardCharsets.UTF_8));
    }
}
