package dev.stad.runtime.serve;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@code GET /metrics} reports, in Prometheus' text format: requests by endpoint, status and
 * outcome, the latency of scored requests as a histogram, images scored and the share found
 * anomalous, and the mean and 99th percentile of the last {@link #WINDOW} scores, so that good
 * parts drifting towards the threshold (light, camera, material) show before they are rejected.
 * Thread-safe; recording is a few atomic additions.
 */
public final class Metrics {
    /** Scores the rolling mean and percentile are taken over. */
    public static final int WINDOW = 1000;
    /** Upper bounds, in seconds, of the latency histogram's buckets (then +Inf). */
    static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final AtomicLongArray latencyCounts = new AtomicLongArray(LATENCY_BUCKETS.length + 1);
    private final DoubleAdder latencySum = new DoubleAdder();
    private final DoubleAdder detectorSum = new DoubleAdder();
    private final LongAdder scored = new LongAdder();
    private final LongAdder anomalous = new LongAdder();
    private final double[] recent = new double[WINDOW];
    private final AtomicLong recentCount = new AtomicLong();

    /** One finished request: {@code outcome} is a word (ok, queue_full, too_large, ...). */
    public void request(String endpoint, int status, String outcome) {
        requests.computeIfAbsent(endpoint + '\u0000' + status + '\u0000' + outcome, k -> new LongAdder())
                .increment();
    }

    /** One image scored, with the whole request's time and the detector's share of it. */
    public void scored(double score, boolean isAnomalous, double seconds, double detectorSeconds) {
        scored.increment();
        detectorSum.add(detectorSeconds);
        if (isAnomalous) {
            anomalous.increment();
        }
        int b = 0;
        while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]) {
            b++;
        }
        latencyCounts.incrementAndGet(b);
        latencySum.add(seconds);
        synchronized (recent) {
            recent[(int) (recentCount.getAndIncrement() % WINDOW)] = score;
        }
    }

    /** Mean time the detector took per image, in seconds; NaN before the first. */
    public double meanDetectorSeconds() {
        long n = scored.sum();
        return n == 0 ? Double.NaN : detectorSum.sum() / n;
    }

    /** Images scored so far. */
    public long imagesScored() {
        return scored.sum();
    }

    /**
     * The text {@code /metrics} returns; {@code gauges} are added as they are (queue depth,
     * readiness), each a name and a value.
     */
    public String prometheus(Map<String, Double> gauges) {
        StringBuilder s = new StringBuilder();
        s.append("# HELP stad_requests_total HTTP requests answered, by endpoint, status and outcome.\n");
        s.append("# TYPE stad_requests_total counter\n");
        Map<String, LongAdder> sorted = new TreeMap<>(requests);
        for (Map.Entry<String, LongAdder> e : sorted.entrySet()) {
            String[] k = e.getKey().split("\u0000", -1);
            s.append(String.format(
                    Locale.ROOT,
                    "stad_requests_total{endpoint=\"%s\",status=\"%s\",outcome=\"%s\"} %d%n",
                    label(k[0]),
                    k[1],
                    label(k[2]),
                    e.getValue().sum()));
        }
        s.append("# HELP stad_score_request_seconds Time of a scored request (200 only), from its headers to its"
                + " answer ready to send.\n");
        s.append("# TYPE stad_score_request_seconds histogram\n");
        long cumulative = 0;
        for (int b = 0; b <= LATENCY_BUCKETS.length; b++) {
            cumulative += latencyCounts.get(b);
            String le = b < LATENCY_BUCKETS.length ? number(LATENCY_BUCKETS[b]) : "+Inf";
            s.append("stad_score_request_seconds_bucket{le=\"")
                    .append(le)
                    .append("\"} ")
                    .append(cumulative)
                    .append('\n');
        }
        s.append("stad_score_request_seconds_sum ")
                .append(number(latencySum.sum()))
                .append('\n');
        s.append("stad_score_request_seconds_count ").append(cumulative).append('\n');
        long n = scored.sum();
        long bad = anomalous.sum();
        counter(s, "stad_images_scored_total", "Images scored.", n);
        counter(s, "stad_images_anomalous_total", "Images scored above the threshold.", bad);
        gauge(s, "stad_anomalous_ratio", "Share of scored images found anomalous.", n == 0 ? 0 : (double) bad / n);
        double[] window = recentScores();
        gauge(s, "stad_recent_scores", "Scores in the rolling window (at most " + WINDOW + ").", window.length);
        gauge(s, "stad_recent_score_mean", "Mean of the recent scores.", mean(window));
        gauge(s, "stad_recent_score_p99", "99th percentile of the recent scores.", percentile(window, 0.99));
        for (Map.Entry<String, Double> g : gauges.entrySet()) {
            gauge(s, g.getKey(), null, g.getValue());
        }
        return s.toString();
    }

    /** The last {@link #WINDOW} scores, oldest order not kept. */
    double[] recentScores() {
        synchronized (recent) {
            int n = (int) Math.min(WINDOW, recentCount.get());
            return Arrays.copyOf(recent, n);
        }
    }

    static double mean(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    /** The nearest-rank percentile (the smallest value with at least {@code q} of them at or below it). */
    static double percentile(double[] v, double q) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static void counter(StringBuilder s, String name, String help, long value) {
        s.append("# HELP ").append(name).append(' ').append(help).append('\n');
        s.append("# TYPE ").append(name).append(" counter\n");
        s.append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder s, String name, String help, double value) {
        if (help != null) {
            s.append("# HELP ").append(name).append(' ').append(help).append('\n');
        }
        s.append("# TYPE ").append(name).append(" gauge\n");
        s.append(name).append(' ').append(number(value)).append('\n');
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
