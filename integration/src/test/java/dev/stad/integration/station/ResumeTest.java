package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.output.ScoreJournal;
import dev.stad.runtime.output.ScoreResults;
import dev.stad.trainer.TinyModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runtime score --resume}: a run that was interrupted (its journal ends in a torn line, no
 * results.json) or that ended continues without scoring again what it finished.
 */
class ResumeTest {
    @TempDir
    Path dir;

    private Path inputs(int n) throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        List<Path> images = TinyModel.testImages();
        for (int i = 0; i < n; i++) {
            Files.copy(images.get(i), in.resolve(String.format("%02d.png", i)));
        }
        return in;
    }

    private Cli score(Path in, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "score",
                "--bundle",
                TinyModel.bundle().toString(),
                "--input",
                in.toString(),
                "--out",
                out.toString(),
                "--save",
                "tiff,json"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void interruptedRunResumesFromItsJournalAndScoresOnlyWhatItDidNotFinish() throws Exception {
        Path in = inputs(6);
        Path out = dir.resolve("out");
        Cli full = score(in, out);
        assertEquals(0, full.exit(), full.toString());
        ScoreResults reference = Cli.results(out);
        // What a kill after the third image leaves: the header and three lines, a fourth cut short,
        // and no results.json (it is written at the end).
        Path journal = out.resolve(ScoreJournal.FILE_NAME);
        List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8);
        assertEquals(7, lines.size(), "header and one line per image");
        Files.writeString(
                journal,
                String.join("\n", lines.subList(0, 4)) + "\n" + lines.get(4).substring(0, 20),
                StandardCharsets.UTF_8);
        Files.delete(out.resolve("results.json"));
        FileTime old = FileTime.fromMillis(0);
        for (ScoreResults.Image r : reference.results()) {
            Files.setLastModifiedTime(out.resolve(r.outputs().get("tiff")), old);
        }

        Cli resumed = score(in, out, "--resume");
        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(
                resumed.out().contains("3 of 6 images were finished by the earlier run; scoring 3"),
                resumed.toString());
        ScoreResults after = Cli.results(out);
        assertEquals(6, after.images());
        for (int i = 0; i < 6; i++) {
            ScoreResults.Image r = after.results().get(i);
            assertEquals(reference.results().get(i).score(), r.score(), r.file());
            boolean rescored = !Files.getLastModifiedTime(
                            out.resolve(r.outputs().get("tiff")))
                    .equals(old);
            assertEquals(i >= 3, rescored, r.file() + " rescored: " + rescored);
            assertArrayEquals(
                    Cli.tiff(out.resolve(reference.results().get(i).outputs().get("tiff"))),
                    Cli.tiff(out.resolve(r.outputs().get("tiff"))));
        }
    }

    @Test
    void finishedRunExtendedWithNewImagesScoresOnlyThoseAndRefusesAnotherThreshold() throws Exception {
        Path in = inputs(3);
        Path out = dir.resolve("out");
        assertEquals(0, score(in, out).exit());
        Files.delete(out.resolve(ScoreJournal.FILE_NAME)); // as an older version left it: results.json only
        List<Path> images = TinyModel.testImages();
        Files.copy(images.get(3), in.resolve("03.png"));
        Cli more = score(in, out, "--resume");
        assertEquals(0, more.exit(), more.toString());
        assertTrue(more.out().contains("3 of 4 images were finished by the earlier run; scoring 1"), more.toString());
        assertEquals(4, Cli.results(out).images());

        Cli other = score(in, out, "--resume", "--threshold", "123");
        assertEquals(1, other.exit(), other.toString());
        assertTrue(
                other.err().contains("belongs to another run") && other.err().contains("use another --out"),
                other.toString());
    }
}
