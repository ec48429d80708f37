package dev.stad.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void failedWriteLeavesThePreviousFileAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("state.json");
        AtomicFiles.writeString(f, "old");
        assertThrows(
                IOException.class,
                () -> AtomicFiles.write(f, out -> {
                    out.write("half of the new con".getBytes());
                    throw new IOException("disk full");
                }));
        assertEquals("old", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void writeReplacesAndCreatesParents() throws IOException {
        Path f = dir.resolve("a/b/c.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
    }

    @Test
    void writersThatCloseTheStreamStillGetForcedToDisk() throws IOException {
        Path f = dir.resolve("closed.txt");
        AtomicFiles.write(f, out -> {
            out.write('x');
            out.close();
        });
        assertEquals("x", Files.readString(f));
    }

    @Test
    void folderIsReplacedWholeAndAFailedFillLeavesTheOldOne() throws IOException {
        Path target = dir.resolve("bundle");
        AtomicFiles.writeFolder(target, f -> Files.writeString(f.resolve("a.txt"), "one"));
        AtomicFiles.writeFolder(target, f -> Files.writeString(f.resolve("b.txt"), "two"));
        assertEquals("two", Files.readString(target.resolve("b.txt")));
        assertFalse(Files.exists(target.resolve("a.txt")), "the old folder's files must not survive a replace");
        assertThrows(
                IOException.class,
                () -> AtomicFiles.writeFolder(target, f -> {
                    Files.writeString(f.resolve("c.txt"), "half");
                    throw new IOException("disk full");
                }));
        assertEquals("two", Files.readString(target.resolve("b.txt")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList(), "temporary or old folders left behind");
        }
    }
}
