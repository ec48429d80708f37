package dev.stad.checkpoint.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.score.ScoreStatistics;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorAndUncertaintyTest {

    @Test
    void handComputedTwoChannelExample() {
        // One pixel, D = 2. Students (1, 2) and (3, 0): mu = (2, 1).
        // Teacher (0, 1): e = (2-0)^2 + (1-1)^2 = 4.
        // v = mean ||S_i - mu||^2 = (||(-1, 1)||^2 + ||(1, -1)||^2) / 2 = 2.
        FloatImage t = new FloatImage(2, 1, 1, new float[] {0, 1});
        FloatImage s1 = new FloatImage(2, 1, 1, new float[] {1, 2});
        FloatImage s2 = new FloatImage(2, 1, 1, new float[] {3, 0});
        ErrorAndUncertainty ev = ErrorAndUncertainty.compute(t, List.of(s1, s2));
        assertEquals(4f, ev.e()[0], 1e-6f);
        assertEquals(2f, ev.v()[0], 1e-6f);
    }

    @Test
    void withoutStudentsEIsTheSquaredDistanceFromTheNormalisedMeanAndVAddsNothing() {
        // Two pixels, D = 2: (3, -4) and (1, 0).
        FloatImage t = new FloatImage(2, 1, 2, new float[] {3, 1, -4, 0});
        ErrorAndUncertainty ev = ErrorAndUncertainty.compute(t, List.of());
        assertEquals(25f, ev.e()[0], 1e-6f);
        assertEquals(1f, ev.e()[1], 1e-6f);
        assertEquals(0f, ev.v()[0]);
        assertEquals(0f, ev.v()[1]);

        ScoreStatistics st = ErrorAndUncertainty.statistics(List.of(ev));
        assertEquals(13, st.eMean(), 1e-9);
        assertEquals(12, st.eStd(), 1e-9);
        assertEquals(0, st.vWeight(), "no ensemble, no v");
        assertEquals((25 - 13) / 12.0, ev.scores(st).data()[0], 1e-6);
    }

    @Test
    void anEnsembleWhoseVDoesNotVaryIsRefused() {
        // v constant but not 0: students that disagree by the same amount everywhere.
        ErrorAndUncertainty ev = new ErrorAndUncertainty(1, 2, new float[] {1, 3}, new float[] {2, 2});
        assertThrows(IllegalArgumentException.class, () -> ErrorAndUncertainty.statistics(List.of(ev)));
    }

    @Test
    void varianceKeepsItsDigitsWhereTheTwoTermFormulaCancels() {
        // Students far from the origin and close to each other: mean ||S||^2 - ||mu||^2 would
        // subtract two numbers near 2e8 in float and lose the 2e-4 difference entirely.
        float big = 1e4f;
        FloatImage t = new FloatImage(2, 1, 1, new float[] {big, big});
        FloatImage s1 = new FloatImage(2, 1, 1, new float[] {big + 0.01f, big});
        FloatImage s2 = new FloatImage(2, 1, 1, new float[] {big - 0.01f, big});
        ErrorAndUncertainty ev = ErrorAndUncertainty.compute(t, List.of(s1, s2));
        double d = (s1.data()[0] - s2.data()[0]) / 2.0; // each student's deviation, as stored in float
        assertEquals(d * d, ev.v()[0], 1e-9);
        // The two-term formula evaluated in float, for contrast: nothing of the 1e-4 survives.
        float x1 = s1.data()[0];
        float x2 = s2.data()[0];
        float mu = (x1 + x2) / 2f;
        float meanSquare = (x1 * x1 + big * big + x2 * x2 + big * big) / 2f;
        float cancelled = meanSquare - (mu * mu + big * big);
        assertTrue(Math.abs(cancelled - d * d) > 0.5 * d * d, "two-term formula in float gave " + cancelled);
    }

    @Test
    void scoreNormalisesBothTerms() {
        ScoreStatistics s = new ScoreStatistics(4, 2, 1, 0.5);
        assertEquals((10 - 4) / 2.0 + (2 - 1) / 0.5, s.score(10, 2), 1e-6);
    }

    @Test
    void calmTermStatisticsAreMeasuredWhereEveryMapHasItAndAWeighedCalmTermNeedsIt() {
        ErrorAndUncertainty a =
                new ErrorAndUncertainty(1, 2, new float[] {1, 3}, new float[] {1, 2}, new float[] {0, 2});
        ErrorAndUncertainty b =
                new ErrorAndUncertainty(1, 2, new float[] {2, 2}, new float[] {2, 1}, new float[] {0, 0});
        ScoreStatistics st = ErrorAndUncertainty.statistics(List.of(a, b));
        assertEquals(0.5, st.cMean(), 1e-12);
        assertEquals(Math.sqrt(0.75), st.cStd(), 1e-12);
        assertEquals(0.0, st.cWeight(), "the weight is the caller's");
        ScoreStatistics weighed = st.withVWeight(0).withCalm(st.cMean(), st.cStd(), 1);
        assertEquals(
                (3 - 2) / st.eStd() + (2 - 0.5) / st.cStd(), a.scores(weighed).data()[1], 1e-5);

        ErrorAndUncertainty without = new ErrorAndUncertainty(1, 2, new float[] {1, 3}, new float[] {1, 2});
        assertEquals(1.0, ErrorAndUncertainty.statistics(List.of(a, without)).cStd(), "not measured: the default");
        assertThrows(IllegalArgumentException.class, () -> without.scores(weighed));
    }

    @Test
    void distanceTermStatisticsAreMeasuredWhereEveryMapHasItAndAWeighedDistanceTermNeedsIt() {
        ErrorAndUncertainty a = new ErrorAndUncertainty(
                1, 2, new float[] {1, 3}, new float[] {1, 2}, new float[] {0, 2}, new float[] {10, 30});
        ErrorAndUncertainty b = new ErrorAndUncertainty(
                1, 2, new float[] {2, 2}, new float[] {2, 1}, new float[] {0, 0}, new float[] {20, 20});
        ScoreStatistics st = ErrorAndUncertainty.statistics(List.of(a, b));
        assertEquals(20, st.dMean(), 1e-12);
        assertEquals(Math.sqrt(50), st.dStd(), 1e-12);
        assertEquals(0.0, st.dWeight(), "the weight is the caller's");
        ScoreStatistics weighed = st.withWeights(0, 0, 1);
        assertTrue(weighed.hasDistanceTerm() && !weighed.hasCalmTerm());
        // e alone plus d: (3 - 2)/eStd + (30 - 20)/dStd at the second pixel of a.
        assertEquals(
                (3 - 2) / st.eStd() + (30 - 20) / st.dStd(), a.scores(weighed).data()[1], 1e-5);

        ErrorAndUncertainty without = new ErrorAndUncertainty(1, 2, new float[] {1, 3}, new float[] {1, 2});
        assertEquals(1.0, ErrorAndUncertainty.statistics(List.of(a, without)).dStd(), "not measured: the default");
        assertThrows(IllegalArgumentException.class, () -> without.scores(weighed));
    }

    @Test
    void normalisationSubtractsMeanAndDividesStdPerChannel() {
        DescriptorNormalization n = new DescriptorNormalization(new float[] {1, -1}, new float[] {2, 4});
        FloatImage out = n.normalize(new FloatImage(2, 1, 2, new float[] {1, 3, -1, 7}));
        assertEquals(0f, out.data()[0]);
        assertEquals(1f, out.data()[1]);
        assertEquals(0f, out.data()[2]);
        assertEquals(2f, out.data()[3]);
    }

    @Test
    void deadChannelsAreRejected() {
        assertThrows(
                IllegalArgumentException.class, () -> new DescriptorNormalization(new float[] {0}, new float[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new ScoreStatistics(1, 0, 1, 1));
    }
}
