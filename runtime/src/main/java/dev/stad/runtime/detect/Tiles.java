package dev.stad.runtime.detect;

import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.DetectorLayout;
import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.engine.EngineException;
import dev.stad.runtime.engine.GraphSession;
import dev.stad.runtime.engine.InputProfile;
import dev.stad.runtime.engine.InteriorSides;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;

/**
 * Runs a detector graph over a large image tile by tile, so memory stays that of one tile.
 * Exact because the dense networks have no strides (pools run at stride 1, later layers
 * dilated): a map pixel inside level 0's region depends only on the image within the
 * combination's reach around it (the widest scale margin plus the smoothing radius). Each tile is
 * cut with that much of the image around it, and only the tile's own pixels are kept. The outer
 * band is the exception: a band pixel takes the maximum over the level-0 pixels whose patches
 * contain it, which may lie in the neighbouring tile, so once the tiles are put together the
 * band is filled again from the whole of level 0's region, exactly as the graph fills it (the
 * same maxima, the same ring-by-ring standardisation in float). Cutting the tiles along the
 * border wide enough for the graph to get the band right itself costs more: at 900x900 in 3x3
 * tiles, 12% more multiply-adds than the whole image instead of 7%. Bundles exported before the
 * band was standardised ring by ring are still cut that way, since some of them filled the band
 * by copying the nearest level-0 pixel instead, and their manifests do not say which. The halo
 * costs extra computation: {@code ((t + reach) / t)^2} at most. Only the widest scale needs all
 * of it: each cut tells the graph which of its sides hold the whole halo inside the image
 * ({@link InteriorSides}), and a graph exported with that input computes a scale of a smaller
 * patch only as far as its own margin reaches there. And a tile on the image's edge, which has
 * no halo beyond it, is longer by that halo ({@link #tileStarts}), so fewer tiles hold an image
 * in cuts no larger: the default model's 900x900 map under the default budget is 3x3 tiles, 1.12
 * times the multiply-adds per pixel of a 256x256 image computed whole (1.14 in the 4x4 tiles of
 * one length before, 1.21 with every scale computed over the whole cut).
 */
public final class Tiles {
    private Tiles() {}

    /**
     * What cutting needs to know of a detector.
     *
     * @param halo what {@link #halo} gives
     * @param band the outer band the combination fills from its edge (the first level's margin)
     * @param minimumSide what {@link #minimumSide} gives: a cut is widened to at least this
     * @param rings the outer band's standardisation by ring, the detector graph's (empty: the raw
     *     maximum, as bundles written before it have)
     */
    public record Geometry(
            NetworkSpec.Margin halo, NetworkSpec.Margin band, int minimumSide, List<ScaleCombination.Affine> rings) {
        public Geometry {
            rings = List.copyOf(rings);
        }

        /**
         * Whether {@link #run} fills the outer band itself once the tiles are put together
         * (bundles whose band is standardised ring by ring), rather than cutting each tile along
         * the border wide enough for the graph to fill it.
         */
        public boolean fillsBandAfterTiles() {
            return !rings.isEmpty();
        }

        /** The geometry of the bundle's fp32 detector. */
        public static Geometry of(BundleManifest manifest) {
            return of(manifest.combination());
        }

        /** The geometry of {@code graph}, a detector of {@code manifest}: its own band calibration where it has one. */
        public static Geometry of(BundleManifest manifest, BundleManifest.DetectorGraph graph) {
            return of(graph.combination() != null ? graph.combination() : manifest.combination());
        }

        public static Geometry of(ScaleCombination combination) {
            var levels = combination.levels();
            return new Geometry(
                    combination.reach(),
                    levels.get(0).margin(),
                    levels.get(levels.size() - 1).margin().total() + 1,
                    combination.outerBand());
        }
    }

    /** Image pixels on each side of a map pixel that its value depends on. */
    public static NetworkSpec.Margin halo(BundleManifest manifest) {
        return manifest.combination().reach();
    }

