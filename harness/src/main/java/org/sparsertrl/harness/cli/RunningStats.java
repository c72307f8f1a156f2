package org.sparsertrl.harness.cli;

/**
 * Running mean and standard deviation per column (Welford's update, in double precision), used to
 * normalise a stream whose scale is not known in advance. The statistics include the current row:
 * {@link #add} first, then {@link #normalize}. A column whose spread is still zero (one row, or a
 * constant column) is only centred.
 */
final class RunningStats {

    private long count;
    private final double[] mean;
    private final double[] m2;

    RunningStats(int columns) {
        this.mean = new double[columns];
        this.m2 = new double[columns];
    }

    RunningStats(long count, double[] mean, double[] m2) {
        if (mean.length != m2.length || count < 0) {
            throw new IllegalArgumentException("statistics of " + mean.length + " means and " + m2.length
                    + " sums of squares over " + count + " rows");
        }
        this.count = count;
        this.mean = mean.clone();
        this.m2 = m2.clone();
    }

    void add(double[] row) {
        count++;
        for (int i = 0; i < mean.length; i++) {
            double delta = row[i] - mean[i];
            mean[i] += delta / count;
            m2[i] += delta * (row[i] - mean[i]);
        }
    }

    double std(int column) {
        double s = count > 1 ? Math.sqrt(m2[column] / count) : 0;
        return s > 1e-12 ? s : 1;
    }

    double normalize(int column, double value) {
        return (value - mean[column]) / std(column);
    }

    double denormalize(int column, double value) {
        return value * std(column) + mean[column];
    }

    long count() {
        return count;
    }

    double[] mean() {
        return mean.clone();
    }

    double[] m2() {
        return m2.clone();
    }

    int columns() {
        return mean.length;
    }
}
