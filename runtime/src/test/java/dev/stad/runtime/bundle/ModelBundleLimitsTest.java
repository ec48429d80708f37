package dev.stad.runtime.bundle;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zip bundles a station should not read: entries that promise more bytes than it should hold
 * (refused while being read) and entries whose names the JDK cannot decode.
 */
class ModelBundleLimitsTest {
    @TempDir
    Path dir;

    @Test
    void zipEntryInflatingPastTheLimitIsRefusedNamingTheEntry() throws Exception {
        Path zip = dir.resolve("bomb.zip");
        byte[] block = new byte[1 << 16];
        java.util.Arrays.fill(block, (byte) ' ');
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry(BundleManifest.FILE_NAME));
            out.write('{');
            for (int i = 0; i < 64; i++) { // 4 MB of spaces, about 4 KB compressed
                out.write(block);
            }
            out.write('}');
            out.closeEntry();
        }
        assertTrue(Files.size(zip) < 64 << 10, "the bomb is small on disk");
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(zip));
        assertTrue(e.getMessage().startsWith(zip + ": manifest.json is larger than the 1048576 bytes"), e.getMessage());
    }

    @Test
    void zipWhoseEntryNameIsNotUtf8IsRefusedAsABundleError() throws Exception {
        // The input fuzzing found: its central directory holds a name the JDK's zip reader
        // rejects with an unchecked exception while listing the entries.
        Path zip = dir.resolve("found.zip");
        try (var in = getClass()
                .getResourceAsStream(
                        "/dev/stad/runtime/fuzz/ParserFuzzTestInputs/zipBundle/found-entry-name-not-utf8.zip")) {
            Files.write(zip, in.readAllBytes());
        }
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(zip));
        assertTrue(e.getMessage().startsWith(zip + ": a zip entry's name is not valid UTF-8"), e.getMessage());
    }

    @Test
    void oversizedManifestInAFolderIsRefusedBeforeReading() throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("b"));
        try (OutputStream out = Files.newOutputStream(bundle.resolve(BundleManifest.FILE_NAME))) {
            out.write(new byte[(1 << 20) + 1]);
        }
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(bundle));
        assertTrue(
                e.getMessage().contains("manifest.json is larger than the 1048576 bytes a bundle file may hold"),
                e.getMessage());
    }
}