    /** The smallest input side the detector graph accepts: the largest receptive field. */
    public static int minimumSide(BundleManifest manifest) {
        return Geometry.of(manifest).minimumSide();
    }

    /**
     * {@link #workingBytesPerPixel(List, int, Precision, DetectorLayout)} for the bundle's detector of
     * {@code precision}, in the layout its manifest records.
     */
    public static long workingBytesPerPixel(BundleManifest manifest, Precision precision) {
        DetectorLayout layout = manifest.detector(precision)
                .map(BundleManifest.DetectorGraph::layoutOrDefault)
                .orElse(DetectorLayout.DEFAULT);
        return workingBytesPerPixel(
                manifest.networkSpecs(), manifest.scales().get(0).students(), precision, layout);
    }

    /**
     * Bytes a detector of {@code precision} and {@code layout} works in per input pixel computed
     * at once, estimated from the architectures of scales with {@code students} students each,
     * times {@link #ESTIMATE_MARGIN} ({@code specs} lists every architecture the detector runs:
     * students of their own architecture add theirs). Each estimate was fitted to the peak
     * resident memory of a fresh station JVM (ONNX Runtime 1.24, AVX-512 and AMD EPYC CPUs) at two
     * or more input sizes: the growth per pixel, since what does not grow with the input (the
     * JVM, the weights) is not the budget's business.
     *
     * <p>fp32, separate (the default): one network runs at a time, so three tensors of the
     * widest layer (a convolution's input and output, or a dilated pool pass's two shifted
     * slices and its result) plus the float descriptors of every network of a scale twice (held
     * until the scale's e and v are computed, and their differences). 7.2 KB per pixel before
     * the margin for both the default model and the paper's three scales. A station computing an
     * input whole grew by 5.3 KB (default model) and 5.2 KB (paper's model) per pixel between
     * 192^2 and 320^2 inputs; one computing a 900^2 image in tiles by 6.3 to 7.1 KB per pixel of
     * its largest cut (ONNX Runtime's arena keeps blocks for each cut's shape), which is what the
     * margin is for. Bundles exported before the dilated pools were written in two passes (one
     * Max of all four shifted copies of a 256-channel tensor) hold more: 7.7 and 9.1 KB per pixel
     * whole, 8.6 KB per pixel of the largest cut; the same estimate covers them, with less room.
     *
     * <p>fp32, fused: the widest convolution's column buffer (input channels x kernel^2 floats per
     * pixel, which the CPU convolution expands before its matrix product) plus three stacked
     * activation tensors of the widest fused layer (all networks' channels at once). 38 KB per
     * pixel on the default model, which grew by 39 to 52 KB per pixel between 128^2 and 512^2
     * with four-copy pools (between 128^2 and 256^2: by 14.0 KB with two-pass pools, 24.7 KB
     * with four-copy ones).
     *
     * <p>int8 (always separate): activations are one byte each and the integer convolutions
     * expand no full-size column buffer (ONNX Runtime's work in blocks), so the estimate is three
     * stacked activation tensors of the widest layer at one byte, plus the float descriptors of
     * every network of a scale twice; 7.2 KB per pixel on the default model, whose int8 detector's
     * peak grew by 7.6 to 8.7 KB per pixel between 128^2 and 384^2 inputs with four-copy pools
     * (the paper's three-scale model: 6.5 KB in the bench process).
     */
    public static long workingBytesPerPixel(
            List<NetworkSpec> specs, int students, Precision precision, DetectorLayout layout) {
        int nets = 1 + students;
        long columns = 0;
        long widest = 0;
        long descriptors = 0;
        for (NetworkSpec spec : specs) {
            for (int i : spec.convIndices()) {
                Layer l = spec.layers().get(i);
                columns = Math.max(columns, (long) spec.inChannels(i) * l.kernel() * l.kernel());
                widest = Math.max(widest, l.out());
            }
            descriptors = Math.max(descriptors, (long) nets * spec.descriptorDim());
        }
        double bytes;
        if (precision == Precision.INT8) {
            bytes = 3 * nets * widest + 2 * Float.BYTES * descriptors;
        } else if (layout == DetectorLayout.SEPARATE) {
            bytes = Float.BYTES * (3 * widest + 2 * descriptors);
        } else {
            bytes = Float.BYTES * (columns + 3 * nets * widest);
        }
        return (long) Math.ceil(ESTIMATE_MARGIN * bytes);
    }

