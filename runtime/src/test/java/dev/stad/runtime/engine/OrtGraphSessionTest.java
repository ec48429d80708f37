package dev.stad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stad.runtime.image.FloatImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrtGraphSessionTest {
    private static OnnxMl.ValueInfoProto value(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(
                    d instanceof String s
                            ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                            : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }

    /** image -> map (Identity, float) and image -> shape (Shape, int64). */
    static byte[] graphWithAnInt64Output() {
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder()
                .setName("g")
                .addInput(value("image", OnnxMl.TensorProto.DataType.FLOAT, 1, 3, "h", "w"))
                .addNode(OnnxMl.NodeProto.newBuilder()
                        .setOpType("Identity")
                        .addInput("image")
                        .addOutput("map"))
                .addNode(OnnxMl.NodeProto.newBuilder()
                        .setOpType("Shape")
                        .addInput("image")
                        .addOutput("shape"))
                .addOutput(value("map", OnnxMl.TensorProto.DataType.FLOAT, 1, 3, "h", "w"))
                .addOutput(value("shape", OnnxMl.TensorProto.DataType.INT64, 4))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(g)
                .build()
                .toByteArray();
    }

    @Test
    void aNonFloatOutputIsRefusedByNameWhenTheSessionOpens() {
        EngineException e = assertThrows(
                EngineException.class,
                () -> Engines.open(graphWithAnInt64Output(), "g.onnx", "image", List.of("shape"), EngineOptions.cpu()));
        assertTrue(
                e.getMessage().contains("g.onnx: output 'shape' is a tensor of INT64")
                        && e.getMessage().contains("float32"),
                e.getMessage());
    }

    @Test
    void floatOutputsOfTheSameGraphRun() throws Exception {
        FloatImage image = new FloatImage(3, 2, 2, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        try (GraphSession s =
                Engines.open(graphWithAnInt64Output(), "g.onnx", "image", List.of("map"), EngineOptions.cpu())) {
            FloatImage out = s.run(image).get("map");
            assertEquals(3, out.channels());
            assertArrayEquals(image.data(), out.data());
        }
    }
}
