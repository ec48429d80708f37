package dev.stad.integration.station;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.exporter.Exporter;
import dev.stad.runtime.progress.Progress;
import dev.stad.trainer.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runtime keygen}, {@code export --sign} and {@code runtime score --trust} as a user chains them. */
class TrustTest {
    @TempDir
    Path dir;

    @Test
    void stationThatTrustsAKeyScoresItsSignedBundleAndRefusesAnUnsignedOne() throws Exception {
        Cli keygen = Cli.run("keygen", "--out", dir.resolve("keys/line-3").toString());
        assertEquals(0, keygen.exit(), keygen.toString());
        assertTrue(keygen.out().startsWith("Key "), keygen.toString());
        Cli again = Cli.run("keygen", "--out", dir.resolve("keys/line-3").toString());
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains("line-3.key") && again.err().contains("not replaced"), again.toString());

        Path signed = dir.resolve("signed.zip");
        Exporter.export(
                TinyModel.run(),
                signed,
                Exporter.Options.defaults().withSignKey(dir.resolve("keys/line-3.key")),
                Progress.silent());
        String image = TinyModel.testImages().get(0).toString();
        String pub = dir.resolve("keys/line-3.pub").toString();
        Cli ok = Cli.run(
                "score",
                "--bundle",
                signed.toString(),
                "--trust",
                pub,
                "--input",
                image,
                "--out",
                dir.resolve("a").toString());
        assertEquals(0, ok.exit(), ok.toString());

        Cli refused = Cli.run(
                "score",
                "--bundle",
                TinyModel.bundle().toString(),
                "--trust",
                pub,
                "--input",
                image,
                "--out",
                dir.resolve("b").toString());
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(
                refused.err().startsWith("error: " + TinyModel.bundle() + ": refused: the bundle is not signed"),
                refused.toString());
        assertTrue(!Files.exists(dir.resolve("b/results.json")));

        Cli info = Cli.run("info", "--bundle", signed.toString(), "--trust", pub);
        assertEquals(0, info.exit(), info.toString());
        assertTrue(info.out().contains("Signature   valid"), info.toString());
    }
}
