package dev.stad.exporter.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.stad.runtime.bundle.OnnxOperator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A small builder for ONNX graphs over the generated protobuf classes: named inputs and outputs
 * (fixed or symbolic dimensions), float and int64 initializers, nodes with attributes. Every
 * value gets a unique name, so emitters can be composed without clashes.
 */
public final class OnnxGraph {
    /** ONNX opset of every graph we write: 17 is accepted by ONNX Runtime and TensorRT 10 alike. */
    public static final int OPSET = 17;
    /** IR version matching {@link #OPSET}. */
    public static final long IR_VERSION = 8;

    public static final String PRODUCER = "stad-exporter";

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private int counter;
    private String nodePrefix = "";

    public OnnxGraph(String name) {
        graph.setName(Objects.requireNonNull(name, "name must not be null"));
    }

    /**
     * Declares a float graph input; each dimension is a {@code Long} (fixed) or a {@code String}
     * (symbolic, e.g. "height").
     */
    public String input(String name, Object... dims) {
        claim(name);
        graph.addInput(valueInfo(name, dims));
        return name;
    }

    /** Declares {@code value} (already produced by a node) as a float graph output. */
    public void output(String value, Object... dims) {
        graph.addOutput(valueInfo(value, dims));
    }

    /** A float32 initializer of the given shape. */
    public String floats(String hint, long[] shape, float[] data) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(hint + ": shape holds " + n + " values, data has " + data.length);
        }
        String name = fresh(hint);
        ByteBuffer buf = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** An int8 initializer of the given shape (quantized weights, zero points). */
    public String int8s(String hint, long[] shape, byte[] data) {
        return tensor(hint, shape, data.length, OnnxMl.TensorProto.DataType.INT8, ByteString.copyFrom(data));
    }

    /** An int32 initializer of the given shape (quantized biases, their zero points). */
    public String int32s(String hint, long[] shape, int[] data) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(data);
        return tensor(hint, shape, data.length, OnnxMl.TensorProto.DataType.INT32, ByteString.copyFrom(buf.array()));
    }

    private String tensor(String hint, long[] shape, int length, OnnxMl.TensorProto.DataType type, ByteString raw) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(hint + ": shape holds " + n + " values, data has " + length);
        }
        String name = fresh(hint);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(type.getNumber())
                .setRawData(raw);
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** A float32 scalar initializer (shape []), for element-wise arithmetic. */
    public String scalar(String hint, float value) {
        return floats(hint, new long[0], new float[] {value});
    }

    /** A 1-D int64 initializer (pads, axes, split sizes, slice bounds). */
    public String ints(String hint, long... values) {
        String name = fresh(hint);
        ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(values.length)
                .setRawData(ByteString.copyFrom(buf.array())));
        return name;
    }

    /** A node with one output; returns the output's name. Attribute values: Long, Float, String, long[]. */
    public String node(OnnxOperator op, List<String> inputs, Map<String, Object> attributes) {
        return nodeN(op, inputs, attributes, 1).get(0);
    }

    public String node(OnnxOperator op, String... inputs) {
        return node(op, List.of(inputs), Map.of());
    }

    /**
     * Starts the name of every node added from now on with {@code prefix} ("": none), for nodes an
     * engine finds by name (TensorRT's parser names each layer after its node).
     */
    public void prefixNodeNames(String prefix) {
        nodePrefix = Objects.requireNonNull(prefix, "prefix must not be null (\"\": none)");
    }

    /** A node with {@code outputs} outputs. */
    public List<String> nodeN(OnnxOperator op, List<String> inputs, Map<String, Object> attributes, int outputs) {
        return add(op.opType(), inputs, attributes, outputs);
    }

    /**
     * A node of an operator outside {@link OnnxOperator}, for graphs that never go into a bundle
     * (the bench's sgemm yardstick): a bundle graph holding one would be refused when loaded.
     */
    public String nodeOutsideBundles(String opType, String... inputs) {
        return nodeOutsideBundles(opType, List.of(inputs), Map.of());
    }

    /** {@link #nodeOutsideBundles(String, String...)} with attributes (as {@link #node}'s). */
    public String nodeOutsideBundles(String opType, List<String> inputs, Map<String, Object> attributes) {
        return add(opType, inputs, attributes, 1).get(0);
    }

    private List<String> add(String opType, List<String> inputs, Map<String, Object> attributes, int outputs) {
        String name = nodePrefix + opType.toLowerCase(Locale.ROOT);
        OnnxMl.NodeProto.Builder n =
                OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(fresh(name));
        n.addAllInput(inputs);
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            String o = fresh(name + "_out");
            outs.add(o);
            n.addOutput(o);
        }
        attributes.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> n.addAttribute(attribute(e.getKey(), e.getValue())));
        graph.addNode(n);
        return outs;
    }

    /** Gives the value produced under {@code value} a stable public name (an Identity node). */
    public String rename(String value, String publicName) {
        claim(publicName);
        graph.addNode(OnnxMl.NodeProto.newBuilder()
                .setOpType(OnnxOperator.IDENTITY.opType())
                .setName(fresh(nodePrefix + "identity"))
                .addInput(value)
                .addOutput(publicName));
        return publicName;
    }

    /** The finished model with producer, opset and the given metadata properties. */
    public OnnxMl.ModelProto model(String producerVersion, Map<String, String> metadata) {
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .setProducerVersion(producerVersion)
                .addOpsetImport(
                        OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph.build());
        metadata.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> m.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey(e.getKey())
                        .setValue(e.getValue())));
        return m.build();
    }

    private OnnxMl.ValueInfoProto valueInfo(String name, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) {
                dim.setDimValue(n.longValue());
            } else if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                throw new IllegalArgumentException("dimension must be a number or a name, found " + d);
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)))
                .build();
    }

    private static OnnxMl.AttributeProto attribute(String name, Object value) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name);
        if (value instanceof Long l) {
            a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(l);
        } else if (value instanceof Integer i) {
            a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(i);
        } else if (value instanceof Float f) {
            a.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(f);
        } else if (value instanceof String s) {
            a.setType(OnnxMl.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (value instanceof long[] ls) {
            a.setType(OnnxMl.AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else {
            throw new IllegalArgumentException("unsupported attribute " + name + " = " + value);
        }
        return a.build();
    }

    private String fresh(String hint) {
        String name;
        do {
            name = hint + "_" + counter++;
        } while (names.contains(name));
        names.add(name);
        return name;
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("value name '" + name + "' is already used in graph " + graph.getName());
        }
    }
}
