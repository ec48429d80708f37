package dev.stad.bench.report;

import dev.stad.bench.metrics.Curve;
import dev.stad.runtime.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG line charts (JFreeChart, headless). */
public final class Plots {
    private Plots() {}

    /** One chart; {@code series} maps a legend label to its curve. */
    public static byte[] lines(
            String title,
            String xLabel,
            String yLabel,
            Map<String, Curve> series,
            boolean logX,
            boolean logY,
            double[] xRange,
            double[] yRange,
            boolean shapes) {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, Curve> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            for (int i = 0; i < e.getValue().size(); i++) {
                s.add(e.getValue().x()[i], e.getValue().y()[i]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (logX) {
            LogAxis ax = new LogAxis(xLabel);
            ax.setBase(2);
            ax.setNumberFormatOverride(new DecimalFormat("#,##0"));
            plot.setDomainAxis(ax);
        }
        if (logY) {
            LogAxis ay = new LogAxis(yLabel);
            ay.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
            plot.setRangeAxis(ay);
        }
        if (xRange != null) {
            plot.getDomainAxis().setRange(xRange[0], xRange[1]);
        }
        if (yRange != null) {
            plot.getRangeAxis().setRange(yRange[0], yRange[1]);
        }
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, 720, 480);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static void write(byte[] png, Path file) throws IOException {
        AtomicFiles.write(file, png);
    }
}
