package dev.stad.bench.realset;

import java.util.List;
import java.util.Objects;

/**
 * One photo a category of the real-photo set is cut from.
 *
 * @param category folder name of the category
 * @param kind stochastic (no period: grass, cork, paper fibres) or regular (a repeating structure)
 * @param debianPackage the Debian package that installs the photo
 * @param path where the package installs it (absolute)
 * @param scale factor the photo is resized by first, so the texture's grain suits the patch networks
 * @param x0 left edge of the usable part, as a fraction of the width (the rest may hold a subject)
 * @param y0 top edge of the usable part
 * @param x1 right edge of the usable part
 * @param y1 bottom edge of the usable part
 */
public record PhotoSource(
        String category,
        Kind kind,
        String debianPackage,
        String path,
        double scale,
        double x0,
        double y0,
        double x1,
        double y1) {

    /** Whether the texture repeats. */
    public enum Kind {
        STOCHASTIC,
        REGULAR
    }

    public PhotoSource {
        Objects.requireNonNull(category, "category must not be null");
        Objects.requireNonNull(kind, "kind must not be null");
        Objects.requireNonNull(debianPackage, "debianPackage must not be null");
        Objects.requireNonNull(path, "path must not be null");
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException(category + ": scale must be in (0, 1], found " + scale);
        }
        if (!(0 <= x0 && x0 < x1 && x1 <= 1 && 0 <= y0 && y0 < y1 && y1 <= 1)) {
            throw new IllegalArgumentException(
                    category + ": usable part must be a rectangle inside [0, 1]^2, found " + List.of(x0, y0, x1, y1));
        }
    }

    /** A photo used whole. */
    static PhotoSource whole(String category, Kind kind, String pkg, String path, double scale) {
        return new PhotoSource(category, kind, pkg, path, scale, 0, 0, 1, 1);
    }

    private static final String MYPAINT = "/usr/share/mypaint/backgrounds/ramon/";
    private static final String MATE = "/usr/share/backgrounds/mate/nature/";
    private static final String PLASMA = "/usr/share/wallpapers/";

    /**
     * The default categories: five stochastic textures and three regular ones, from three
     * packages. Scales put the grain at a few pixels to a few tens of pixels, what receptive
     * fields of 17 and 32 pixels resolve. The moss photo has an orange star right of the
     * centre, which the usable part leaves out.
     */
    public static final List<PhotoSource> DEFAULTS = List.of(
            whole("cork", Kind.STOCHASTIC, "mypaint-data-extras", MYPAINT + "HR_Cork.png", 1.0),
            new PhotoSource(
                    "moss",
                    Kind.STOCHASTIC,
                    "plasma-workspace-wallpapers",
                    PLASMA + "OneStandsOut/contents/images/2560x1600.jpg",
                    0.3,
                    0,
                    0,
                    0.56,
                    0.68),
            whole("grass", Kind.STOCHASTIC, "mate-backgrounds", MATE + "GreenMeadow.jpg", 0.35),
            whole("pastel_paper", Kind.STOCHASTIC, "mypaint-data-extras", MYPAINT + "HR_PastelPaper 01.png", 1.0),
            whole("fibre_paper", Kind.STOCHASTIC, "mypaint-data-extras", MYPAINT + "HR_DecoPaper.png", 1.0),
            whole("canvas", Kind.REGULAR, "mypaint-data-extras", MYPAINT + "HR_Canvas 01.png", 1.0),
            whole("laid_paper", Kind.REGULAR, "mypaint-data-extras", MYPAINT + "HR_SketchPaper.png", 1.0),
            whole("leaf_veins", Kind.REGULAR, "mate-backgrounds", MATE + "Blinds.jpg", 0.25));

    /** The Debian packages the given sources need, each once, in order. */
    static List<String> packages(List<PhotoSource> sources) {
        return sources.stream().map(PhotoSource::debianPackage).distinct().toList();
    }
}
