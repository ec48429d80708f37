package dev.stad.bench.pretrained;

import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.VersionProvider;
import dev.stad.runtime.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench tfjs-import}: a TensorFlow.js Layers model, cut at a layer, as an ONNX teacher source. */
@Command(
        name = "tfjs-import",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Converts the chain of layers from the input of a TensorFlow.js Layers model (model.json and its"
                + " weight shards) to a named layer into an ONNX graph for teacher.source \"onnx\" or \"distill\".")
public final class TfjsImportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "The model.json to read.")
    Path model;

    @Option(
            names = "--cut",
            required = true,
            paramLabel = "LAYER",
            description = "Name of the last layer to keep; the ONNX output is named after it.")
    String cut;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "ONNX file to write.")
    Path out;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        TfjsLayers.Converted c = TfjsLayers.read(model).convert(cut);
        Files.createDirectories(out.toAbsolutePath().getParent());
        AtomicFiles.write(out, c.onnx());
        log.printf(
                "Wrote %s: %d layers up to '%s', receptive field %d px, stride %d, %d channels%n",
                out, c.layers().size(), cut, c.receptiveField(), c.stride(), c.channels());
        c.layers().forEach(l -> log.printf("  %s%n", l));
        return 0;
    }
}