    /** Safety factor on {@link #workingBytesPerPixel}'s estimate, from the measurement it documents. */
    static final double ESTIMATE_MARGIN = 1.4;

    /**
     * The tile side for a {@code height x width} input under a working-memory budget: 0 (no
     * tiling) when the whole input fits, else the largest whose cut (tile plus halo) fits; never
     * below 8, where the halo alone may exceed a tiny budget. {@link #run} cuts no side longer
     * than that cut ({@link #tileStarts}).
     */
    public static int tileFor(BundleManifest manifest, Precision precision, int height, int width, long budgetBytes) {
        return tileFor(workingBytesPerPixel(manifest, precision), Geometry.of(manifest), height, width, budgetBytes);
    }

    /**
     * The tile a station computes a {@code height x width} input in with the bundle's detector of
     * {@code precision}: {@code fixedTile} where it is positive, else the one {@code budgetMb}
     * allows (0 MB: no limit, no tiling).
     */
    public static int tileFor(
            BundleManifest manifest, Precision precision, int height, int width, int fixedTile, long budgetMb) {
        if (fixedTile > 0) {
            return fixedTile;
        }
        return budgetMb > 0 ? tileFor(manifest, precision, height, width, budgetMb << 20) : 0;
    }

    /** {@link #tileFor(BundleManifest, Precision, int, int, long)} from the figures it derives from the manifest. */
    public static int tileFor(long perPixel, Geometry geometry, int height, int width, long budgetBytes) {
        if ((long) height * width * perPixel <= budgetBytes) {
            return 0;
        }
        int best = 8;
        for (int t = 8; t < Math.max(height, width); t++) {
            long h = longestCut(height, t, geometry);
            long w = longestCut(width, t, geometry);
            if (h * w * perPixel > budgetBytes) {
                break;
            }
            best = t;
        }
        return best;
    }

    /**
     * The side of the square image a native bundle's tile is planned for: any camera image is
     * smaller, so a budget's tile for it is the largest any image gets.
     */
    static final int NATIVE_PLAN_SIDE = 1 << 14;

    /**
     * The largest input side TensorRT's profile admits for a native bundle computed without a
     * memory limit (no tiles): an image beyond it needs a budget.
     */
    public static final int NATIVE_UNTILED_MAX_SIDE = 4096;

    /**
     * The tile a station computes the bundle's inputs in: for a resize bundle the one its input
     * size needs ({@link #tileFor(BundleManifest, Precision, int, int, int, long)}); for a native
     * bundle the one an image of any size needs, so that every cut, and every image computed
     * whole, is at most a tile plus its halo.
     */
    public static int tileFor(BundleManifest manifest, Precision precision, int fixedTile, long budgetMb) {
        Preprocessing pre = manifest.preprocessing();
        if (!pre.isNative()) {
            return tileFor(manifest, precision, pre.height(), pre.width(), fixedTile, budgetMb);
        }
        // A fixed tile beyond the plan's side would let an image between the two run whole,
        // larger than the largest cut the engine's input profile was built for.
        return tileFor(
                manifest,
                precision,
                NATIVE_PLAN_SIDE,
                NATIVE_PLAN_SIDE,
                Math.min(fixedTile, NATIVE_PLAN_SIDE),
                budgetMb);
    }

