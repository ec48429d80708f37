package dev.stad.integration.station;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stad.runtime.cli.RuntimeCommand;
import dev.stad.runtime.cli.ScoreCommand;
import dev.stad.runtime.output.ScoreResults;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** The {@code runtime} command run in-process, output captured as a user would see it. */
public record Cli(int exit, String out, String err) {

    public static Cli run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RuntimeCommand.commandLine(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        false)
                .execute(args);
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static ScoreResults results(Path outDir) throws IOException {
        return new ObjectMapper()
                .readValue(outDir.resolve(ScoreCommand.RESULTS_FILE).toFile(), ScoreResults.class);
    }

    /** A float TIFF map read back the way MVTec's evaluation reads it. */
    static float[] tiff(Path file) throws IOException {
        Raster r = ImageIO.read(file.toFile()).getRaster();
        return r.getSamples(0, 0, r.getWidth(), r.getHeight(), 0, new float[r.getWidth() * r.getHeight()]);
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
