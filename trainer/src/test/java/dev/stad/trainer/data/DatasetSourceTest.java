package dev.stad.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.image.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetSourceTest {
    @TempDir
    Path dir;

    private Path png(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        img.getRaster().setSample(3, 3, 0, 200);
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void folderWithoutTrainGoodOrImagesIsRejectedNamingWhatIsMissing() throws IOException {
        Path notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("readme.txt"), "hello");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetSource.resolve(notes));
        assertTrue(
                e.getMessage().contains("missing folder train/good")
                        && e.getMessage().contains("no files ending in"),
                e.getMessage());
    }

    @Test
    void categoryWithoutTrainGoodIsRejected() throws IOException {
        Path cat = dir.resolve("bottle");
        png(cat.resolve("train/defective/000.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetSource.resolve(cat));
        assertTrue(e.getMessage().contains("not an MVTec AD category: missing folder train/good"), e.getMessage());
    }

    @Test
    void categoryWithoutTestFolderIsRejected() throws IOException {
        Path cat = dir.resolve("bottle");
        png(cat.resolve("train/good/000.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetSource.resolve(cat));
        assertTrue(e.getMessage().contains("missing folder test"), e.getMessage());
    }

    @Test
    void defectImageWithoutMaskIsRejectedNamingTheMask() throws IOException {
        Path cat = dir.resolve("bottle");
        png(cat.resolve("train/good/000.png"));
        png(cat.resolve("test/good/000.png"));
        png(cat.resolve("test/crack/007.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetSource.resolve(cat));
        assertTrue(e.getMessage().contains("ground_truth/crack/007_mask.png"), e.getMessage());
    }

    @Test
    void completeCategoryTrainsOnTrainGood() throws IOException {
        Path cat = dir.resolve("bottle");
        png(cat.resolve("train/good/001.png"));
        png(cat.resolve("train/good/000.png"));
        png(cat.resolve("test/crack/000.png"));
        png(cat.resolve("ground_truth/crack/000_mask.png"));
        DatasetSource s = DatasetSource.resolve(cat);
        assertEquals(DatasetSource.Kind.MVTEC_CATEGORY, s.kind());
        assertEquals(
                List.of("000.png", "001.png"),
                s.goodImages().stream().map(p -> p.getFileName().toString()).toList());
        MvtecCategory c = MvtecCategory.open(cat);
        assertEquals(List.of("crack"), c.defectTypes());
        assertEquals(
                cat.resolve("ground_truth/crack/000_mask.png"),
                c.maskFor("crack", cat.resolve("test/crack/000.png")).orElseThrow());
    }

    @Test
    void plainFolderOfImagesIsAcceptedIgnoringOtherFiles() throws IOException {
        Path folder = dir.resolve("goods");
        png(folder.resolve("b.png"));
        png(folder.resolve("a.png"));
        Files.writeString(folder.resolve("notes.txt"), "not an image");
        DatasetSource s = DatasetSource.resolve(folder);
        assertEquals(DatasetSource.Kind.IMAGE_FOLDER, s.kind());
        assertEquals(
                List.of("a.png", "b.png"),
                s.goodImages().stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void corruptTrainingImageStopsLoadingAndNamesTheFile() throws IOException {
        Path folder = dir.resolve("goods");
        for (int i = 0; i < 4; i++) {
            png(folder.resolve(i + ".png"));
        }
        byte[] bytes = Files.readAllBytes(folder.resolve("2.png"));
        Files.write(folder.resolve("2.png"), Arrays.copyOf(bytes, bytes.length / 2));
        DatasetSource s = DatasetSource.resolve(folder);
        TrainingImages.Split split = TrainingImages.Split.of(s.goodImages(), 0.25, 1);
        IOException e = assertThrows(
                IOException.class, () -> TrainingImages.load(split, folder, Preprocessing.imagenet(8, 8), i -> {}));
        assertTrue(e.getMessage().contains("2.png"), e.getMessage());
    }

    @Test
    void splitHoldsBackTheValidationShareReproducibly() throws IOException {
        Path folder = dir.resolve("goods");
        for (int i = 0; i < 20; i++) {
            png(folder.resolve(String.format("%02d.png", i)));
        }
        List<Path> files = DatasetSource.resolve(folder).goodImages();
        TrainingImages.Split a = TrainingImages.Split.of(files, 0.1, 5);
        TrainingImages.Split b = TrainingImages.Split.of(files, 0.1, 5);
        assertEquals(2, a.validation().size());
        assertEquals(18, a.train().size());
        assertEquals(a, b);
        assertTrue(a.train().stream().noneMatch(a.validation()::contains));
    }

    @Test
    void aValidationGoodFolderCalibratesAndEveryTrainingImageTrains() throws IOException {
        Path cat = dir.resolve("carpet");
        for (int i = 0; i < 5; i++) {
            png(cat.resolve(String.format("train/good/%03d.png", i)));
        }
        png(cat.resolve("validation/good/v1.png"));
        png(cat.resolve("validation/good/v0.png"));
        png(cat.resolve("test/good/000.png"));
        DatasetSource s = DatasetSource.resolve(cat);
        assertEquals(
                List.of("v0.png", "v1.png"),
                s.validationImages().stream()
                        .map(p -> p.getFileName().toString())
                        .toList());
        TrainingImages.Split split = TrainingImages.Split.of(s, 0.5, 3);
        assertEquals(s.goodImages(), split.train());
        assertEquals(s.validationImages(), split.validation());

        Path plain = dir.resolve("goods");
        for (int i = 0; i < 4; i++) {
            png(plain.resolve(i + ".png"));
        }
        DatasetSource folder = DatasetSource.resolve(plain);
        assertTrue(folder.validationImages().isEmpty());
        assertEquals(TrainingImages.Split.of(folder.goodImages(), 0.5, 3), TrainingImages.Split.of(folder, 0.5, 3));
    }

    @Test
    void anEmptyOrMisplacedValidationFolderIsRejectedNamingIt() throws IOException {
        Path cat = dir.resolve("carpet");
        png(cat.resolve("train/good/000.png"));
        png(cat.resolve("test/good/000.png"));
        Files.createDirectories(cat.resolve("validation/good"));
        DatasetException empty = assertThrows(DatasetException.class, () -> DatasetSource.resolve(cat));
        assertTrue(empty.getMessage().contains("validation/good holds no images"), empty.getMessage());

        Files.delete(cat.resolve("validation/good"));
        png(cat.resolve("validation/000.png"));
        DatasetException misplaced = assertThrows(DatasetException.class, () -> DatasetSource.resolve(cat));
        assertTrue(misplaced.getMessage().contains("validation exists but has no folder good"), misplaced.getMessage());
    }
}