    /**
     * The input shapes {@link #run} gives the detector graph for the bundle's inputs and
     * {@code tile}. Resize bundles: exactly the input when it is computed whole, else from the
     * smallest cut to the whole input, tuned for the first cut. Native bundles: from
     * the smallest image accepted to the largest cut (or {@link #NATIVE_UNTILED_MAX_SIDE} without
     * tiles), tuned for the largest cut (or the reference size). Batch 1.
     */
    public static InputProfile inputProfile(BundleManifest manifest, int tile) {
        int min = Geometry.of(manifest).minimumSide();
        if (manifest.preprocessing().isNative()) {
            if (tile <= 0) {
                int h = manifest.preprocessing().height();
                int w = manifest.preprocessing().width();
                return new InputProfile(
                        3,
                        min,
                        min,
                        h,
                        w,
                        Math.max(h, NATIVE_UNTILED_MAX_SIDE),
                        Math.max(w, NATIVE_UNTILED_MAX_SIDE),
                        1);
            }
            int side = largestCut(manifest, tile);
            return new InputProfile(3, min, min, side, side, side, side, 1);
        }
        int h = manifest.preprocessing().height();
        int w = manifest.preprocessing().width();
        if (computesWhole(h, w, tile, Geometry.of(manifest))) {
            return InputProfile.fixed(3, h, w);
        }
        FloatImage first = warmUpInput(manifest, tile);
        return new InputProfile(3, Math.min(h, min), Math.min(w, min), first.height(), first.width(), h, w, 1);
    }

    /**
     * A blank input to run a graph once before use: the size of the first cut {@link #run} makes
     * of a resize bundle's input; for a native bundle the largest cut (or the reference size
     * where nothing is tiled).
     */
    public static FloatImage warmUpInput(BundleManifest manifest, int tile) {
        int h = manifest.preprocessing().height();
        int w = manifest.preprocessing().width();
        if (manifest.preprocessing().isNative()) {
            if (tile <= 0) {
                return FloatImage.zeros(3, h, w);
            }
            int side = largestCut(manifest, tile);
            return FloatImage.zeros(3, side, side);
        }
        Geometry geometry = Geometry.of(manifest);
        if (computesWhole(h, w, tile, geometry)) {
            return FloatImage.zeros(3, h, w);
        }
        int[] rows = tileStarts(h, tile, geometry);
        int[] columns = tileStarts(w, tile, geometry);
        int[] cy = cut(0, rows[1], h, geometry, true);
        int[] cx = cut(0, columns[1], w, geometry, true);
        return FloatImage.zeros(3, cy[1] - cy[0], cx[1] - cx[0]);
    }

    /** The longest side {@link #run} cuts with {@code tile}, whatever the image: a tile inside it with its halo. */
    static int largestCut(BundleManifest manifest, int tile) {
        return longestCut(NATIVE_PLAN_SIDE, tile, Geometry.of(manifest));
    }

    /**
     * The longest cut {@link #run} makes along an axis of length {@code n} with {@code tile}, the
     * whole axis where it is one tile: at most the tile with its halo on both sides where the band
     * is filled after the tiles ({@link #tileStarts}); else the longer of a cut along the border
     * (wider for the band) and one inside.
     */
    static int longestCut(int n, int tile, Geometry geometry) {
        if (geometry.fillsBandAfterTiles()) {
            long longest =
                    (long) tile + geometry.halo().before() + geometry.halo().after();
            return (int) Math.min(n, Math.max(longest, geometry.minimumSide()));
        }
        int[] edge = cut(0, Math.min(n, tile), n, geometry, true);
        int[] middle = cut(n / 2, Math.min(n, n / 2 + tile), n, geometry, true);
        return Math.max(edge[1] - edge[0], middle[1] - middle[0]);
    }

