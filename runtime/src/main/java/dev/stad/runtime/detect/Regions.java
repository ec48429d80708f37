package dev.stad.runtime.detect;

import dev.stad.runtime.image.FloatImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Connected components of a thresholded anomaly map. */
public final class Regions {
    private Regions() {}

    /**
     * A labelling: {@code labels[y * width + x]} is 0 outside every region, else the region's
     * index in {@code regions} plus one (regions in the order their first pixel appears, row by row).
     */
    public record Labels(int[] labels, List<Region> regions) {}

    /**
     * The 8-connected regions of pixels strictly above {@code threshold} in a one-channel map,
     * highest peak first. NaN pixels are never above a threshold.
     */
    public static List<Region> find(FloatImage map, double threshold) {
        List<Region> out = new ArrayList<>(label(map, threshold).regions());
        out.sort(Comparator.comparingDouble((Region r) -> -r.peak())
                .thenComparingInt(Region::y)
                .thenComparingInt(Region::x));
        return out;
    }

    /** Labels the 8-connected regions of pixels strictly above {@code threshold}. */
    public static Labels label(FloatImage map, double threshold) {
        if (map.channels() != 1) {
            throw new IllegalArgumentException("expected a one-channel map, found " + map.channels() + " channels");
        }
        int h = map.height();
        int w = map.width();
        float[] v = map.data();
        int[] labels = new int[v.length];
        int[] stack = new int[v.length];
        List<Region> out = new ArrayList<>();
        for (int start = 0; start < v.length; start++) {
            if (labels[start] != 0 || !(v[start] > threshold)) {
                continue;
            }
            int id = out.size() + 1;
            int top = 0;
            stack[top++] = start;
            labels[start] = id;
            int minX = w;
            int minY = h;
            int maxX = -1;
            int maxY = -1;
            int area = 0;
            int peakAt = start;
            while (top > 0) {
                int p = stack[--top];
                int py = p / w;
                int px = p % w;
                area++;
                minX = Math.min(minX, px);
                maxX = Math.max(maxX, px);
                minY = Math.min(minY, py);
                maxY = Math.max(maxY, py);
                if (v[p] > v[peakAt] || (v[p] == v[peakAt] && p < peakAt)) {
                    peakAt = p;
                }
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = py + dy;
                    if (ny < 0 || ny >= h) {
                        continue;
                    }
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = px + dx;
                        int q = ny * w + nx;
                        if (nx < 0 || nx >= w || labels[q] != 0 || !(v[q] > threshold)) {
                            continue;
                        }
                        labels[q] = id;
                        stack[top++] = q;
                    }
                }
            }
            out.add(new Region(minX, minY, maxX - minX + 1, maxY - minY + 1, area, v[peakAt], peakAt % w, peakAt / w));
        }
        return new Labels(labels, List.copyOf(out));
    }
}
