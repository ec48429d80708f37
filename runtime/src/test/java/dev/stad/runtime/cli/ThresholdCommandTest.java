package dev.stad.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ThresholdCommandTest {

    @Test
    void rejectsAtMostTheAskedShareAboveTheThreshold() {
        double[] scores =
                IntStream.rangeClosed(1, 100).mapToDouble(i -> 101 - i).toArray();
        double t = ThresholdCommand.threshold(scores, 0.05);
        assertEquals(95, t);
        assertEquals(5, ThresholdCommand.above(scores, t), "96 to 100 are rejected");
        assertEquals(1, ThresholdCommand.above(scores, ThresholdCommand.threshold(scores, 0.01)));
        assertEquals(3, ThresholdCommand.above(scores, ThresholdCommand.threshold(scores, 0.039)), "3.9 rounds down");
    }

    @Test
    void tooFewImagesForTheRateGiveTheirMaximumAndTiesPass() {
        double[] few = {0.4, 1.7, 0.9};
        assertEquals(1.7, ThresholdCommand.threshold(few, 0.01));
        assertEquals(0, ThresholdCommand.above(few, 1.7));
        double[] ties = {1, 2, 2, 2};
        assertEquals(2, ThresholdCommand.threshold(ties, 0.25));
        assertEquals(0, ThresholdCommand.above(ties, 2), "an image at the threshold passes, as in score");
        assertThrows(IllegalArgumentException.class, () -> ThresholdCommand.threshold(new double[0], 0.1));
    }

    @Test
    void aRateTypedInDecimalsCountsTheImageItNames() {
        // 1/30 typed as 0.03333: 30 images count one rejection, as 10 do at 0.1 and 3 at 1/3.
        assertEquals(1, ThresholdCommand.allowed(30, 0.03333));
        assertEquals(1, ThresholdCommand.allowed(10, 0.1));
        assertEquals(1, ThresholdCommand.allowed(3, 1.0 / 3));
        assertEquals(0, ThresholdCommand.allowed(29, 0.03333));
        assertEquals(0, ThresholdCommand.allowed(99, 0.01));
        double[] scores = IntStream.rangeClosed(1, 30).mapToDouble(i -> i).toArray();
        assertEquals(29, ThresholdCommand.threshold(scores, 0.03333));
    }
}
