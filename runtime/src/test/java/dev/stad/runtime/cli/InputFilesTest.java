package dev.stad.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
    @TempDir
    Path dir;

    private Path touch(String rel) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
        return p;
    }

    private static List<String> names(List<InputFiles.Input> in) {
        return in.stream().map(InputFiles.Input::name).toList();
    }

    @Test
    void folderIsWalkedRecursivelyKeepingPathsAndLeavingOutHiddenFiles() throws IOException {
        touch("parts/b/002.png");
        touch("parts/a/001.png");
        touch("parts/notes.txt");
        touch("parts/.DS_Store");
        touch("parts/.cache/x.png");
        List<InputFiles.Input> in =
                InputFiles.expand(List.of(dir.resolve("parts").toString()));
        assertEquals(
                List.of("parts/a/001", "parts/b/002", "parts/notes"),
                names(in),
                "non-image files are listed, so the run can report them");
    }

    @Test
    void mvtecCategoryScoresOnlyItsTestImagesUnderTheCategoryName() throws IOException {
        touch("bottle/train/good/000.png");
        touch("bottle/ground_truth/crack/000_mask.png");
        touch("bottle/test/crack/000.png");
        touch("bottle/test/good/000.png");
        List<InputFiles.Input> in =
                InputFiles.expand(List.of(dir.resolve("bottle").toString()));
        assertEquals(List.of("bottle/test/crack/000", "bottle/test/good/000"), names(in));
    }

    @Test
    void categoryWithoutTestImagesIsRefusedNamingWhatIsMissing() throws IOException {
        touch("bottle/train/good/000.png");
        String bottle = dir.resolve("bottle").toString();
        var e = assertThrows(java.nio.file.NoSuchFileException.class, () -> InputFiles.expand(List.of(bottle)));
        assertTrue(e.getMessage().contains(bottle) && e.getMessage().contains("no test/ folder"), e.getMessage());
    }

    @Test
    void globsMatchAcrossFoldersUnderTheirPlainPrefix() throws IOException {
        touch("imgs/x/1.png");
        touch("imgs/x/y/2.png");
        touch("imgs/x/y/3.jpg");
        List<InputFiles.Input> in = InputFiles.expand(List.of(dir.resolve("imgs") + "/**/*.png"));
        assertEquals(List.of("imgs/x/1", "imgs/x/y/2"), names(in));
        touch("imgs/0.png");
        assertEquals(
                List.of("imgs/0", "imgs/x/1", "imgs/x/y/2"),
                names(InputFiles.expand(List.of(dir.resolve("imgs") + "/**.png"))),
                "** at any depth, none included");
        assertEquals(List.of("imgs/0"), names(InputFiles.expand(List.of(dir.resolve("imgs") + "/*.png"))));
    }

    @Test
    void singleFileIsNamedAfterItselfAndClashingNamesKeepTheirExtension() throws IOException {
        Path a = touch("p/007.png");
        Path b = touch("q/007.jpg");
        List<InputFiles.Input> in = InputFiles.expand(List.of(a.toString(), b.toString()));
        assertEquals(List.of("007_png", "007_jpg"), names(in));
        assertEquals(List.of("007"), names(InputFiles.expand(List.of(a.toString()))));
    }

    @Test
    void inputThatNamesNothingIsRefusedWithItsName() {
        IOException e = assertThrows(
                IOException.class,
                () -> InputFiles.expand(List.of(dir.resolve("missing").toString())));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("no such file"), e.getMessage());
        IOException g = assertThrows(IOException.class, () -> InputFiles.expand(List.of(dir + "/*.png")));
        assertTrue(g.getMessage().contains("no files to score"), g.getMessage());
    }
}