    /**
     * The detector graph's anomaly map for {@code input}, computed in tiles of at most
     * {@code tile x tile} map pixels, each cut with its halo; a tile on the image's edge is longer
     * by the halo it has no need of there, and an image one such cut holds is computed whole
     * ({@link #tileStarts}; {@code tile <= 0}: the whole image at once). Only for the anomaly
     * map: tiles put together get their outer band filled as the map's.
     *
     * @param output the graph's anomaly map output
     * @param geometry the detector's {@link Geometry}
     */
    public static FloatImage run(GraphSession session, String output, FloatImage input, int tile, Geometry geometry)
            throws EngineException {
        int h = input.height();
        int w = input.width();
        if (computesWhole(h, w, tile, geometry)) {
            return session.run(input).get(output);
        }
        float[] map = new float[h * w];
        NetworkSpec.Margin band = geometry.band();
        int[] rows = tileStarts(h, tile, geometry);
        int[] columns = tileStarts(w, tile, geometry);
        for (int i = 0; i + 1 < rows.length; i++) {
            int y0 = rows[i];
            int y1 = rows[i + 1];
            boolean rowsInBand = y0 < band.before() || y1 > h - band.after();
            for (int j = 0; j + 1 < columns.length; j++) {
                int x0 = columns[j];
                int x1 = columns[j + 1];
                boolean columnsInBand = x0 < band.before() || x1 > w - band.after();
                int[] cy = cut(y0, y1, h, geometry, columnsInBand);
                int[] cx = cut(x0, x1, w, geometry, rowsInBand);
                FloatImage part = session.run(
                                input.crop(cy[0], cx[0], cy[1] - cy[0], cx[1] - cx[0]),
                                interiorSides(y0, y1, x0, x1, cy, cx, geometry))
                        .get(output);
                if (part.channels() != 1 || part.height() != cy[1] - cy[0] || part.width() != cx[1] - cx[0]) {
                    throw new EngineException("tile output " + part + " does not match its input " + (cy[1] - cy[0])
                            + "x" + (cx[1] - cx[0]));
                }
                for (int y = y0; y < y1; y++) {
                    System.arraycopy(part.data(), (y - cy[0]) * part.width() + (x0 - cx[0]), map, y * w + x0, x1 - x0);
                }
            }
        }
        if (geometry.fillsBandAfterTiles()) {
            ScaleCombination.fillOuterBand(map, h, w, geometry.band(), geometry.rings());
        }
        return new FloatImage(1, h, w, map);
    }

    /**
     * Which sides of the cut {@code cy x cx} for the tile {@code [y0, y1) x [x0, x1)} hold the
     * whole halo beyond the tile, so that a detector graph may compute a scale of a smaller patch
     * on less of them ({@link InteriorSides}). None where the graph fills the band of each cut
     * itself (bundles before the band's rings): its cuts along the border are wider for that.
     */
    static InteriorSides interiorSides(int y0, int y1, int x0, int x1, int[] cy, int[] cx, Geometry geometry) {
        if (!geometry.fillsBandAfterTiles()) {
            return InteriorSides.NONE;
        }
        NetworkSpec.Margin halo = geometry.halo();
        return new InteriorSides(
                y0 - cy[0] >= halo.before(),
                x0 - cx[0] >= halo.before(),
                cy[1] - y1 >= halo.after(),
                cx[1] - x1 >= halo.after());
    }

    /** How many tiles {@link #run} computes a {@code height x width} input in (1: whole). */
    public static int count(int height, int width, int tile, Geometry geometry) {
        if (tile <= 0) {
            return 1;
        }
        // One tile per axis is the image computed whole: 1 either way.
        return (tileStarts(height, tile, geometry).length - 1) * (tileStarts(width, tile, geometry).length - 1);
    }

    /**
     * Whether {@link #run} computes a {@code height x width} input whole: without tiles, or where
     * each axis is one tile ({@link #tileStarts}).
     */
    static boolean computesWhole(int height, int width, int tile, Geometry geometry) {
        return count(height, width, tile, geometry) == 1;
    }

