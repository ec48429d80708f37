package dev.stad.runtime.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ScoreStatisticsTest {
    @Test
    void statisticsWithoutAWeightScoreEPlusVAsBundlesBeforeItDid() throws Exception {
        ScoreStatistics s = new ObjectMapper()
                .readValue("{\"eMean\": 2, \"eStd\": 4, \"vMean\": 1, \"vStd\": 0.5}", ScoreStatistics.class);
        assertEquals(1.0, s.vWeight());
        assertEquals(0.0, s.cWeight(), "bundles before the calm term have none");
        assertEquals((10 - 2) / 4f + (3 - 1) / 0.5f, s.score(10, 3), 1e-6f);
    }

    @Test
    void weightZeroScoresTheErrorAloneAndWeightsInBetweenScaleTheUncertainty() {
        ScoreStatistics e = new ScoreStatistics(2, 4, 1, 0.5).withVWeight(0);
        assertEquals(2f, e.score(10, 3), 1e-6f);
        assertEquals(2f, e.score(10, 300), 1e-6f);
        assertEquals(
                2f + 0.5f * 4f,
                new ScoreStatistics(2, 4, 1, 0.5).withVWeight(0.5).score(10, 3),
                1e-6f);
        assertThrows(IllegalArgumentException.class, () -> new ScoreStatistics(2, 4, 1, 0.5).withVWeight(-1));
    }

    @Test
    void theCalmTermAddsItsStandardisedValueTimesItsWeight() {
        ScoreStatistics s = new ScoreStatistics(2, 4, 1, 0.5).withVWeight(0).withCalm(0.5, 0.25, 2);
        assertEquals(2f + 2 * (1.5f - 0.5f) / 0.25f, s.score(10, 3, 1.5f), 1e-5f);
        assertEquals(2f, s.withCalm(0.5, 0.25, 0).score(10, 3, 1.5f), 1e-6f, "weight 0 ignores c");
        assertThrows(IllegalArgumentException.class, () -> s.withCalm(0.5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> s.withCalm(0.5, 1, -1));
        // Weights set together keep every measured mean and deviation.
        assertEquals(s.withVWeight(0.5).withCalm(0.5, 0.25, 1), s.withWeights(0.5, 1));
    }
}
