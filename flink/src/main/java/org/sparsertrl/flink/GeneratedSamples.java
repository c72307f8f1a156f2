package org.sparsertrl.flink;

import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A reproducible stream of many keys for the demo, the benchmark and the tests: sample i belongs to key
 * {@code k<i mod keys>} at that key's step {@code t = i / keys}, so the keys take turns. Each key sees
 * sines of its own phase: input j is {@code sin(0.3 (j + 1) t + phase)}, target j is
 * {@code sin(0.3 (t + 1) + phase + j)}: one-step-ahead prediction, learnable with memory of a step.
 * Every {@code predictEvery}-th step of a key (0: none) is prediction-only, with its target.
 */
public final class GeneratedSamples implements GeneratorFunction<Long, Sample> {

    private static final long serialVersionUID = 1L;

    private final int keys;
    private final int m;
    private final int o;
    private final int predictEvery;

    public GeneratedSamples(int keys, int m, int o, int predictEvery) {
        if (keys < 1 || m < 1 || o < 1 || predictEvery < 0) {
            throw new IllegalArgumentException("keys = " + keys + ", m = " + m + ", o = " + o + ", predictEvery = "
                    + predictEvery + ": keys, m and o must be >= 1, predictEvery >= 0");
        }
        this.keys = keys;
        this.m = m;
        this.o = o;
        this.predictEvery = predictEvery;
    }

    /** The name of key number {@code index}. */
    public static String key(int index) {
        return "k" + index;
    }

    @Override
    public Sample map(Long index) {
        return sample(index);
    }

    /** Sample number {@code index} of the stream. */
    public Sample sample(long index) {
        int k = (int) (index % keys);
        long t = index / keys;
        double phase = 0.618 * k;
        float[] x = new float[m];
        for (int j = 0; j < m; j++) {
            x[j] = (float) Math.sin(0.3 * (j + 1) * t + phase);
        }
        float[] y = new float[o];
        for (int j = 0; j < o; j++) {
            y[j] = (float) Math.sin(0.3 * (t + 1) + phase + j);
        }
        boolean train = predictEvery == 0 || t % predictEvery != predictEvery - 1;
        return new Sample(key(k), t, train, x, y);
    }
}
