package org.sparsertrl.flink.job;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.sparsertrl.flink.Prediction;
import org.sparsertrl.flink.Sample;

/**
 * Reads the example job's CSV rows, {@code key,time,x_1..x_m,y_1..y_o}: a row with m + o values is a
 * training sample, a row with m values a prediction-only sample. Blank lines and lines starting with
 * {@code #} are skipped; a row that does not parse (a field that is not a number, another count of
 * values) goes to {@link #UNPARSED} as {@code reason,line}, never to a trainer.
 */
public final class CsvSamples extends ProcessFunction<String, Sample> {

    private static final long serialVersionUID = 1L;

    /** Rows that are not samples, as {@code reason,row}. */
    public static final OutputTag<String> UNPARSED = new OutputTag<>("unparsed") { };

    private final int m;
    private final int o;

    public CsvSamples(int m, int o) {
        this.m = m;
        this.o = o;
    }

    @Override
    public void processElement(String line, Context context, Collector<Sample> out) {
        String row = line.strip();
        if (row.isEmpty() || row.startsWith("#")) {
            return;
        }
        String[] fields = row.split(",", -1);
        int values = fields.length - 2;
        if (values != m && values != m + o) {
            context.output(UNPARSED, quote(fields.length + " fields, expected key, time and " + m + " inputs (prediction only) or "
                    + (m + o) + " values") + "," + row);
            return;
        }
        try {
            long time = Long.parseLong(fields[1].strip());
            float[] x = new float[m];
            float[] y = new float[values - m];
            for (int j = 0; j < values; j++) {
                float v = Float.parseFloat(fields[2 + j].strip());
                if (j < m) {
                    x[j] = v;
                } else {
                    y[j - m] = v;
                }
            }
            out.collect(new Sample(fields[0].strip(), time, y.length > 0, x, y));
        } catch (NumberFormatException e) {
            context.output(UNPARSED, quote("not a number: " + e.getMessage()) + "," + row);
        }
    }

    /** One CSV row for a sample: the format this class reads. */
    public static String row(Sample s) {
        StringBuilder b = new StringBuilder(s.key()).append(',').append(s.time());
        for (float v : s.input()) {
            b.append(',').append(v);
        }
        if (s.train()) {
            for (float v : s.target()) {
                b.append(',').append(v);
            }
        }
        return b.toString();
    }

    /** One CSV row for a prediction: {@code key,time,loss,updates,diverged,y_1..y_o}. */
    public static String row(Prediction p) {
        StringBuilder b = new StringBuilder(p.key()).append(',').append(p.time()).append(',').append(p.loss())
                .append(',').append(p.updates()).append(',').append(p.diverged());
        for (float v : p.output()) {
            b.append(',').append(v);
        }
        return b.toString();
    }

    static String quote(String field) {
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
