package dev.stad.checkpoint.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.runtime.spec.Layer;
import dev.stad.runtime.spec.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkSpecTest {

    @Test
    void receptiveFieldsOfTheDesignArchitecturesAre17And32And60() {
        assertEquals(17, Architectures.P17.receptiveField());
        assertEquals(32, Architectures.P33.receptiveField());
        assertEquals(60, Architectures.P65.receptiveField());
    }

    @Test
    void studentsOfAPresetUnderAnotherTeacherSeeItsPatchAndGiveItsDescriptorLength() {
        // A strided stem (a VGG or Inception-like start) seeing 19 pixels and giving 192 channels.
        NetworkSpec stem = new NetworkSpec(
                "stem",
                List.of(
                        Layer.conv(32, 3, 2, Layer.Activation.RELU, 0f),
                        Layer.conv(32, 3, 1, Layer.Activation.RELU, 0f),
                        Layer.maxPool(3, 2),
                        Layer.conv(192, 3)));
        assertEquals(19, stem.receptiveField());
        NetworkSpec students = Architectures.studentsFor("p17", stem);
        // p17 with its first conv widened by two (8 pixels instead of 6) and the stem's 192 channels out.
        assertEquals(
                List.of(Layer.conv(128, 8), Layer.conv(256, 5), Layer.conv(256, 5), Layer.conv(192, 4)),
                students.layers());
        assertEquals("stem", students.name());
        assertEquals(stem.receptiveField(), students.receptiveField());
        assertEquals(stem.margin(), students.margin());
        assertEquals(192, students.descriptorDim());

        NetworkSpec narrow = new NetworkSpec("narrow", List.of(Layer.conv(64, 9), Layer.conv(64, 7)));
        assertEquals(15, narrow.receptiveField());
        assertEquals(4, Architectures.studentsFor("p17", narrow).layers().get(0).kernel());
        assertEquals(15, Architectures.studentsFor("p17", narrow).receptiveField());

        IllegalArgumentException tooSmall =
                assertThrows(IllegalArgumentException.class, () -> Architectures.studentsFor("p33", stem));
        assertTrue(
                tooSmall.getMessage()
                        .contains("students of p33 see 32-pixel patches; the teacher of scale stem only 19:"
                                + " narrowing p33's first convolution (kernel 5) fits teachers of 28 pixels or more"),
                tooSmall.getMessage());
    }

    @Test
    void studentsOfAnotherPatchOrDescriptorLengthAreRefusedByName() {
        NetworkSpec teacher = new NetworkSpec("t", List.of(Layer.conv(16, 3), Layer.conv(16, 3)));
        IllegalArgumentException patch = assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("t", List.of(Layer.conv(16, 3), Layer.conv(16, 5))).requireStudentOf(teacher));
        assertTrue(patch.getMessage().contains("see 7-pixel patches, the teacher of scale t 5"), patch.getMessage());
        IllegalArgumentException length = assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("t", List.of(Layer.conv(16, 4), Layer.conv(8, 2))).requireStudentOf(teacher));
        assertTrue(length.getMessage().contains("yield 8 channels, the teacher of scale t 16"), length.getMessage());
        IllegalArgumentException name = assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("u", List.of(Layer.conv(32, 4), Layer.conv(16, 2))).requireStudentOf(teacher));
        assertTrue(
                name.getMessage().contains("students named u reading 3 channels belong to scale t"), name.getMessage());
        new NetworkSpec("t", List.of(Layer.conv(32, 4), Layer.conv(16, 2))).requireStudentOf(teacher);
    }

    @Test
    void marginCentresTheReceptiveField() {
        assertEquals(new NetworkSpec.Margin(8, 8), Architectures.P17.margin());
        assertEquals(new NetworkSpec.Margin(15, 16), Architectures.P33.margin());
        assertEquals(new NetworkSpec.Margin(29, 30), Architectures.P65.margin());
    }

    @Test
    void denseDilationsAreTheProductsOfEarlierStrides() {
        NetworkSpec p65 = Architectures.P65;
        int[] expected = {1, 1, 2, 2, 4, 4, 8, 8};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], p65.denseDilation(i), "layer " + i);
        }
        assertEquals(8, p65.totalStride());
    }

    @Test
    void macsPerPixelMatchTheCostModel() {
        // The cost model's figures: about 3.0 M, 1.6 M and 2.3 M.
        assertEquals(3.0e6, Architectures.P17.denseMacsPerPixel(), 0.05e6);
        assertEquals(1.6e6, Architectures.P33.denseMacsPerPixel(), 0.05e6);
        assertEquals(2.3e6, Architectures.P65.denseMacsPerPixel(), 0.05e6);
    }

    @Test
    void inChannelsFollowTheLastConvBeforeTheLayer() {
        NetworkSpec p33 = Architectures.P33;
        assertEquals(3, p33.inChannels(0));
        assertEquals(128, p33.inChannels(1));
        assertEquals(128, p33.inChannels(2));
        assertEquals(256, p33.inChannels(4));
        assertEquals(128, p33.descriptorDim());
    }

    @Test
    void specsRoundTripThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (NetworkSpec spec : List.of(Architectures.P17, Architectures.P33, Architectures.P65)) {
            String text = json.writeValueAsString(spec);
            assertEquals(spec, json.readValue(text, NetworkSpec.class), text);
        }
    }

    @Test
    void layerJsonFillsDefaultStrides() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Layer pool = json.readValue("{\"type\":\"maxpool\",\"kernel\":2}", Layer.class);
        assertEquals(Layer.maxPool(2, 2), pool);
        Layer conv = json.readValue("{\"type\":\"conv\",\"out\":16,\"kernel\":3}", Layer.class);
        assertEquals(Layer.conv(16, 3), conv);
    }

    @Test
    void invalidLayersAreRejectedWithTheReason() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("bad", List.of(Layer.conv(8, 3, 2, Layer.Activation.RELU, 0f))));
        assertTrue(e.getMessage().contains("takes no activation"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Layer.conv(8, 3, 1, Layer.Activation.RELU, 0.1f));
        assertTrue(e.getMessage().contains("\"slope\" belongs to a \"leaky\" activation"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new Layer(Layer.Type.AVGPOOL, 0, 2, 2, Layer.Activation.RELU, 0f));
        assertTrue(e.getMessage().contains("avgpool layer has no activation"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("bad", List.of(Layer.conv(8, 3), Layer.maxPool(2, 2))));
        assertTrue(e.getMessage().contains("last layer must be a conv"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Architectures.named("p99"));
        assertTrue(e.getMessage().contains("p17"), e.getMessage());
    }

    @Test
    void importedLayersKeepTheirStrideAndActivationAndOldSpecsReadAsBefore() throws Exception {
        ObjectMapper json = new ObjectMapper();
        // A VGG-like stem: strided conv with ReLU, average pool, leaky conv, plain last conv.
        NetworkSpec s = new NetworkSpec(
                "stem",
                List.of(
                        Layer.conv(8, 3, 2, Layer.Activation.RELU, 0f),
                        Layer.avgPool(2, 2),
                        Layer.conv(8, 3, 1, Layer.Activation.LEAKY, 0.1f),
                        Layer.conv(4, 2)));
        // rf: 3, then jump 2 (conv s2): +1*2 = 5, jump 4 (pool): +2*4 = 13, +1*4 = 17
        assertEquals(17, s.receptiveField());
        assertEquals(4, s.totalStride());
        assertEquals(2, s.denseDilation(1));
        assertEquals(Layer.Activation.RELU, s.activation(0));
        assertEquals(0.1f, s.leakySlope(2));
        assertEquals(Layer.Activation.NONE, s.activation(3));
        // 17 -k3 s2-> 8 -pool-> 4 -k3-> 2 -k2-> 1
        assertEquals(8L * 8 * 3 * 8 * 9 + 2L * 2 * 8 * 8 * 9 + 8L * 4 * 4, s.patchMacs());
        String text = json.writeValueAsString(s);
        assertEquals(s, json.readValue(text, NetworkSpec.class), text);
        // The project's own layers are written as they always were: no activation, no slope.
        assertEquals(
                "{\"type\":\"conv\",\"out\":16,\"kernel\":3,\"stride\":1}", json.writeValueAsString(Layer.conv(16, 3)));
        NetworkSpec p17 = Architectures.P17;
        assertEquals(Layer.Activation.LEAKY, p17.activation(0));
        assertEquals(NetworkSpec.LEAKY_SLOPE, p17.leakySlope(0));
        assertEquals(Layer.Activation.NONE, p17.activation(p17.layers().size() - 1));
    }

    @Test
    void patchCostCountsEveryConvOverItsShrinkingOutput() {
        // p17: 17 -k6-> 12 -k5-> 8 -k5-> 4 -k4-> 1
        long expected = 12L * 12 * 3 * 128 * 36 + 8L * 8 * 128 * 256 * 25 + 4L * 4 * 256 * 256 * 25 + 256L * 128 * 16;
        org.junit.jupiter.api.Assertions.assertEquals(expected, Architectures.P17.patchMacs());
        // p33: 32 -k5-> 28 -pool-> 14 -k5-> 10 -pool-> 5 -k2-> 4 -k4-> 1
        long p33 = 28L * 28 * 3 * 128 * 25 + 10L * 10 * 128 * 256 * 25 + 4L * 4 * 256 * 256 * 4 + 256L * 128 * 16;
        org.junit.jupiter.api.Assertions.assertEquals(p33, Architectures.P33.patchMacs());
    }

    @Test
    void denseMacsCountOnlyTheValidOutputsOfEachLayer() {
        NetworkSpec s = new NetworkSpec("t", List.of(Layer.conv(8, 3), Layer.maxPool(2, 2), Layer.conv(4, 3)));
        // 10x10: conv 3->8 gives 8x8, the dense pool 7x7, the conv dilated by 2 gives 3x3.
        assertEquals(3 * 8 * 9 * 64 + 8 * 4 * 9 * 9, s.denseMacs(10, 10));
        assertEquals(3 * 8 * 9 * 8 * 6 + 8 * 4 * 9 * 3 * 1, s.denseMacs(10, 8));
        // The last layer's outputs are the descriptors: (H - rf + 1)^2 of them.
        assertEquals(3, 10 - s.receptiveField() + 1);
        assertThrows(IllegalArgumentException.class, () -> s.denseMacs(7, 10));
        // On a large input the border loss vanishes and the per-pixel cost model holds.
        double perPixel = (double) Architectures.P65.denseMacs(4096, 4096) / (4096.0 * 4096.0);
        assertEquals(Architectures.P65.denseMacsPerPixel(), perPixel, 0.03 * perPixel);
    }
}
