package org.sparsertrl.harness.oracle;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RecurrentCell;

/**
 * The vanilla RNN and its exact and sparse RTRL gradients in plain double precision, written for
 * clarity and nothing else: the oracle the float32 engine is checked against.
 *
 * <p>Parameters theta of the recurrent part are numbered as in DESIGN.md: one block of
 * q = n + m + 1 columns per unit a, holding W[a,:], U[a,:], b[a]. {@link #slabIndex} maps such a
 * column to the engine's slab index.
 */
public final class ReferenceRnn {

    public final int n;
    public final int m;
    public final int o;
    public final int q;
    public final double[][] w;
    public final double[][] u;
    public final double[] b;
    public final double[][] v;
    public final double[] c;

    private ReferenceRnn(int n, int m, int o) {
        this.n = n;
        this.m = m;
        this.o = o;
        this.q = n + m + 1;
        this.w = new double[n][n];
        this.u = new double[n][m];
        this.b = new double[n];
        this.v = new double[o][n];
        this.c = new double[o];
    }

    /** A copy of the engine's current weights. */
    public static ReferenceRnn of(RecurrentCell cell) {
        if (cell.kind() != CellKind.VANILLA) {
            throw new IllegalArgumentException("ReferenceRnn models the vanilla cell, not " + cell.kind().label());
        }
        RnnLayout l = cell.layout();
        ReferenceRnn r = new ReferenceRnn(l.n(), l.m(), l.o());
        for (int a = 0; a < l.n(); a++) {
            for (int j = 0; j < l.n(); j++) {
                r.w[a][j] = cell.parameter(l.w(a, j));
            }
            for (int j = 0; j < l.m(); j++) {
                r.u[a][j] = cell.parameter(l.u(a, j));
            }
            r.b[a] = cell.parameter(l.b(a));
        }
        for (int k = 0; k < l.o(); k++) {
            for (int j = 0; j < l.n(); j++) {
                r.v[k][j] = cell.parameter(l.v(k, j));
            }
            r.c[k] = cell.parameter(l.c(k));
        }
        return r;
    }

    /** Number of recurrent parameters p = n q. */
    public int p() {
        return n * q;
    }

    /** The engine's slab index of recurrent column {@code col}. */
    public static int slabIndex(RnnLayout layout, int col) {
        int q = layout.n() + layout.m() + 1;
        int a = col / q, r = col % q;
        if (r < layout.n()) {
            return layout.w(a, r);
        }
        if (r < layout.n() + layout.m()) {
            return layout.u(a, r - layout.n());
        }
        return layout.b(a);
    }

    /** A copy with recurrent parameter {@code col} moved by {@code delta}. */
    public ReferenceRnn perturbed(int col, double delta) {
        ReferenceRnn r = new ReferenceRnn(n, m, o);
        for (int a = 0; a < n; a++) {
            r.w[a] = w[a].clone();
            r.u[a] = u[a].clone();
        }
        System.arraycopy(b, 0, r.b, 0, n);
        for (int k = 0; k < o; k++) {
            r.v[k] = v[k].clone();
        }
        System.arraycopy(c, 0, r.c, 0, o);
        int a = col / q, j = col % q;
        if (j < n) {
            r.w[a][j] += delta;
        } else if (j < n + m) {
            r.u[a][j - n] += delta;
        } else {
            r.b[a] += delta;
        }
        return r;
    }

    /** One forward step. */
    public Step forward(double[] hPrev, double[] x, double[] target) {
        double[] h = new double[n], d = new double[n], y = new double[o], err = new double[o], delta = new double[n];
        for (int a = 0; a < n; a++) {
            double s = b[a];
            for (int j = 0; j < n; j++) {
                s += w[a][j] * hPrev[j];
            }
            for (int j = 0; j < m; j++) {
                s += u[a][j] * x[j];
            }
            h[a] = Math.tanh(s);
            d[a] = 1 - h[a] * h[a];
        }
        double loss = 0;
        for (int k = 0; k < o; k++) {
            double s = c[k];
            for (int j = 0; j < n; j++) {
                s += v[k][j] * h[j];
            }
            y[k] = s;
            err[k] = s - target[k];
            loss += 0.5 * err[k] * err[k];
            for (int j = 0; j < n; j++) {
                delta[j] += v[k][j] * err[k];
            }
        }
        return new Step(hPrev, x, h, d, y, err, delta, loss);
    }

    /** The quantities of one step; {@code delta = V^T err}. */
    public record Step(double[] hPrev, double[] x, double[] h, double[] d, double[] y, double[] err,
                       double[] delta, double loss) {
    }

