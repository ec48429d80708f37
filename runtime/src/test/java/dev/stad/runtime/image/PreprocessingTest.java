package dev.stad.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PreprocessingTest {

    @Test
    void greyIsReplicatedAndEachChannelNormalised() {
        Preprocessing pre = new Preprocessing(2, 1, new float[] {0.5f, 0.25f, 0f}, new float[] {0.5f, 0.25f, 1f});
        FloatImage grey = new FloatImage(1, 1, 2, new float[] {0f, 1f});
        FloatImage out = pre.apply(grey);
        assertEquals(3, out.channels());
        assertArrayEquals(new float[] {-1f, 1f, -1f, 3f, 0f, 1f}, out.data(), 1e-6f);
    }

    @Test
    void imagesAreResizedToTheInputSize() {
        Preprocessing pre = Preprocessing.imagenet(4, 3);
        FloatImage out = pre.apply(new FloatImage(3, 10, 10, new float[300]));
        assertEquals(3, out.height());
        assertEquals(4, out.width());
    }

    @Test
    void nativeModeKeepsEachImagesSizeOrScalesItByTheFixedFactor() {
        Preprocessing pre = Preprocessing.imagenet(4, 3).asNative(1.0);
        FloatImage in = new FloatImage(3, 10, 7, new float[210]);
        FloatImage out = pre.apply(in);
        assertEquals(10, out.height());
        assertEquals(7, out.width());
        assertArrayEquals(Preprocessing.imagenet(7, 10).apply(in).data(), out.data(), 0f, "no resize at scale 1");
        FloatImage half = Preprocessing.imagenet(4, 3).asNative(0.5).apply(in);
        assertEquals(5, half.height());
        assertEquals(4, half.width(), "7 x 0.5 rounds to 4");
        assertArrayEquals(
                new int[] {5, 4}, Preprocessing.imagenet(4, 3).asNative(0.5).inputSize(10, 7));
        assertArrayEquals(new int[] {3, 4}, Preprocessing.imagenet(4, 3).inputSize(10, 7));
    }

    @Test
    void theModeAndScaleSurviveJsonAndOldManifestsReadAsResize() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Preprocessing pre = Preprocessing.imagenet(64, 48).asNative(0.5);
        String text = json.writeValueAsString(pre);
        assertTrue(text.contains("\"mode\":\"native\"") && text.contains("\"scale\":0.5"), text);
        assertEquals(pre, json.readValue(text, Preprocessing.class));
        String resize = json.writeValueAsString(Preprocessing.imagenet(8, 6));
        assertTrue(
                !resize.contains("mode") && !resize.contains("scale"),
                "a resize manifest or run file is written as before the fields existed: " + resize);
        Preprocessing old = json.readValue("{\"width\": 8, \"height\": 6}", Preprocessing.class);
        assertEquals(InputMode.RESIZE, old.mode());
        assertEquals(1.0, old.scale());
    }

    @Test
    void aScaleOutsideNativeModeOrOutsideTheUnitIntervalIsRejected() {
        float[] m = Preprocessing.IMAGENET_MEAN;
        float[] s = Preprocessing.IMAGENET_STD;
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(4, 4, m, s, InputMode.RESIZE, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(4, 4, m, s, InputMode.NATIVE, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(4, 4, m, s, InputMode.NATIVE, 2.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputMode.parse("nativ"));
        assertTrue(e.getMessage().contains("native"), e.getMessage());
    }

    @Test
    void nonPositiveStdIsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Preprocessing(4, 4, new float[] {0, 0, 0}, new float[] {1, 0, 1}));
    }

    @Test
    void flipMirrorsEachAxisOnItsOwn() {
        // 2 channels x 2 rows x 3 columns, values numbered in memory order.
        FloatImage img = new FloatImage(2, 2, 3, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        assertArrayEquals(
                new float[] {2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9},
                img.flip(true, false).data(),
                0f);
        assertArrayEquals(
                new float[] {3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8},
                img.flip(false, true).data(),
                0f);
        assertArrayEquals(
                new float[] {5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6},
                img.flip(true, true).data(),
                0f);
        assertEquals(img, img.flip(false, false));
    }
}
