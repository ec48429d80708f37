package dev.stad.runtime.cli;

import dev.stad.runtime.bundle.BundleManifest;
import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.image.Normalization;
import dev.stad.runtime.image.Preprocessing;
import dev.stad.runtime.score.ScaleCombination;
import dev.stad.runtime.score.ScoreStatistics;
import dev.stad.runtime.spec.NetworkSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runtime info}: what a bundle holds, in words, after verifying every file. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Verifies a model bundle and describes it: input, scales, networks, statistics, threshold,"
                + " provenance.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:the bundle is valid",
            "1:the bundle is missing or invalid (the message says why)",
            "2:invalid command line"
        })
public final class InfoCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, paramLabel = "PATH", description = "Model bundle: a folder or a .zip.")
    Path bundle;

    @Mixin
    TrustOptions trust;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<PublicKey> keys = trust.publicKeys();
        ModelBundle b = ModelBundle.open(bundle, keys);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(describe(b));
        if (!keys.isEmpty()) {
            stdout.println("Signature   valid, by one of the " + keys.size() + " trusted key(s)");
        }
        stdout.flush();
        return 0;
    }

    /** The human-readable description {@code info} prints. */
    public static String describe(ModelBundle b) {
        return describe(b.source(), b.manifest());
    }

    private static String normalisation(Preprocessing p) {
        return p.normalization() == Normalization.IMAGE
                ? "centred on each image's own medians, std " + Arrays.toString(p.std())
                : "normalised with mean " + Arrays.toString(p.mean()) + " std " + Arrays.toString(p.std());
    }

    /** {@link #describe(ModelBundle)} of a verified bundle's manifest, {@code source} naming the bundle. */
    public static String describe(Path source, BundleManifest m) {
        StringBuilder s = new StringBuilder();
        Preprocessing p = m.preprocessing();
        line(
                s,
                "Bundle      %s (format %d, %d files, every sha256 verified)",
                source,
                m.formatVersion(),
                m.files().size());
        line(s, "Model       %s", m.name());
        if (p.isNative()) {
            line(
                    s,
                    "Input       native size%s RGB (reference %d x %d), %s",
                    p.scale() == 1.0 ? "" : String.format(Locale.ROOT, " x %s (%s filter)", p.scale(), m.resize()),
                    p.width(),
                    p.height(),
                    normalisation(p));
        } else {
            line(
                    s,
                    "Input       %d x %d RGB, resized with a %s filter, %s",
                    p.width(),
                    p.height(),
                    m.resize(),
                    normalisation(p));
        }
        line(s, "Threshold   %.4f (%s)", m.threshold().value(), m.threshold().rule());
        line(
                s,
                "Detector    %s: %s -> %s, %s layout, fp32%s",
                m.detector().file(),
                m.detector().input(),
                m.detector().output(),
                m.detector().layoutOrDefault().id(),
                m.int8Detector() == null ? " (the only one: scored by default)" : " (scored by default)");
        if (m.int8Detector() != null) {
            BundleManifest.DetectorGraph q = m.int8Detector();
            line(
                    s,
                    "            %s: int8 (ranges from %d good images, own score statistics), threshold %.4f;"
                            + " scored with --precision int8",
                    q.file(),
                    q.calibrationImages() == null ? 0 : q.calibrationImages(),
                    q.threshold() == null
                            ? m.threshold().value()
                            : q.threshold().value());
        }
        line(
                s,
                "Contents    %s",
                m.hasNetworkGraphs()
                        ? "full bundle: detectors and every network's patch and dense graphs"
                        : "station bundle: the manifest and the detectors only");
        line(
                s,
                "Scales      %d; per pixel, the mean of the normalised scores of the scales whose patch fits there,"
                        + " standardised per band",
                m.scales().size());
        for (BundleManifest.Scale sc : m.scales()) {
            ScoreStatistics st = sc.statistics();
            line(
                    s,
                    "  %-9s receptive field %d px, teacher + %d students, %s, %.2f MMAC per pixel per %s",
                    sc.name(),
                    sc.receptiveField(),
                    sc.students(),
                    sc.spec().layers(),
                    sc.spec().denseMacsPerPixel() / 1e6,
                    sc.studentSpec() == null ? "network" : "teacher");
            if (sc.studentSpec() != null) {
                line(
                        s,
                        "            students of their own architecture: %s, %.2f MMAC per pixel each",
                        sc.studentSpec().layers(),
                        sc.studentSpec().denseMacsPerPixel() / 1e6);
            }
            line(
                    s,
                    "            e %.4g +- %.4g, v %.4g +- %.4g on the validation images; no descriptor within %d/%d px"
                            + " of the border",
                    st.eMean(),
                    st.eStd(),
                    st.vMean(),
                    st.vStd(),
                    sc.margin().before(),
                    sc.margin().after());
            if (st.vWeight() != 1 || st.hasCalmTerm() || st.hasDistanceTerm()) {
                line(
                        s,
                        "            score: e%s%s%s",
                        st.vWeight() == 0 ? "" : String.format(Locale.ROOT, " + %.3g v", st.vWeight()),
                        st.hasCalmTerm()
                                ? String.format(
                                        Locale.ROOT,
                                        " + %.3g c (calm term, %.4g +- %.4g on the validation images)",
                                        st.cWeight(),
                                        st.cMean(),
                                        st.cStd())
                                : "",
                        st.hasDistanceTerm()
                                ? String.format(
                                        Locale.ROOT,
                                        " + %.3g d (teacher's distance, %.4g +- %.4g on the validation images)",
                                        st.dWeight(),
                                        st.dMean(),
                                        st.dStd())
                                : "");
            }
        }
        ScaleCombination c = m.combination();
        for (ScaleCombination.Level level : c.levels()) {
            NetworkSpec.Margin g = level.margin();
            line(
                    s,
                    "  band      %s from %d/%d px inside the border: (mean of their scores - %.4g) / %.4g",
                    level.scales(),
                    g.before(),
                    g.after(),
                    level.mean(),
                    level.std());
        }
        line(
                s,
                "Smoothing   %s",
                c.smoothingSigma() > 0
                        ? String.format(
                                Locale.ROOT,
                                "Gaussian, sigma %.2f px (image score: max of the smoothed map)",
                                c.smoothingSigma())
                        : "none (image score: max of the map)");
        if (m.provenance() != null) {
            s.append("Provenance\n");
            for (Map.Entry<String, Object> e : m.provenance().entrySet()) {
                if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof java.util.List<?> l && l.size() > 6) {
                    String size = e.getValue() instanceof Map<?, ?> mm
                            ? mm.size() + " entries"
                            : ((java.util.List<?>) e.getValue()).size() + " items";
                    line(s, "  %-16s (%s; see manifest.json)", e.getKey(), size);
                } else {
                    line(s, "  %-16s %s", e.getKey(), e.getValue());
                }
            }
        }
        return s.toString();
    }

    private static void line(StringBuilder s, String format, Object... args) {
        s.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