    /** Sum of the losses over a sequence from h_0 = 0. */
    public double totalLoss(double[][] xs, double[][] targets) {
        double[] h = new double[n];
        double total = 0;
        for (int t = 0; t < xs.length; t++) {
            Step s = forward(h, xs[t], targets[t]);
            total += s.loss;
            h = s.h;
        }
        return total;
    }

    /** Gradients with respect to the recurrent columns and the readout. */
    public record Gradient(double[] recurrent, double[][] v, double[] c) {
    }

    /** Exact gradient of {@link #totalLoss} by backpropagation through time. */
    public Gradient bptt(double[][] xs, double[][] targets) {
        int steps = xs.length;
        Step[] trace = new Step[steps];
        double[] h = new double[n];
        for (int t = 0; t < steps; t++) {
            trace[t] = forward(h, xs[t], targets[t]);
            h = trace[t].h;
        }
        double[] g = new double[p()];
        double[][] gv = new double[o][n];
        double[] gc = new double[o];
        double[] future = new double[n]; // dL_{>t} / dh_t
        for (int t = steps - 1; t >= 0; t--) {
            Step s = trace[t];
            double[] da = new double[n];
            for (int a = 0; a < n; a++) {
                da[a] = (s.delta[a] + future[a]) * s.d[a];
            }
            for (int a = 0; a < n; a++) {
                for (int j = 0; j < n; j++) {
                    g[a * q + j] += da[a] * s.hPrev[j];
                }
                for (int j = 0; j < m; j++) {
                    g[a * q + n + j] += da[a] * s.x[j];
                }
                g[a * q + n + m] += da[a];
            }
            for (int k = 0; k < o; k++) {
                for (int j = 0; j < n; j++) {
                    gv[k][j] += s.err[k] * s.h[j];
                }
                gc[k] += s.err[k];
            }
            double[] next = new double[n];
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int a = 0; a < n; a++) {
                    sum += w[a][j] * da[a];
                }
                next[j] = sum;
            }
            future = next;
        }
        return new Gradient(g, gv, gc);
    }

    /** The result of running an RTRL estimator over a sequence with frozen weights. */
    public record RtrlRun(Gradient summed, double[][] lastSensitivity, double[] losses) {
    }

    /**
     * Per-row sparse RTRL with frozen weights:
     * {@code J_t[i,:] = d_i (alpha sum_{j in paths[i]} W[i,j] J_{t-1}[j,:] + M_t[i,:])}; {@code paths == null}
     * means every unit (full RTRL). Returns the summed online gradients and the last J.
     */
    public RtrlRun rtrl(double[][] xs, double[][] targets, int[][] paths, double alpha) {
        int p = p();
        double[][] jPrev = new double[n][p];
        double[] h = new double[n];
        double[] g = new double[p];
        double[][] gv = new double[o][n];
        double[] gc = new double[o];
        double[] losses = new double[xs.length];
        for (int t = 0; t < xs.length; t++) {
            Step s = forward(h, xs[t], targets[t]);
            losses[t] = s.loss;
            double[][] jNext = new double[n][p];
            for (int i = 0; i < n; i++) {
                double[] row = jNext[i];
                if (paths == null) {
                    for (int j = 0; j < n; j++) {
                        addScaled(row, jPrev[j], w[i][j]);
                    }
                } else {
                    for (int j : paths[i]) {
                        addScaled(row, jPrev[j], alpha * w[i][j]);
                    }
                }
                for (int j = 0; j < n; j++) {
                    row[i * q + j] += s.hPrev[j];
                }
                for (int j = 0; j < m; j++) {
                    row[i * q + n + j] += s.x[j];
                }
                row[i * q + n + m] += 1;
                for (int col = 0; col < p; col++) {
                    row[col] *= s.d[i];
                }
                addScaled(g, row, s.delta[i]);
            }
            addReadoutGradient(s, gv, gc);
            jPrev = jNext;
            h = s.h;
        }
        return new RtrlRun(new Gradient(g, gv, gc), jPrev, losses);
    }

    /** Adds step {@code s}'s exact readout gradient to {@code gv} (dL/dV) and {@code gc} (dL/dc). */
    public static void addReadoutGradient(Step s, double[][] gv, double[] gc) {
        for (int k = 0; k < gv.length; k++) {
            addScaled(gv[k], s.h, s.err[k]);
            gc[k] += s.err[k];
        }
    }

    private static void addScaled(double[] target, double[] source, double scale) {
        for (int i = 0; i < target.length; i++) {
            target[i] += scale * source[i];
        }
    }
}
