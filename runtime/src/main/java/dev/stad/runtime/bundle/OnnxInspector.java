package dev.stad.runtime.bundle;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks an ONNX model before any session sees it: it must parse, keep all its tensor data
 * inside the file (an external-data reference would make ONNX Runtime read another file,
 * possibly outside the bundle), and use only the operators our exporter writes ({@link OnnxOperator}).
 */
public final class OnnxInspector {

    private OnnxInspector() {}

    /**
     * @param where names the file in messages
     * @throws BundleException if the bytes are not ONNX, refer to external data, or use other operators
     */
    public static OnnxMl.ModelProto inspect(byte[] onnx, String where) throws BundleException {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException e) {
            throw new BundleException(where + ": not a valid ONNX model (" + e.getMessage() + ")", e);
        }
        if (!model.hasGraph()) {
            throw new BundleException(where + ": ONNX model has no graph");
        }
        checkGraph(model.getGraph(), where);
        return model;
    }

    private static void checkGraph(OnnxMl.GraphProto graph, String where) throws BundleException {
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            checkTensor(t, where);
        }
        for (OnnxMl.SparseTensorProto t : graph.getSparseInitializerList()) {
            checkTensor(t.getValues(), where);
            checkTensor(t.getIndices(), where);
        }
        Set<String> unknown = new TreeSet<>();
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (!n.getDomain().isEmpty() || OnnxOperator.of(n.getOpType()).isEmpty()) {
                unknown.add((n.getDomain().isEmpty() ? "" : n.getDomain() + ".") + n.getOpType());
            }
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasT()) {
                    checkTensor(a.getT(), where);
                }
                for (OnnxMl.TensorProto t : a.getTensorsList()) {
                    checkTensor(t, where);
                }
                if (a.hasG()) {
                    checkGraph(a.getG(), where);
                }
                for (OnnxMl.GraphProto sub : a.getGraphsList()) {
                    checkGraph(sub, where);
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new BundleException(where + ": uses operators outside the supported set "
                    + Arrays.stream(OnnxOperator.values())
                            .map(OnnxOperator::opType)
                            .sorted()
                            .toList() + ": " + unknown);
        }
    }

    private static void checkTensor(OnnxMl.TensorProto t, String where) throws BundleException {
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            List<String> refs = t.getExternalDataList().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .toList();
            throw new BundleException(where + ": tensor '" + t.getName() + "' points at external data " + refs
                    + "; a bundle must hold all its data inside its ONNX files");
        }
    }
}
