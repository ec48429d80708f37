package dev.stad.exporter;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.OrtGraphSession;
import dev.stad.runtime.image.FloatImage;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX graph in an ONNX Runtime session with the station's options, run on float images:
 * the exporter's way of proving what it wrote. Close it to free the native session.
 */
public final class OrtGraph implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;

    public OrtGraph(byte[] onnx) throws OrtException {
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = OrtGraphSession.sessionOptions(EngineOptions.cpu())) {
            this.session = env.createSession(onnx, options);
        }
    }

    /** Runs with {@code input} as a [N, C, H, W] batch of same-sized images; returns every output. */
    public Map<String, List<FloatImage>> run(String inputName, List<FloatImage> input) throws OrtException {
        FloatImage first = input.get(0);
        int per = first.data().length;
        float[] data = new float[per * input.size()];
        for (int i = 0; i < input.size(); i++) {
            System.arraycopy(input.get(i).data(), 0, data, i * per, per);
        }
        long[] shape = {input.size(), first.channels(), first.height(), first.width()};
        Map<String, List<FloatImage>> out = new LinkedHashMap<>();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
                OrtSession.Result r = session.run(Map.of(inputName, t))) {
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                OnnxTensor o = (OnnxTensor) e.getValue();
                long[] s = o.getInfo().getShape();
                FloatBuffer fb = o.getFloatBuffer();
                int n = (int) s[0];
                int c = (int) s[1];
                int h = (int) s[2];
                int w = (int) s[3];
                List<FloatImage> images = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    float[] img = new float[c * h * w];
                    fb.get(img);
                    images.add(new FloatImage(c, h, w, img));
                }
                out.put(e.getKey(), images);
            }
        }
        return out;
    }

    /** Runs a one-input, one-output graph on one image. */
    public FloatImage runSingle(String inputName, String outputName, FloatImage image) throws OrtException {
        return run(inputName, List.of(image)).get(outputName).get(0);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
