package dev.stad.runtime.fuzz;

import ai.onnx.proto.OnnxMl;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stad.runtime.bundle.BundleException;
import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.OnnxInspector;
import dev.stad.runtime.image.ImageDecoder;
import dev.stad.runtime.image.ImageFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the station's parsers of outside files. Each accepts only the exception types
 * its parser documents; anything else (an unchecked exception, an OutOfMemoryError, a hang) fails
 * the target. In {@code mvn verify} they run in regression mode over the committed inputs under
 * {@code src/test/resources/dev/stad/runtime/fuzz/ParserFuzzTestInputs/<target>/} (no model
 * files there: graphs are built by the tests); with
 * {@code JAZZER_FUZZ=1} one target at a time is fuzzed (docs/tests.md).
 */
class ParserFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("stad-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path file(String name, byte[] data) {
        try {
            return Files.write(DIR.resolve(name), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void imageDecoder(byte[] data) throws IOException {
        try {
            // A small limit keeps a fuzzed header from asking for gigabytes within the limit.
            ImageDecoder.read(file("image.bin", data), 4_000_000);
        } catch (ImageFormatException expected) {
            // documented: empty, truncated, corrupt, unsupported or too large
        }
    }

    @FuzzTest(maxDuration = "30s")
    void zipBundle(byte[] data) {
        try {
            ModelBundle.open(file("bundle.zip", data));
        } catch (BundleException expected) {
            // documented: not a zip, missing or altered files, bad manifest
        }
    }

    @FuzzTest(maxDuration = "30s")
    void manifest(byte[] data) throws IOException {
        Path bundle = Files.createDirectories(DIR.resolve("folder-bundle"));
        Files.write(bundle.resolve(BundleManifest.FILE_NAME), data);
        try {
            ModelBundle.open(bundle);
        } catch (BundleException expected) {
            // documented: invalid JSON, unknown version, missing fields or files
        }
    }

    @FuzzTest(maxDuration = "30s")
    void onnxInspector(byte[] data) throws IOException {
        // The check on bytes (a graph about to be loaded) and on a stream (a bundle being opened)
        // must give the same verdict.
        boolean onBytes = passes(() -> OnnxInspector.inspect(data, "fuzzed.onnx"));
        boolean onStream = passes(() -> OnnxInspector.inspect(new java.io.ByteArrayInputStream(data), "fuzzed.onnx"));
        if (onBytes != onStream) {
            throw new AssertionError("the inspector passes the bytes " + (onBytes ? "" : "not ") + "but the stream "
                    + (onStream ? "" : "not"));
        }
    }

    private interface Check {
        void run() throws IOException;
    }

    private static boolean passes(Check check) throws IOException {
        try {
            check.run();
            return true;
        } catch (BundleException expected) {
            // documented: not a model, external data, unknown operators
            return false;
        }
    }

    /**
     * A small real graph (one Conv with its weights), built here rather than kept as a model file:
     * it passes the inspector, and every prefix of it gives only the documented exception.
     */
    @org.junit.jupiter.api.Test
    void realGraphAndEveryTruncationOfItGiveOnlyDocumentedOutcomes() throws Exception {
        OnnxMl.TensorProto weight = OnnxMl.TensorProto.newBuilder()
                .setName("w")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .addAllDims(java.util.List.of(2L, 3L, 3L, 3L))
                .addAllFloatData(java.util.Collections.nCopies(54, 0.5f))
                .build();
        byte[] graph = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(OnnxMl.GraphProto.newBuilder()
                        .setName("g")
                        .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("image"))
                        .addInitializer(weight)
                        .addNode(OnnxMl.NodeProto.newBuilder()
                                .setOpType("Conv")
                                .addInput("image")
                                .addInput("w")
                                .addOutput("map"))
                        .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("map")))
                .build()
                .toByteArray();
        OnnxInspector.inspect(graph, "built.onnx");
        for (int n = 0; n <= graph.length; n++) {
            onnxInspector(java.util.Arrays.copyOf(graph, n));
        }
    }
}
