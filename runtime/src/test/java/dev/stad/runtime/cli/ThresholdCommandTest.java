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
}
