package dev.stad.exporter;

import dev.stad.exporter.onnx.Graphs;
import dev.stad.exporter.onnx.TeacherImport;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.image.FloatImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Proves an imported teacher computes what its source graph computes: both run on ONNX Runtime on
 * one random image, the source cut at the imported descriptor map (the last conv's output), and wherever a source output's window
 * lies wholly inside the image (no padding reached it) its descriptor must equal the imported
 * dense form's at that window. Padding is all the import drops, so nothing else may differ: a
 * wrongly folded batch norm, a lost activation or a misread stride shows here.
 */
public final class ImportCheck {
    private ImportCheck() {}

    /**
     * The outcome.
     *
     * @param relativeDifference max |source - imported| / max |source| over the compared positions
     * @param positions how many source outputs were compared
     * @param side the side of the random image
     */
    public record Report(double relativeDifference, int positions, int side) {}

    /** Compares {@code imported} with {@code source}, the model it was imported from, on a random image (seeded). */
    public static Report compare(TeacherImport.Source source, TeacherImport.Imported imported, long seed)
            throws EngineException {
        byte[] cut = source.cutAt(imported.compareAt());
        int rf = imported.spec().receptiveField();
        int stride = imported.spec().totalStride();
        int h = imported.inputHeight();
        int w = imported.inputWidth();
        if (h == 0 || w == 0) {
            int side = Math.max(2 * rf, rf + 2 * Math.max(imported.offsetY(), imported.offsetX()) + 4 * stride);
            h = side;
            w = side;
        }
        FloatImage image = ExportCheck.randomImage(h, w, seed);
        FloatImage expected;
        try (GraphSession g =
                ExportCheck.session(cut, source.file().toString(), imported.input(), imported.compareAt())) {
            expected = g.run(image).get(imported.compareAt());
        }
        FloatImage dense;
        try (GraphSession g = ExportCheck.session(
                Graphs.dense(imported.spec(), imported.weights(), "import-check", Map.of())
                        .toByteArray(),
                "imported " + imported.spec().name(),
                Graphs.IMAGE_INPUT,
                Graphs.DESCRIPTORS)) {
            dense = g.run(image).get(Graphs.DESCRIPTORS);
        }
        if (expected.channels() != dense.channels()) {
            throw new IllegalStateException("the source gives " + expected.channels() + " channels at '"
                    + imported.compareAt() + "', the import " + dense.channels());
        }
        List<Float> a = new ArrayList<>();
        List<Float> b = new ArrayList<>();
        int positions = 0;
        for (int i = 0; i < expected.height(); i++) {
            int y = i * stride - imported.offsetY();
            for (int j = 0; j < expected.width(); j++) {
                int x = j * stride - imported.offsetX();
                if (y < 0 || x < 0 || y >= dense.height() || x >= dense.width()) {
                    continue;
                }
                positions++;
                for (int c = 0; c < expected.channels(); c++) {
                    a.add(expected.get(c, i, j));
                    b.add(dense.get(c, y, x));
                }
            }
        }
        float[] fa = new float[a.size()];
        float[] fb = new float[b.size()];
        for (int k = 0; k < fa.length; k++) {
            fa[k] = a.get(k);
            fb[k] = b.get(k);
        }
        return new Report(positions == 0 ? Double.NaN : ExportCheck.relativeDifference(fa, fb), positions, h);
    }
}
