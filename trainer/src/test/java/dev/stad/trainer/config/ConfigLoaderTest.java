package dev.stad.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static TrainingConfig parse(String json) throws IOException {
        return ConfigLoader.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.json");
    }

    private static final String MINIMAL = "{\"data\":{\"path\":\"x\"},\"input\":{\"width\":64,\"height\":64},"
            + "\"scales\":[{\"architecture\":\"p17\"},{\"architecture\":\"p33\"}]";

    @Test
    void everyConfigInTheRepositoryLoads() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("..", "configs"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".json")).toList();
            assertTrue(files.size() >= 2, "configs/ should hold the default and the paper settings");
            for (Path f : files) {
                TrainingConfig c = ConfigLoader.load(f);
                assertTrue(c.students().none() || c.students().count() >= 2, f.toString());
            }
        }
    }

    @Test
    void defaultConfigTrainsAtLeastTwoStudentsOnTwoScalesAndPaperConfigMatchesThePaper() throws IOException {
        TrainingConfig d = ConfigLoader.loadDefault();
        assertEquals("default", d.name());
        assertTrue(d.scales().size() >= 2 && d.students().count() >= 2);
        assertTrue(d.data().generate() != null, "the default config must generate its own data");
        TrainingConfig paper = ConfigLoader.load(Path.of("..", "configs", "mvtec.json"));
        assertEquals(
                List.of("p17", "p33", "p65"),
                paper.networkSpecs().stream().map(s -> s.name()).toList());
        assertEquals(3, paper.students().count());
        assertEquals(256, paper.input().width());
    }

    @Test
    void embeddedDefaultConfigIsTheRepositoryOne() throws IOException {
        try (var in = ConfigLoader.class.getResourceAsStream("/" + ConfigLoader.DEFAULT_CONFIG)) {
            assertTrue(in != null, "default config not embedded in the jar");
            assertEquals(
                    ConfigLoader.toTree(ConfigLoader.load(Path.of("..", ConfigLoader.DEFAULT_CONFIG))),
                    ConfigLoader.toTree(ConfigLoader.parse(in, "embedded")));
        }
    }

    @Test
    void unknownFieldIsNamedWithItsPlace() {
        IOException e = assertThrows(IOException.class, () -> parse(MINIMAL + ",\"students\":{\"epoch\":3}}"));
        assertTrue(
                e.getMessage().contains("test.json")
                        && e.getMessage().contains("'epoch'")
                        && e.getMessage().contains("students"),
                e.getMessage());
    }

    @Test
    void invalidValueIsExplained() throws IOException {
        IOException e = assertThrows(IOException.class, () -> parse(MINIMAL + ",\"students\":{\"count\":1}}"));
        assertTrue(
                e.getMessage().contains("students.count must be 0 (no students) or at least 2 (an ensemble), found 1"),
                e.getMessage());
        e = assertThrows(
                IOException.class,
                () -> parse(MINIMAL + ",\"students\":{\"count\":0},\"calibration\":{\"uncertaintyWeight\":1}}"));
        assertTrue(e.getMessage().contains("with students.count 0 there is none"), e.getMessage());
        TrainingConfig none = parse(MINIMAL + ",\"students\":{\"count\":0,\"cropSize\":999}}");
        assertEquals(0.0, none.uncertaintyWeight(), "no students: v weighs nothing, and crops are unused");
        e = assertThrows(IOException.class, () -> parse(MINIMAL.replace("p33", "p99") + "}"));
        assertTrue(e.getMessage().contains("Unknown architecture 'p99'"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse(MINIMAL + ",\"students\":{\"exposure\":0.6}}"));
        assertTrue(e.getMessage().contains("students.exposure must be in [0, 0.5], found 0.6"), e.getMessage());
    }

    @Test
    void teacherSettingsThatCannotWorkTogetherAreExplained() {
        IOException e =
                assertThrows(IOException.class, () -> parse(MINIMAL + ",\"teacher\":{\"source\":\"pretrained\"}}"));
        assertTrue(e.getMessage().contains("needs teacher.path"), e.getMessage());
        e = assertThrows(
                IOException.class,
                () -> parse(MINIMAL
                        + ",\"teacher\":{\"source\":\"pretrained\",\"path\":\"t\",\"pretrain\":{\"steps\":5}}}"));
        assertTrue(e.getMessage().contains("needs a corpus"), e.getMessage());
        e = assertThrows(
                IOException.class,
                () -> parse(MINIMAL
                        + ",\"teacher\":{\"source\":\"self-supervised\",\"pretrain\":{\"corpus\":\"procedural\"}}}"));
        assertTrue(e.getMessage().contains("learns on the training images"), e.getMessage());
        e = assertThrows(
                IOException.class,
                () -> parse(
                        MINIMAL + ",\"teacher\":{\"source\":\"self-supervised\",\"pretrain\":{\"corpusImages\":5}}}"));
        assertTrue(e.getMessage().contains("set teacher.pretrain.corpus too"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse(MINIMAL + ",\"students\":{\"cropSize\":40}}"));
        assertTrue(e.getMessage().contains("exceeds the 33 patch positions"), e.getMessage());
    }

    @Test
    void anEnergyTeacherTakesNoSettingsAndRefusesAScaleItCannotFillWhenTheConfigIsRead() throws IOException {
        TrainingConfig c = parse(MINIMAL + ",\"teacher\":{\"source\":\"energy\"}}");
        assertEquals(TeacherConfig.Source.ENERGY, c.teacher().source());
        IOException e = assertThrows(
                IOException.class,
                () -> parse(MINIMAL + ",\"teacher\":{\"source\":\"energy\",\"pretrain\":{\"steps\":5}}}"));
        assertTrue(e.getMessage().contains("teacher.pretrain is only used with"), e.getMessage());
        e = assertThrows(
                IOException.class, () -> parse(MINIMAL + ",\"teacher\":{\"source\":\"energy\",\"path\":\"t\"}}"));
        assertTrue(e.getMessage().contains("teacher.path is only used with"), e.getMessage());
        String small = "{\"data\":{\"path\":\"x\"},\"input\":{\"width\":64,\"height\":64},\"scales\":[{\"name\":\"s7\","
                + "\"layers\":[{\"type\":\"conv\",\"out\":64,\"kernel\":4},{\"type\":\"conv\",\"out\":48,\"kernel\":4}]}]";
        e = assertThrows(IOException.class, () -> parse(small + ",\"teacher\":{\"source\":\"energy\"}}"));
        assertTrue(e.getMessage().contains("at least 9 pixels; scale s7 sees 7"), e.getMessage());
        String logged =
                "{\"data\":{\"path\":\"x\"},\"input\":{\"width\":64,\"height\":64},\"scales\":[{\"name\":\"l9\","
                        + "\"layers\":[{\"type\":\"conv\",\"out\":64,\"kernel\":5,\"activation\":\"log\"},"
                        + "{\"type\":\"conv\",\"out\":48,\"kernel\":5}]}]}";
        e = assertThrows(IOException.class, () -> parse(logged));
        assertTrue(e.getMessage().contains("\"log\" belongs to the energy teacher"), e.getMessage());
    }

    @Test
    void anImportedScaleSitsNextToOurOwnOnlyWhenTheirTeachersAreRandom() throws IOException {
        String scales = "{\"data\":{\"path\":\"x\"},\"input\":{\"width\":64,\"height\":64},"
                + "\"scales\":[{\"name\":\"net\",\"architecture\":\"teacher\"},{\"architecture\":\"p17\"}]";
        String onnx = ",\"teacher\":{\"source\":\"onnx\",\"path\":\"net.onnx\"";
        IOException e = assertThrows(IOException.class, () -> parse(scales + onnx + "}}"));
        assertTrue(e.getMessage().contains("set teacher.otherScales to \"random\""), e.getMessage());
        TrainingConfig mixed =
                parse(scales + onnx + ",\"otherScales\":\"random\",\"mean\":[0.5,0.5,0.5],\"std\":[0.5,0.5,0.5]}}");
        assertTrue(mixed.teacher().randomOthers());
        assertEquals(List.of(0.5, 0.5, 0.5), mixed.teacher().std());

        e = assertThrows(IOException.class, () -> parse(scales + onnx + ",\"otherScales\":\"procedural\"}}"));
        assertTrue(e.getMessage().contains("teacher.otherScales must be \"random\""), e.getMessage());
        e = assertThrows(IOException.class, () -> parse(scales + onnx + ",\"mean\":[0.5,0.5,0.5]}}"));
        assertTrue(e.getMessage().contains("teacher.mean and teacher.std go together"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse(scales + onnx + ",\"mean\":[0.5],\"std\":[0.5]}}"));
        assertTrue(e.getMessage().contains("need 3 values each"), e.getMessage());
        e = assertThrows(
                IOException.class, () -> parse(scales + onnx + ",\"mean\":[0.5,0.5,0.5],\"std\":[0.5,0,0.5]}}"));
        assertTrue(e.getMessage().contains("teacher.std must be > 0"), e.getMessage());
        e = assertThrows(
                IOException.class,
                () -> parse(MINIMAL + ",\"teacher\":{\"source\":\"random\",\"otherScales\":\"random\"}}"));
        assertTrue(e.getMessage().contains("only used with \"source\": \"onnx\""), e.getMessage());
    }

    @Test
    void theDefaultTeacherIsTheTextureEnergyNetworkAndThePaperConfigsShareTheProceduralOne() throws IOException {
        // On the real-photo set the fixed texture-energy teacher beats a fixed random one, which
        // beats one pretrained on procedural images; the random one is kept as an experiment.
        TrainingConfig d = ConfigLoader.loadDefault();
        assertEquals(TeacherConfig.Source.ENERGY, d.teacher().source());
        TrainingConfig random = ConfigLoader.load(Path.of("..", "configs", "experiments", "random-teacher.json"));
        assertEquals(TeacherConfig.Source.RANDOM, random.teacher().source());
        assertEquals(d.scales(), random.scales());
        assertEquals(d.students(), random.students());
        // The energy teacher's score is e plus its distance; the random teacher's, e plus the calm term.
        assertEquals(1.0, d.calibration().distanceWeightOrDefault());
        assertEquals(0.0, d.calibration().calmWeightOrDefault());
        assertEquals(2.0, random.calibration().calmWeightOrDefault());
        TrainingConfig mvtec = ConfigLoader.load(Path.of("..", "configs", "mvtec.json"));
        assertEquals(TeacherConfig.Source.PRETRAINED, mvtec.teacher().source());
        assertEquals(PretrainConfig.PROCEDURAL, mvtec.teacher().pretrain().corpus());
        assertEquals(
                mvtec.teacher(),
                ConfigLoader.load(Path.of("..", "configs", "one-class.json")).teacher(),
                "one-class.json should share mvtec.json's teacher folder and settings");
        TrainingConfig pinned = mvtec.withTeacher(mvtec.teacher().pretrainedAt("teachers/photos"));
        assertEquals("teachers/photos", pinned.teacher().path());
        assertEquals(mvtec.teacher().pretrain(), pinned.teacher().pretrain());
    }

    @Test
    void defaultsFillWhatIsLeftOut() throws IOException {
        TrainingConfig c = parse(MINIMAL + "}");
        assertEquals(3, c.students().count());
        assertEquals(TeacherConfig.Source.SELF_SUPERVISED, c.teacher().source());
        assertEquals(0.1, c.data().validationFraction());
        assertEquals("runs/model", c.out());
    }

    @Test
    void commandLineOverridesReplaceOnlyTheirField() throws IOException {
        TrainingConfig c =
                parse(MINIMAL + "}").withData("elsewhere").withSeed(99).withOut("o");
        assertEquals("elsewhere", c.data().path());
        assertEquals(99L, c.seed());
        assertEquals("o", c.out());
        assertEquals(2, c.scales().size());
    }

    @Test
    void configOfAbsurdSizeIsRefusedBeforeItIsRead(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path big = dir.resolve("big.json");
        Files.write(big, new byte[(int) ConfigLoader.MAX_CONFIG_BYTES + 1]);
        IOException e = assertThrows(IOException.class, () -> ConfigLoader.load(big));
        assertTrue(
                e.getMessage().startsWith(big + ": 1048577 bytes, more than the 1048576 a config may hold"),
                e.getMessage());
    }
}
