package dev.stad.bench.accuracy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects map values by their distance to the nearest image border, in bands whose lower edges
 * are given; the last band reaches the centre. Used on good images, where a calibrated map has
 * the same level everywhere.
 */
final class DepthProfile {
    private final int[] edges;
    private final List<float[]> chunks = new ArrayList<>();
    private final List<int[]> bandsOfChunks = new ArrayList<>();

    DepthProfile(int[] edges) {
        if (edges.length == 0 || edges[0] != 0) {
            throw new IllegalArgumentException("band edges must start at 0, found " + Arrays.toString(edges));
        }
        this.edges = edges.clone();
    }

    void add(float[] map, int width, int height) {
        if (map.length != width * height) {
            throw new IllegalArgumentException("map has " + map.length + " values, expected " + width + "x" + height);
        }
        int[] band = new int[map.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int depth = Math.min(Math.min(x, width - 1 - x), Math.min(y, height - 1 - y));
                int b = edges.length - 1;
                while (depth < edges[b]) {
                    b--;
                }
                band[y * width + x] = b;
            }
        }
        chunks.add(map.clone());
        bandsOfChunks.add(band);
    }

    List<AccuracyCommand.DepthBand> bands() {
        List<AccuracyCommand.DepthBand> out = new ArrayList<>();
        for (int b = 0; b < edges.length; b++) {
            int count = 0;
            for (int[] band : bandsOfChunks) {
                for (int v : band) {
                    count += v == b ? 1 : 0;
                }
            }
            if (count == 0) {
                continue;
            }
            float[] values = new float[count];
            int k = 0;
            double sum = 0;
            for (int c = 0; c < chunks.size(); c++) {
                float[] map = chunks.get(c);
                int[] band = bandsOfChunks.get(c);
                for (int i = 0; i < map.length; i++) {
                    if (band[i] == b) {
                        values[k++] = map[i];
                        sum += map[i];
                    }
                }
            }
            Arrays.sort(values);
            double p999 = values[(int) Math.min(count - 1, Math.floor(0.999 * (count - 1) + 0.5))];
            int to = b + 1 < edges.length ? edges[b + 1] : -1;
            out.add(new AccuracyCommand.DepthBand(edges[b], to, count, sum / count, p999));
        }
        return out;
    }
}
