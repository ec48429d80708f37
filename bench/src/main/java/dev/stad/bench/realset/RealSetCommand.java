package dev.stad.bench.realset;

import dev.stad.bench.BenchCommand;
import dev.stad.runtime.cli.CommonOptions;
import dev.stad.runtime.cli.ConsoleProgress;
import dev.stad.runtime.cli.VersionProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bench real-set}: writes the real-photo development set from photos Debian packages install. */
@Command(
        name = "real-set",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Writes the real-photo development set: MVTec-layout categories cut from photos of Debian's"
                + " mypaint-data-extras, mate-backgrounds and plasma-workspace-wallpapers packages, with seven"
                + " defect types painted into the test images and their exact masks.")
public final class RealSetCommand implements Callable<Integer> {
    @Option(
            names = "--out",
            defaultValue = "data/real",
            paramLabel = "DIR",
            description = "Folder to create, one category per subfolder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of crops and defects (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "128", description = "Side of every image (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(
            names = "--train",
            defaultValue = "40",
            description = "Training images per category (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(
            names = "--validation",
            defaultValue = "0",
            description = "Validation images per category (validation/good), from a strip of the training side"
                    + " that no training crop touches; 0 writes none and training holds back a share of its"
                    + " images (default: ${DEFAULT-VALUE}).")
    int validation;

    @Option(
            names = "--test-good",
            defaultValue = "12",
            description = "Good test images per category (default: ${DEFAULT-VALUE}).")
    int testGood;

    @Option(
            names = "--per-type",
            defaultValue = "4",
            description = "Defective test images per category and defect type (default: ${DEFAULT-VALUE}).")
    int perType;

    @Option(
            names = "--categories",
            split = ",",
            paramLabel = "NAME",
            description = "Only these categories (default: all eight).")
    List<String> categories;

    @Option(
            names = "--photo-root",
            defaultValue = "/",
            paramLabel = "DIR",
            description = "Folder the packages' paths are resolved under (default: ${DEFAULT-VALUE}).")
    Path photoRoot;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @ParentCommand
    BenchCommand parent;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        List<PhotoSource> sources = select(PhotoSource.DEFAULTS, categories);
        RealPhotoSet.Options options = new RealPhotoSet.Options(size, train, validation, testGood, perType);
        RealPhotoSet set = new RealPhotoSet(photoRoot, sources, options, seed);
        set.generate(out, new ConsoleProgress(log, parent.interactive));
        log.printf(
                "Wrote %d categories to %s (%s): %d training, %d validation, %d good and %d defective test images"
                        + " each%n",
                sources.size(),
                out,
                String.join(", ", sources.stream().map(PhotoSource::category).toList()),
                train,
                validation,
                testGood,
                perType * PhotoDefects.TYPES.size());
        return 0;
    }

    private List<PhotoSource> select(List<PhotoSource> all, List<String> names) {
        if (names == null || names.isEmpty()) {
            return all;
        }
        List<PhotoSource> out = new ArrayList<>();
        for (String n : names) {
            PhotoSource s = all.stream()
                    .filter(p -> p.category().equals(n.trim()))
                    .findFirst()
                    .orElseThrow(() -> new ParameterException(
                            spec.commandLine(),
                            "--categories: unknown category " + n + ", expected some of "
                                    + all.stream().map(PhotoSource::category).toList()));
            out.add(s);
        }
        return out;
    }
}
