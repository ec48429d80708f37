package dev.stad.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stad.exporter.onnx.TeacherImport;
import dev.stad.runtime.image.FloatImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A pretrained image network read from ONNX as what a patch teacher is distilled from, as the
 * paper distils its teacher from a ResNet-18: each sampled patch of an anchor crop (the teacher's
 * receptive field) goes through the network on ONNX Runtime, and its output there (a vector, or a
 * feature map averaged over its positions) is the target. The network keeps its own padding: it
 * sees the patch as a small image, which is how the paper feeds its patches to the ResNet.
 */
final class OnnxSource implements DistillationSource {
    /** Patches whose targets the statistics are measured on. */
    private static final int STATISTICS_PATCHES = 256;
    /** Patches per ONNX Runtime call. */
    private static final int CHUNK = 128;

    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    private final String output;
    private final int rf;
    private final int perCrop;
    private final int batchLimit;
    private final int dims;

    private OnnxSource(
            Path file,
            OrtEnvironment env,
            OrtSession session,
            String input,
            String output,
            int rf,
            int perCrop,
            int batchLimit)
            throws IOException {
        this.batchLimit = batchLimit;
        this.file = file;
        this.env = env;
        this.session = session;
        this.input = input;
        this.output = output;
        this.rf = rf;
        this.perCrop = perCrop;
        this.dims = run(new float[3 * rf * rf], 1).length;
    }

    /**
     * Opens {@code file} cut at {@code output}.
     *
     * @param output the tensor or node whose value is the target; null for the graph's only output
     * @param rf the teacher's receptive field: the side of the patches the network sees
     * @param perCrop positions sampled per anchor crop and step
     * @throws IOException naming the file and the problem when it cannot be used
     */
    static OnnxSource open(Path file, String output, long maxBytes, int rf, int perCrop) throws IOException {
        TeacherImport.Source source;
        try {
            source = TeacherImport.open(file, output, maxBytes);
        } catch (TeacherImport.ImportException e) {
            throw new IOException(e.getMessage(), e);
        }
        List<OnnxMl.TensorShapeProto.Dimension> dims = source.inputDims();
        if (dims.get(2).hasDimValue() && dims.get(2).getDimValue() != rf
                || dims.get(3).hasDimValue() && dims.get(3).getDimValue() != rf) {
            throw new IOException(file + ": input '" + source.input() + "' is fixed at "
                    + dims.get(2).getDimValue() + "x" + dims.get(3).getDimValue() + "; the teacher's patches are "
                    + rf + "x" + rf + ": export it with dynamic height and width");
        }
        // A graph exported for one image at a time is fed one patch at a time.
        int batchLimit =
                dims.get(0).hasDimValue() ? (int) Math.max(1, dims.get(0).getDimValue()) : CHUNK;
        String cut = source.cut();
        byte[] bytes = source.cutAt(cut);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            OrtSession session = env.createSession(bytes, options);
            try {
                return new OnnxSource(file, env, session, source.input(), cut, rf, perCrop, batchLimit);
            } catch (IOException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new IOException(file + ": ONNX Runtime cannot load it: " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public int dims() {
        return dims;
    }

    @Override
    public float[][] statistics(NDManager manager, List<FloatImage> pool, long seed) {
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, "distillation/onnx-statistics"));
        float[] patches = new float[STATISTICS_PATCHES * 3 * rf * rf];
        for (int k = 0; k < STATISTICS_PATCHES; k++) {
            FloatImage img = pool.get(rnd.nextInt(pool.size()));
            int y = rnd.nextInt(img.height() - rf + 1);
            int x = rnd.nextInt(img.width() - rf + 1);
            float[] p = img.crop(y, x, rf, rf).data();
            System.arraycopy(p, 0, patches, k * p.length, p.length);
        }
        float[] t = runChecked(patches, STATISTICS_PATCHES);
        double[] sum = new double[dims];
        double[] sq = new double[dims];
        for (int k = 0; k < STATISTICS_PATCHES; k++) {
            for (int c = 0; c < dims; c++) {
                double v = t[k * dims + c];
                sum[c] += v;
                sq[c] += v * v;
            }
        }
        float[] mean = new float[dims];
        float[] std = new float[dims];
        for (int c = 0; c < dims; c++) {
            mean[c] = (float) (sum[c] / STATISTICS_PATCHES);
            std[c] = (float) Math.sqrt(Math.max(0, sq[c] / STATISTICS_PATCHES - mean[c] * (double) mean[c]));
        }
        return new float[][] {mean, std};
    }

    @Override
    public Targets targets(NDArray anchors, SplittableRandom rnd) {
        long[] s = anchors.getShape().getShape();
        int b = (int) s[0];
        int side = (int) s[2];
        int crop = side - rf + 1;
        float[] a = anchors.toFloatArray();
        int n = b * perCrop;
        long[] rows = new long[n];
        float[] patches = new float[n * 3 * rf * rf];
        int plane = side * side;
        int k = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < perCrop; j++, k++) {
                int y = rnd.nextInt(crop);
                int x = rnd.nextInt(crop);
                rows[k] = (long) i * crop * crop + (long) y * crop + x;
                for (int c = 0; c < 3; c++) {
                    for (int r = 0; r < rf; r++) {
                        System.arraycopy(
                                a,
                                i * 3 * plane + c * plane + (y + r) * side + x,
                                patches,
                                ((k * 3 + c) * rf + r) * rf,
                                rf);
                    }
                }
            }
        }
        float[] values = runChecked(patches, n);
        NDManager m = anchors.getManager();
        return new Targets(m.create(rows).toType(DataType.INT64, false), m.create(values, new Shape(n, dims)));
    }

    private float[] runChecked(float[] patches, int n) {
        try {
            float[] out = new float[n * dims];
            int per = 3 * rf * rf;
            int perRun = Math.min(CHUNK, batchLimit);
            for (int start = 0; start < n; start += perRun) {
                int count = Math.min(perRun, n - start);
                float[] chunk = Arrays.copyOfRange(patches, start * per, (start + count) * per);
                System.arraycopy(run(chunk, count), 0, out, start * dims, count * dims);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The network's output for {@code n} patches: [n, dims], feature maps averaged over their positions. */
    private float[] run(float[] patches, int n) throws IOException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(patches), new long[] {n, 3, rf, rf});
                OrtSession.Result r = session.run(Map.of(input, in), Set.of(output))) {
            OnnxValue v = r.get(output).orElseThrow();
            if (!(v instanceof OnnxTensor t) || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                throw new IOException(file + ": output '" + output + "' is not a float tensor");
            }
            long[] shape = t.getInfo().getShape();
            if ((shape.length != 2 && shape.length != 4) || shape[0] != n) {
                throw new IOException(file + ": output '" + output + "' has shape " + Arrays.toString(shape) + " for "
                        + n + " patches; a vector [N, C] or a feature map [N, C, H, W] is expected");
            }
            int c = (int) shape[1];
            int positions = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
            float[] raw = new float[n * c * positions];
            t.getFloatBuffer().get(raw);
            float[] out = new float[n * c];
            for (int i = 0; i < n * c; i++) {
                double sum = 0;
                for (int p = 0; p < positions; p++) {
                    sum += raw[i * positions + p];
                }
                out[i] = (float) (sum / positions);
            }
            return out;
        } catch (OrtException e) {
            throw new IOException(
                    file + ": running it on " + rf + "x" + rf + " patches failed: " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // Closing releases native memory; a failure here leaves nothing to recover.
        }
    }
}
