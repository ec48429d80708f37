package dev.stad.runtime.bundle;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks an ONNX model before any session sees it: it must parse, keep all its tensor data
 * inside the file (an external-data reference would make ONNX Runtime read another file,
 * possibly outside the bundle), and use only the operators our exporter writes ({@link OnnxOperator}).
 *
 * <p>It walks the protobuf wire format instead of building a {@code ModelProto}: a model is
 * mostly weights, and a parsed copy of them is as large as the file. Reading only the fields the
 * check needs (operators, attributes, where tensor data lives) and skipping the rest, it checks
 * a 100 MB detector from a stream in a few KB, so opening a bundle costs no heap of its size.
 */
public final class OnnxInspector {
    /** Nested graphs (an If's branches, a Loop's body) deeper than this are refused, as protobuf does. */
    private static final int MAX_DEPTH = 100;

    private OnnxInspector() {}

    /**
     * @param where names the file in messages
     * @throws BundleException if the bytes are not ONNX, refer to external data, or use other operators
     */
    public static void inspect(byte[] onnx, String where) throws BundleException {
        try {
            inspect(CodedInputStream.newInstance(onnx), where);
        } catch (InvalidProtocolBufferException e) {
            throw new BundleException(where + ": not a valid ONNX model (" + e.getMessage() + ")", e);
        } catch (BundleException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("reading an array cannot fail: " + e.getMessage(), e);
        }
    }

    /**
     * The same check on a stream, read to its end.
     *
     * @throws BundleException if the bytes are not ONNX, refer to external data, or use other operators
     * @throws IOException if reading the stream fails
     */
    public static void inspect(InputStream onnx, String where) throws BundleException, IOException {
        try {
            inspect(CodedInputStream.newInstance(onnx), where);
        } catch (InvalidProtocolBufferException e) {
            throw new BundleException(where + ": not a valid ONNX model (" + e.getMessage() + ")", e);
        }
    }

