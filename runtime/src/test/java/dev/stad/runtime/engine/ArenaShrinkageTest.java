package dev.stad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArenaShrinkageTest {
    private static List<Boolean> runs(long... pixels) {
        ArenaShrinkage s = new ArenaShrinkage();
        List<Boolean> out = new ArrayList<>();
        for (long p : pixels) {
            out.add(s.shrinksAfter(p));
        }
        return out;
    }

    @Test
    void runsOfOneSizeNeverShrink() {
        assertEquals(List.of(false, false, false), runs(128 * 128, 128 * 128, 128 * 128));
    }

    @Test
    void theTilesOfOneImageNeverShrink() {
        // 900x900 in tiles of 240 with a halo: corner, edge and inner tiles of 280, 320 and 360 px.
        assertEquals(
                List.of(false, false, false, false, false),
                runs(280 * 280, 280 * 320, 320 * 360, 360 * 360, 280 * 280));
    }

    @Test
    void theFirstSmallInputAfterALargeOneShrinksOnce() {
        assertEquals(
                List.of(false, false, true, false, false), runs(256 * 256, 900 * 900, 256 * 256, 256 * 256, 200 * 256));
    }

    @Test
    void theLargestSinceTheLastShrinkIsTheReference() {
        // After shrinking at 400 the next shrink needs 200 or fewer, not half of the 1000 before.
        assertEquals(List.of(false, true, false, true), runs(1000, 400, 201, 200));
    }
}
