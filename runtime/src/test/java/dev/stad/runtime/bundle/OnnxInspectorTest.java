package dev.stad.runtime.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxInspectorTest {
    private static OnnxMl.TensorProto weights(String name, int bytes) {
        return OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .addDims(bytes / 4)
                .setRawData(ByteString.copyFrom(new byte[bytes]))
                .build();
    }

    private static OnnxMl.NodeProto node(String opType) {
        return OnnxMl.NodeProto.newBuilder()
                .setOpType(opType)
                .addInput("image")
                .addOutput("out")
                .build();
    }

    private static OnnxMl.GraphProto.Builder graph(OnnxMl.NodeProto... nodes) {
        return OnnxMl.GraphProto.newBuilder()
                .setName("g")
                .addInitializer(weights("w", 4096))
                .addAllNode(List.of(nodes));
    }

    private static byte[] model(OnnxMl.GraphProto.Builder graph) {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    /** The verdict on bytes, and the same on a stream of them: both must agree. */
    private static String verdict(byte[] onnx) {
        String onBytes;
        try {
            OnnxInspector.inspect(onnx, "m.onnx");
            onBytes = "ok";
        } catch (BundleException e) {
            onBytes = e.getMessage();
        }
        String onStream;
        try {
            OnnxInspector.inspect(new ByteArrayInputStream(onnx), "m.onnx");
            onStream = "ok";
        } catch (Exception e) {
            onStream = e.getMessage();
        }
        // The protobuf reader words a truncation differently on arrays and streams: compare the verdict.
        String invalid = "m.onnx: not a valid ONNX model";
        assertEquals(
                onBytes.startsWith(invalid) ? invalid : onBytes,
                onStream.startsWith(invalid) ? invalid : onStream,
                "bytes and stream disagree");
        return onBytes;
    }

    @Test
    void aGraphOfKnownOperatorsWithItsDataInsidePasses() {
        assertEquals("ok", verdict(model(graph(node("Conv"), node("LeakyRelu"), node("Max")))));
    }

    @Test
    void anOperatorOutsideTheSetIsRefusedWithItsName() {
        String v = verdict(model(graph(node("Conv"), node("Loop"), node("Gelu"))));
        assertTrue(v.startsWith("m.onnx: uses operators outside the supported set"), v);
        assertTrue(v.endsWith(": [Gelu, Loop]"), v);
    }

    @Test
    void anOperatorOfAnotherDomainIsRefusedEvenWithAKnownName() {
        OnnxMl.NodeProto custom =
                node("Conv").toBuilder().setDomain("com.example").build();
        assertTrue(verdict(model(graph(custom))).endsWith(": [com.example.Conv]"));
    }

    @Test
    void anOperatorInsideASubgraphIsSeen() {
        OnnxMl.NodeProto withBranch = node("Identity").toBuilder()
                .addAttribute(OnnxMl.AttributeProto.newBuilder()
                        .setName("then_branch")
                        .setG(OnnxMl.GraphProto.newBuilder().addNode(node("TopK"))))
                .build();
        assertTrue(verdict(model(graph(withBranch))).endsWith(": [TopK]"));
    }

    @Test
    void externalDataIsRefusedNamingTheTensorAndWhereItPoints() {
        OnnxMl.TensorProto external = weights("conv1.weight", 16).toBuilder()
                .clearRawData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey("location")
                        .setValue("../../etc/passwd"))
                .build();
        assertEquals(
                "m.onnx: tensor 'conv1.weight' points at external data [location=../../etc/passwd]; a bundle must"
                        + " hold all its data inside its ONNX files",
                verdict(model(graph(node("Conv")).addInitializer(external))));
        // The location flag alone, without entries, and a tensor in an attribute, both count.
        OnnxMl.TensorProto flagged = weights("b", 16).toBuilder()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .build();
        OnnxMl.NodeProto constant = node("Identity").toBuilder()
                .addAttribute(
                        OnnxMl.AttributeProto.newBuilder().setName("value").setT(flagged))
                .build();
        assertTrue(verdict(model(graph(constant))).startsWith("m.onnx: tensor 'b' points at external data []"));
    }

    @Test
    void aModelWithoutAGraphOrNotProtobufAtAllIsRefused() {
        byte[] noGraph = OnnxMl.ModelProto.newBuilder().setIrVersion(8).build().toByteArray();
        assertEquals("m.onnx: ONNX model has no graph", verdict(noGraph));
        assertTrue(verdict("not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("m.onnx: not a valid ONNX model"));
    }

    @Test
    void everyTruncationIsRefusedUnlessTheWholeGraphIsBeforeTheCut() {
        byte[] whole = model(graph(node("Conv"), node("Softmax")));
        int opset = OnnxMl.ModelProto.newBuilder()
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .build()
                .getSerializedSize();
        int graphEnd = whole.length - opset; // the graph field (7) is written before the opsets (8)
        for (int n = 0; n < whole.length; n++) {
            String v = verdict(Arrays.copyOf(whole, n));
            if (n == graphEnd) {
                assertEquals("m.onnx: uses operators outside the supported set", v.substring(0, v.indexOf(" [")));
            } else if (n < graphEnd) {
                assertTrue(
                        v.startsWith("m.onnx: not a valid ONNX model") || v.equals("m.onnx: ONNX model has no graph"),
                        n + ": " + v);
            }
        }
    }

    @Test
    void checkingAStreamKeepsNoCopyOfTheWeights() throws Exception {
        byte[] large = model(graph(node("Conv")).addInitializer(weights("big", 32 << 20)));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        ByteArrayInputStream in = new ByteArrayInputStream(large);
        long before = threads.getThreadAllocatedBytes(tid);
        OnnxInspector.inspect(in, "m.onnx");
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertEquals(0, in.available(), "the stream is read to its end");
        assertTrue(allocated < (1 << 20), "inspecting a 32 MB model allocated " + allocated + " bytes");
    }
}
