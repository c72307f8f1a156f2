package org.sparsertrl.harness.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's PNG plots, drawn with XChart. Non-finite points are left out, never drawn as zero. */
public final class Plots {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    private static final java.awt.BasicStroke[] REFERENCE_LINES = {SeriesLines.DASH_DASH, SeriesLines.DOT_DOT, SeriesLines.DASH_DOT};

    private Plots() {
    }

    /** One series of points with optional error bars (null for none). */
    public record Series(String name, double[] x, double[] y, double[] error) {
    }

    /** Points joined by lines, with error bars where given. */
    public static void lines(Path file, String title, String xTitle, String yTitle, boolean logX, boolean logY,
                             List<Series> series) throws IOException {
        lines(file, title, xTitle, yTitle, logX, logY, series, List.of());
    }

    /**
     * Points joined by lines, with error bars where given, and reference curves (e.g. the slope a cost
     * model predicts) drawn in grey without markers, each with a dash pattern of its own (dashes, dots,
     * dash-dots, in turn), under their own names in the legend.
     */
    public static void lines(Path file, String title, String xTitle, String yTitle, boolean logX, boolean logY,
                             List<Series> series, List<Series> references) throws IOException {
        XYChart chart = xy(WIDTH, HEIGHT, new Panel(title, xTitle, yTitle, logX, logY, false, series));
        List<XYSeries> added = addSeries(chart, new Panel(title, xTitle, yTitle, logX, logY, false, references));
        for (int i = 0; i < added.size(); i++) {
            added.get(i).setMarker(SeriesMarkers.NONE);
            added.get(i).setLineStyle(REFERENCE_LINES[i % REFERENCE_LINES.length]);
            added.get(i).setLineColor(Color.GRAY);
        }
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        save(chart, file);
    }

    /**
     * One panel of {@link #panels}: a line chart of its own.
     *
     * @param powersOfTwo with {@code logX}: a log-2 x axis labelled 1, 2, 4, 8, ... (XChart's log axis labels
     *                    only powers of ten, which leaves a range such as k = 1 to 64 with one label)
     */
    public record Panel(String title, String xTitle, String yTitle, boolean logX, boolean logY, boolean powersOfTwo,
                        List<Series> series) {
    }

    /**
     * Line charts side by side in one image, {@code columns} per row (the panels of one figure, e.g.
     * one per network size), each with its legend below it.
     */
    public static void panels(Path file, int columns, List<Panel> panels) throws IOException {
        if (columns < 1 || panels.isEmpty()) {
            throw new IllegalArgumentException("columns = " + columns + ", panels = " + panels.size() + " must be >= 1");
        }
        int width = 620, height = 560, cols = Math.min(columns, panels.size());
        int rows = (panels.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(cols * width, rows * height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                XYChart chart = xy(width, height, panels.get(i));
                chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
                g.drawImage(BitmapEncoder.getBufferedImage(chart), (i % cols) * width, (i / cols) * height, null);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(out, "png", png);
        ResultFiles.writeAtomically(file, png.toByteArray());
    }

    private static XYChart xy(int width, int height, Panel p) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(p.title()).xAxisTitle(p.xTitle())
                .yAxisTitle(p.yTitle()).build();
        boolean log2 = p.logX() && p.powersOfTwo();
        chart.getStyler().setXAxisLogarithmic(p.logX() && !log2);
        if (log2) {
            chart.setCustomXAxisTickLabelsFormatter(v -> Math.abs(v - Math.rint(v)) < 1e-9 && v >= 0
                    ? String.valueOf(1L << Math.round(v)) : "");
        }
        chart.getStyler().setYAxisLogarithmic(p.logY());
        chart.getStyler().setMarkerSize(6);
        addSeries(chart, p);
        return chart;
    }

    /** Adds the panel's series to a chart built for it; returns the ones added (a series with no drawable point is left out). */
    private static List<XYSeries> addSeries(XYChart chart, Panel p) {
        boolean log2 = p.logX() && p.powersOfTwo();
        List<XYSeries> out = new ArrayList<>();
        for (Series s : p.series()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>(), e = new ArrayList<>();
            for (int i = 0; i < s.x().length; i++) {
                boolean ok = Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i]) && (!p.logY() || s.y()[i] > 0)
                        && (!p.logX() || s.x()[i] > 0);
                if (ok) {
                    x.add(log2 ? Math.log(s.x()[i]) / Math.log(2) : s.x()[i]);
                    y.add(s.y()[i]);
                    e.add(s.error() == null || !Double.isFinite(s.error()[i]) ? 0.0 : s.error()[i]);
                }
            }
            if (x.isEmpty()) {
                continue;
            }
            XYSeries added = s.error() == null ? chart.addSeries(s.name(), x, y) : chart.addSeries(s.name(), x, y, e);
            if (s.x().length > 60) {
                added.setMarker(SeriesMarkers.NONE);
            }
            out.add(added);
        }
        return out;
    }

    /** Box plots, one per named sample. */
    public static void boxes(Path file, String title, String yTitle, boolean logY, Map<String, double[]> samples)
            throws IOException {
        BoxChart chart = new BoxChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            double[] finite = java.util.Arrays.stream(e.getValue()).filter(Double::isFinite).toArray();
            if (finite.length > 0) {
                chart.addSeries(e.getKey(), finite);
            }
        }
        save(chart, file);
    }

    /** Grouped bars: one group per category, one bar per series. */
    public static void bars(Path file, String title, String xTitle, String yTitle, boolean logY, List<String> categories,
                            Map<String, double[]> series) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            List<Number> values = new ArrayList<>();
            for (double v : e.getValue()) {
                values.add(Double.isFinite(v) && (!logY || v > 0) ? v : null);
            }
            chart.addSeries(e.getKey(), categories, values);
        }
        save(chart, file);
    }

    private static void save(Chart<?, ?> chart, Path file) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
        ResultFiles.writeAtomically(file, png.toByteArray());
    }
}
