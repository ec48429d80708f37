package dev.stad.runtime.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void theHistogramIsCumulativeAndCountsEveryScoredRequest() {
        Metrics m = new Metrics();
        double[] seconds = {0.004, 0.02, 0.02, 0.3, 7, 45};
        for (double s : seconds) {
            m.scored(1, false, s, s / 2);
        }
        String text = m.prometheus(Map.of());
        assertEquals(1, sample(text, "stad_score_request_seconds_bucket{le=\"0.005\"}"));
        assertEquals(1, sample(text, "stad_score_request_seconds_bucket{le=\"0.01\"}"));
        assertEquals(3, sample(text, "stad_score_request_seconds_bucket{le=\"0.025\"}"));
        assertEquals(4, sample(text, "stad_score_request_seconds_bucket{le=\"0.5\"}"));
        assertEquals(5, sample(text, "stad_score_request_seconds_bucket{le=\"10\"}"));
        assertEquals(5, sample(text, "stad_score_request_seconds_bucket{le=\"30\"}"));
        assertEquals(6, sample(text, "stad_score_request_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(6, sample(text, "stad_score_request_seconds_count"));
        assertEquals(52.344, sample(text, "stad_score_request_seconds_sum"), 1e-9);
        assertEquals(52.344 / 2 / 6, m.meanDetectorSeconds(), 1e-12);
    }

    @Test
    void recentScoresAreTheLastThousandWithTheirMeanAndNearestRankP99() {
        Metrics m = new Metrics();
        for (int i = 0; i < 1500; i++) {
            m.scored(i, i % 4 == 0, 0.01, 0.01);
        }
        String text = m.prometheus(Map.of());
        // The window holds 500..1499: mean 999.5; the 990th of 1000 sorted values is 1489.
        assertEquals(1000, sample(text, "stad_recent_scores"));
        assertEquals(999.5, sample(text, "stad_recent_score_mean"), 1e-9);
        assertEquals(1489, sample(text, "stad_recent_score_p99"));
        assertEquals(1500, sample(text, "stad_images_scored_total"));
        assertEquals(375, sample(text, "stad_images_anomalous_total"));
        assertEquals(0.25, sample(text, "stad_anomalous_ratio"), 1e-12);
    }

    @Test
    void requestsAreCountedByEndpointStatusAndOutcomeAndGaugesAppended() {
        Metrics m = new Metrics();
        m.request("/v1/score", 200, "ok");
        m.request("/v1/score", 200, "ok");
        m.request("/v1/score", 503, "queue_full");
        Map<String, Double> gauges = new LinkedHashMap<>();
        gauges.put("stad_ready", 1.0);
        String text = m.prometheus(gauges);
        assertEquals(2, sample(text, "stad_requests_total{endpoint=\"/v1/score\",status=\"200\",outcome=\"ok\"}"));
        assertEquals(
                1, sample(text, "stad_requests_total{endpoint=\"/v1/score\",status=\"503\",outcome=\"queue_full\"}"));
        assertEquals(1, sample(text, "stad_ready"));
        assertTrue(text.contains("# TYPE stad_score_request_seconds histogram"), text);
        // Before any image, the window's statistics are NaN, as Prometheus writes it.
        assertTrue(new Metrics().prometheus(Map.of()).contains("stad_recent_score_mean NaN"));
    }

    private static double sample(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no sample " + name + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