    private static void inspect(CodedInputStream in, String where) throws BundleException, IOException {
        Walk walk = new Walk(in, where);
        boolean graph = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (is(tag, OnnxMl.ModelProto.GRAPH_FIELD_NUMBER)) {
                graph = true;
                walk.message(walk::graph);
            } else {
                in.skipField(tag);
            }
        }
        if (!graph) {
            throw new BundleException(where + ": ONNX model has no graph");
        }
        if (!walk.unknown.isEmpty()) {
            throw new BundleException(where + ": uses operators outside the supported set "
                    + Arrays.stream(OnnxOperator.values())
                            .map(OnnxOperator::opType)
                            .sorted()
                            .toList() + ": " + walk.unknown);
        }
    }

    /** Whether {@code tag} is the length-delimited field {@code number} (a message or a string). */
    private static boolean is(int tag, int number) {
        return tag == tag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    }

    /** A field's tag as the wire format writes it (protobuf keeps its own helper package-private). */
    private static int tag(int number, int wireType) {
        return (number << 3) | wireType;
    }

    private interface Body {
        void read() throws BundleException, IOException;
    }

    /** One pass over a model: the stream, where we are in it, what was found. */
    private static final class Walk {
        private final CodedInputStream in;
        private final String where;
        private final Set<String> unknown = new TreeSet<>();
        private int depth;

        Walk(CodedInputStream in, String where) {
            this.in = in;
            this.where = where;
        }

        /** Reads one length-delimited message with {@code body}, which reads tags until its end. */
        void message(Body body) throws BundleException, IOException {
            int length = in.readRawVarint32();
            if (length < 0) {
                throw new InvalidProtocolBufferException("a message has a negative length");
            }
            if (++depth > MAX_DEPTH) {
                throw new InvalidProtocolBufferException("messages nested more than " + MAX_DEPTH + " deep");
            }
            int outer = in.pushLimit(length);
            body.read();
            // A stream that ends early ends the loop too, at a field boundary: count what is missing.
            if (in.getBytesUntilLimit() != 0) {
                throw new InvalidProtocolBufferException("the file ends inside a message (truncated)");
            }
            in.popLimit(outer);
            depth--;
        }

        void graph() throws BundleException, IOException {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (is(tag, OnnxMl.GraphProto.NODE_FIELD_NUMBER)) {
                    message(this::node);
                } else if (is(tag, OnnxMl.GraphProto.INITIALIZER_FIELD_NUMBER)) {
                    message(this::tensor);
                } else if (is(tag, OnnxMl.GraphProto.SPARSE_INITIALIZER_FIELD_NUMBER)) {
                    message(this::sparseTensor);
                } else {
                    in.skipField(tag);
                }
            }
        }

        void node() throws BundleException, IOException {
            String opType = "";
            String domain = "";
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (is(tag, OnnxMl.NodeProto.OP_TYPE_FIELD_NUMBER)) {
                    opType = in.readStringRequireUtf8();
                } else if (is(tag, OnnxMl.NodeProto.DOMAIN_FIELD_NUMBER)) {
                    domain = in.readStringRequireUtf8();
                } else if (is(tag, OnnxMl.NodeProto.ATTRIBUTE_FIELD_NUMBER)) {
                    message(this::attribute);
                } else {
                    in.skipField(tag);
                }
            }
            if (!domain.isEmpty() || OnnxOperator.of(opType).isEmpty()) {
                unknown.add((domain.isEmpty() ? "" : domain + ".") + opType);
            }
        }

        void attribute() throws BundleException, IOException {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (is(tag, OnnxMl.AttributeProto.T_FIELD_NUMBER)
                        || is(tag, OnnxMl.AttributeProto.TENSORS_FIELD_NUMBER)) {
                    message(this::tensor);
                } else if (is(tag, OnnxMl.AttributeProto.G_FIELD_NUMBER)
                        || is(tag, OnnxMl.AttributeProto.GRAPHS_FIELD_NUMBER)) {
                    message(this::graph);
                } else if (is(tag, OnnxMl.AttributeProto.SPARSE_TENSOR_FIELD_NUMBER)
                        || is(tag, OnnxMl.AttributeProto.SPARSE_TENSORS_FIELD_NUMBER)) {
                    message(this::sparseTensor);
                } else {
                    in.skipField(tag);
                }
            }
        }

        void sparseTensor() throws BundleException, IOException {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (is(tag, OnnxMl.SparseTensorProto.VALUES_FIELD_NUMBER)
                        || is(tag, OnnxMl.SparseTensorProto.INDICES_FIELD_NUMBER)) {
                    message(this::tensor);
                } else {
                    in.skipField(tag);
                }
            }
        }

        /** A tensor: its data (raw_data, the typed lists) is skipped, never copied. */
        void tensor() throws BundleException, IOException {
            String name = "";
            boolean external = false;
            List<String> refs = new ArrayList<>();
            int location = tag(OnnxMl.TensorProto.DATA_LOCATION_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);

            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (is(tag, OnnxMl.TensorProto.NAME_FIELD_NUMBER)) {
                    name = in.readStringRequireUtf8();
                } else if (tag == location) {
                    external = in.readEnum() == OnnxMl.TensorProto.DataLocation.EXTERNAL_VALUE;
                } else if (is(tag, OnnxMl.TensorProto.EXTERNAL_DATA_FIELD_NUMBER)) {
                    String[] entry = new String[] {"", ""};
                    message(() -> {
                        for (int t = in.readTag(); t != 0; t = in.readTag()) {
                            if (is(t, OnnxMl.StringStringEntryProto.KEY_FIELD_NUMBER)) {
                                entry[0] = in.readStringRequireUtf8();
                            } else if (is(t, OnnxMl.StringStringEntryProto.VALUE_FIELD_NUMBER)) {
                                entry[1] = in.readStringRequireUtf8();
                            } else {
                                in.skipField(t);
                            }
                        }
                    });
                    refs.add(entry[0] + "=" + entry[1]);
                } else {
                    in.skipField(tag);
                }
            }
            if (external || !refs.isEmpty()) {
                throw new BundleException(where + ": tensor '" + name + "' points at external data " + refs
                        + "; a bundle must hold all its data inside its ONNX files");
            }
        }
    }
}
