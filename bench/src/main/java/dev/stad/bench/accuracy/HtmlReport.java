package dev.stad.bench.accuracy;

import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.output.Heatmaps;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** The accuracy report as one HTML file with every picture inlined, so it can be mailed or archived alone. */
final class HtmlReport {
    /** Ground-truth outline colour: cyan, apart from the green of predicted regions. */
    static final int TRUTH_RGB = 0x00ffff;

    private HtmlReport() {}

    /** The heatmap overlay with predicted regions (green) and the ground truth's outline (cyan). */
    static BufferedImage overlayWithTruth(FloatImage image, FloatImage map, FloatImage mask, double threshold) {
        BufferedImage o = Heatmaps.overlay(image, map, threshold);
        Heatmaps.outline(o, mask, 0.5, TRUTH_RGB);
        return o;
    }

    static String render(
            AccuracyCommand.Report r, String markdown, List<byte[]> plots, List<AccuracyCommand.GridCell> grid) {
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>stad accuracy: ")
                .append(esc(r.data()))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                        + "th:first-child,td:first-child{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:12px}"
                        + ".cell{font-size:12px;text-align:center}.cell img{width:192px;image-rendering:pixelated}"
                        + ".bad{color:#b00}</style></head><body>\n");
        s.append("<h1>Detection quality</h1>\n<p>Bundle <code>")
                .append(esc(r.bundle()))
                .append("</code> on <code>")
                .append(esc(r.data()))
                .append("</code>, ")
                .append(esc(r.engine()))
                .append(String.format(Locale.ROOT, ", threshold %.3f.</p>%n", r.threshold()));
        s.append("<table><tr><th>defect type</th><th>test images</th><th>defective</th><th>GT regions</th>"
                        + "<th>image AUROC</th><th>pixel AUROC</th><th>AU-PRO@")
                .append(r.fprLimit())
                .append("</th></tr>\n");
        for (AccuracyCommand.Row row : r.rows()) {
            s.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%.3f</td>"
                            + "<td>%.3f</td><td>%.3f</td></tr>%n",
                    esc(row.type()),
                    row.images(),
                    row.defective(),
                    row.regions(),
                    row.imageAuroc(),
                    row.pixelAuroc(),
                    row.auPro()));
        }
        s.append("</table>\n<p>Image score: maximum of the anomaly map; per defect type, the good test images are"
                + " the negatives. AU-PRO: regions are 8-connected components of the ground truth, FPR over all"
                + " anomaly-free pixels, integrated to the FPR limit and divided by it.</p>\n<h2>Curves</h2>\n");
        for (byte[] png : plots) {
            s.append("<img alt=\"curve\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png))
                    .append("\">\n");
        }
        s.append("<h2>Test images</h2>\n<p>Heatmap over the image (0 black, threshold red, twice the threshold pale"
                + " yellow); green: predicted regions above the threshold; cyan: ground-truth outline.</p>\n"
                + "<div class=\"grid\">\n");
        for (AccuracyCommand.GridCell c : grid) {
            s.append("<div class=\"cell\"><img alt=\"")
                    .append(esc(c.name()))
                    .append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png(c.overlay())))
                    .append("\"><br>")
                    .append(esc(c.name()))
                    .append(String.format(
                            Locale.ROOT,
                            "<br><span class=\"%s\">%.2f %s</span></div>%n",
                            c.anomalous() ? "bad" : "",
                            c.score(),
                            c.anomalous() ? "anomalous" : "good"));
        }
        s.append("</div>\n<h2>Table (markdown)</h2>\n<pre>")
                .append(esc(markdown))
                .append("</pre>\n</body></html>\n");
        return s.toString();
    }

    private static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
