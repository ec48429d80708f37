package dev.stad.runtime.cli;

import dev.stad.runtime.io.MvtecLayout;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns the {@code --input} arguments into the files to score, each with the name its outputs
 * get. An argument is
 * <ul>
 *   <li>a file: scored as it is; outputs named after it;</li>
 *   <li>a folder: every file under it, recursively, hidden files and folders (names starting
 *       with {@code .}) left out; outputs keep the path inside the folder, under the folder's own
 *       name. An MVTec AD category folder (it has {@code train/}; see {@link MvtecLayout}) scores only
 *       {@code test/}, so maps land as {@code <category>/test/<defect>/<name>}, the layout
 *       MVTec's evaluation reads;</li>
 *   <li>a glob ({@code *}, {@code ?}, {@code [..]}, {@code {..}}, {@code **} crossing folders):
 *       the files it matches under its longest plain prefix, named like a folder's files.</li>
 * </ul>
 * Files that are not images are listed too: the score command reports each as a failed input
 * rather than skipping it silently.
 */
public final class InputFiles {

    /**
     * One file to score.
     *
     * @param file the file
     * @param name relative output name without extension, {@code /}-separated
     */
    public record Input(Path file, String name) {}

    private InputFiles() {}

    /** Expands every argument; fails on an argument that names nothing or matches no file. */
    public static List<Input> expand(List<String> arguments) throws IOException {
        Map<Path, Input> found = new LinkedHashMap<>();
        for (String arg : arguments) {
            List<Input> one = expand(arg);
            if (one.isEmpty()) {
                throw new NoSuchFileException(arg, null, "no files to score in input " + arg);
            }
            for (Input in : one) {
                found.putIfAbsent(in.file().toAbsolutePath().normalize(), in);
            }
        }
        return disambiguate(found);
    }

    private static List<Input> expand(String arg) throws IOException {
        if (isGlob(arg)) {
            return glob(arg);
        }
        Path p = Path.of(arg);
        if (Files.isDirectory(p)) {
            if (MvtecLayout.isCategory(p)) {
                Path test = MvtecLayout.test(p);
                if (!Files.isDirectory(test)) {
                    throw new NoSuchFileException(
                            arg,
                            null,
                            "input " + arg + " is an MVTec AD category (it has " + MvtecLayout.TRAIN + "/) but has no "
                                    + MvtecLayout.TEST + "/ folder to score");
                }
                return walk(p, test, null);
            }
            return walk(p, p, null);
        }
        if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return List.of(new Input(p, stem(p.getFileName().toString())));
        }
        throw new NoSuchFileException(arg, null, "input " + arg + ": no such file or folder");
    }

    private static boolean isGlob(String arg) {
        return arg.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static List<Input> glob(String arg) throws IOException {
        String normalised = arg.replace('\\', '/');
        String[] parts = normalised.split("/", -1);
        StringBuilder base = new StringBuilder();
        for (String part : parts) {
            if (isGlob(part)) {
                break;
            }
            base.append(part).append('/');
        }
        Path root = base.length() == 0 ? Path.of(".") : Path.of(base.toString());
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(arg, null, "input " + arg + ": folder " + root + " does not exist");
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + normalised);
        return walk(root, root, base.length() == 0 ? p -> matcher.matches(root.relativize(p)) : matcher);
    }

    private static List<Input> walk(Path named, Path root, PathMatcher matcher) throws IOException {
        String prefix = named.toAbsolutePath().normalize().getFileName() != null
                ? named.toAbsolutePath().normalize().getFileName().toString() + "/"
                : "";
        List<Input> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                if (Files.isDirectory(f) || hidden(root, f) || (matcher != null && !matcher.matches(f))) {
                    continue;
                }
                String rel = named.relativize(f).toString().replace('\\', '/');
                out.add(new Input(f, prefix + stem(rel)));
            }
        }
        return out;
    }

    private static boolean hidden(Path root, Path f) {
        for (Path part : root.relativize(f)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The name without its last extension: {@code a/b/007.png} becomes {@code a/b/007}. */
    static String stem(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.lastIndexOf('.');
        return dot > slash + 1 ? name.substring(0, dot) : name;
    }

    /** Two files whose names differ only in extension keep their extension, so no output overwrites another. */
    private static List<Input> disambiguate(Map<Path, Input> found) {
        Map<String, Integer> counts = new HashMap<>();
        found.values().forEach(in -> counts.merge(in.name(), 1, Integer::sum));
        List<Input> out = new ArrayList<>();
        for (Input in : found.values()) {
            String name = in.name();
            if (counts.get(name) > 1) {
                String file = in.file().getFileName().toString();
                int dot = file.lastIndexOf('.');
                name = name + (dot > 0 ? "_" + file.substring(dot + 1) : "");
            }
            out.add(new Input(in.file(), name));
        }
        return out;
    }
}