    /**
     * Where the tiles of an axis of length {@code n} begin, and {@code n} after the last: as few
     * tiles as keep every cut within the one of a {@code tile} with its halo on both sides, and
     * the cuts as long as each other. Where the band is filled after the tiles, a tile on the
     * image's edge has no halo beyond that edge and is longer by it: 900 pixels under tiles of
     * 295 with a 16-pixel halo are three tiles of 306, 290 and 304 (cuts of 322, 322, 320), not
     * four of 225, and the cuts, so the memory, stay within the 327 pixels a tile of 295 cuts.
     * Fewer tiles mean fewer halos computed twice. Bundles whose graph fills the band of each cut
     * are cut wider along the border ({@link #cut}): their tiles are all of one length
     * ({@link #evenTile}).
     */
    static int[] tileStarts(int n, int tile, Geometry geometry) {
        if (n <= tile) {
            return new int[] {0, n};
        }
        if (!geometry.fillsBandAfterTiles()) {
            int even = evenTile(n, tile);
            int count = (n + even - 1) / even;
            int[] starts = new int[count + 1];
            for (int i = 0; i < count; i++) {
                starts[i] = i * even;
            }
            starts[count] = n;
            return starts;
        }
        int before = geometry.halo().before();
        int after = geometry.halo().after();
        long longest = (long) tile + before + after;
        if (n <= longest) {
            return new int[] {0, n};
        }
        // k tiles whose cuts are all c long cover k c minus the halos of the k - 1 seams.
        int k = 2;
        long c = ceilDiv(n + (long) (k - 1) * (before + after), k);
        while (c > longest) {
            k++;
            c = ceilDiv(n + (long) (k - 1) * (before + after), k);
        }
        int[] starts = new int[k + 1];
        starts[1] = (int) c - after;
        for (int i = 2; i < k; i++) {
            starts[i] = starts[i - 1] + (int) c - before - after;
        }
        starts[k] = n;
        return starts;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * The side of the tiles an axis of length {@code n} is cut into with tiles of at most
     * {@code tile}, for bundles whose graph fills the band of each cut: as many as {@code tile}
     * needs, all as long as each other (the last one up to a pixel shorter), which keeps the
     * largest cut to the least that number allows.
     */
    static int evenTile(int n, int tile) {
        int count = (n + tile - 1) / tile;
        return (n + count - 1) / count;
    }

    /**
     * The span [from, to) of the image cut for the tile [t0, t1) along an axis of length n: the
     * tile plus the halo, clipped to the image, widened inward to the minimum side if short.
     * Where {@link Geometry#fillsBandAfterTiles} is false the graph fills the band of each cut:
     * a pixel of the outer band takes the maximum over the first-level pixels whose patches
     * contain it, up to {@code band.after()} before and {@code band.before()} after it along both
     * axes, so the span also counts from the farthest of those: along this axis for the tile's
     * own band pixels, and for all of its pixels when {@code otherAxisInBand} says the tile holds
     * band pixels of the other axis (a tile along the left border needs rows above and below its
     * own).
     */
    static int[] cut(int t0, int t1, int n, Geometry geometry, boolean otherAxisInBand) {
        int first = t0;
        int last = t1 - 1;
        if (!geometry.fillsBandAfterTiles()) {
            int b = geometry.band().before();
            int a = geometry.band().after();
            if (otherAxisInBand) {
                first = t0 - a;
                last = t1 - 1 + b;
            } else {
                first = t1 - 1 >= n - a ? Math.max(t0, n - a) - a : t0;
                last = t0 < b ? Math.min(t1, b) - 1 + b : t1 - 1;
            }
            first = Math.min(t0, Math.max(first, b));
            last = Math.max(t1 - 1, Math.min(last, n - 1 - a));
        }
        int from = Math.max(0, first - geometry.halo().before());
        int to = Math.min(n, last + 1 + geometry.halo().after());
        int need = Math.min(n, geometry.minimumSide()) - (to - from);
        if (need > 0) {
            int down = Math.min(need, n - to);
            to += down;
            from -= need - down;
        }
        return new int[] {from, to};
    }
}
