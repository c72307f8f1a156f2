package org.sparsertrl.harness.oracle;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;

/**
 * The LSTM and the GRU in plain double precision, with their exact gradient by backpropagation
 * through time written out from the forward equations (not from the engine's Jacobian
 * coefficients): the oracle the engine's gated cells are checked against. Parameters are held in the
 * engine's slab layout, as doubles, so a gradient here and the engine's gradient share their indices.
 */
public final class ReferenceGatedRnn {

    private final CellKind kind;
    private final RnnLayout layout;
    private final double[] slab;
    private final int n;
    private final int m;
    private final int o;

    private ReferenceGatedRnn(CellKind kind, RnnLayout layout, double[] slab) {
        this.kind = kind;
        this.layout = layout;
        this.slab = slab;
        this.n = layout.n();
        this.m = layout.m();
        this.o = layout.o();
    }

    /** A copy of the engine cell's current weights. */
    public static ReferenceGatedRnn of(RecurrentCell cell) {
        if (cell.kind() == CellKind.VANILLA) {
            throw new IllegalArgumentException("ReferenceGatedRnn models the LSTM and the GRU");
        }
        RnnLayout layout = cell.layout();
        double[] slab = new double[layout.size()];
        for (int i = 0; i < slab.length; i++) {
            slab[i] = cell.parameter(i);
        }
        return new ReferenceGatedRnn(cell.kind(), layout, slab);
    }

    /** A copy with the parameter at slab index {@code index} moved by {@code delta}. */
    public ReferenceGatedRnn perturbed(int index, double delta) {
        double[] copy = slab.clone();
        copy[index] += delta;
        return new ReferenceGatedRnn(kind, layout, copy);
    }

    private double w(int a, int j) {
        return slab[layout.w(a, j)];
    }

    private double u(int a, int j) {
        return slab[layout.u(a, j)];
    }

    private double b(int a) {
        return slab[layout.b(a)];
    }

    private static double sigmoid(double a) {
        return 1 / (1 + Math.exp(-a));
    }

    /** One step: the gates (rows g n + i) after their non-linearity, q = W_n h (GRU), the new h and c, and the readout. */
    private record Step(double[] hPrev, double[] cPrev, double[] x, double[] gate, double[] q, double[] h, double[] c,
                        double[] err, double loss) {
    }

    private Step forward(double[] hPrev, double[] cPrev, double[] x, double[] target) {
        int rows = layout.rows();
        double[] wh = new double[rows], ux = new double[rows];
        for (int a = 0; a < rows; a++) {
            for (int j = 0; j < n; j++) {
                wh[a] += w(a, j) * hPrev[j];
            }
            ux[a] = b(a);
            for (int j = 0; j < m; j++) {
                ux[a] += u(a, j) * x[j];
            }
        }
        double[] gate = new double[rows], h = new double[n], c = new double[n], q = new double[n];
        for (int i = 0; i < n; i++) {
            if (kind == CellKind.LSTM) {
                gate[i] = sigmoid(wh[i] + ux[i]);
                gate[n + i] = sigmoid(wh[n + i] + ux[n + i]);
                gate[2 * n + i] = Math.tanh(wh[2 * n + i] + ux[2 * n + i]);
                gate[3 * n + i] = sigmoid(wh[3 * n + i] + ux[3 * n + i]);
                c[i] = gate[n + i] * cPrev[i] + gate[i] * gate[2 * n + i];
                h[i] = gate[3 * n + i] * Math.tanh(c[i]);
            } else {
                gate[i] = sigmoid(wh[i] + ux[i]);
                gate[n + i] = sigmoid(wh[n + i] + ux[n + i]);
                q[i] = wh[2 * n + i];
                gate[2 * n + i] = Math.tanh(ux[2 * n + i] + gate[n + i] * q[i]);
                h[i] = (1 - gate[i]) * gate[2 * n + i] + gate[i] * hPrev[i];
            }
        }
        double[] err = new double[o];
        double loss = 0;
        for (int r = 0; r < o; r++) {
            double y = slab[layout.c(r)];
            for (int j = 0; j < n; j++) {
                y += slab[layout.v(r, j)] * h[j];
            }
            err[r] = y - target[r];
            loss += 0.5 * err[r] * err[r];
        }
        return new Step(hPrev, cPrev, x, gate, q, h, c, err, loss);
    }

    private Step[] run(double[][] xs, double[][] targets) {
        Step[] trace = new Step[xs.length];
        double[] h = new double[n], c = new double[n];
        for (int t = 0; t < xs.length; t++) {
            trace[t] = forward(h, c, xs[t], targets[t]);
            h = trace[t].h;
            c = trace[t].c;
        }
        return trace;
    }

    /** Sum of the losses over a sequence from a zero state. */
    public double totalLoss(double[][] xs, double[][] targets) {
        double total = 0;
        for (Step s : run(xs, targets)) {
            total += s.loss;
        }
        return total;
    }

    /** The exact gradient of {@link #totalLoss} by BPTT, in the slab layout (padding zero). */
    public double[] bptt(double[][] xs, double[][] targets) {
        Step[] trace = run(xs, targets);
        double[] g = new double[slab.length];
        double[] dhNext = new double[n], dcNext = new double[n]; // dL_{>t} / dh_t and / dc_t
        for (int t = trace.length - 1; t >= 0; t--) {
            double[] dh = dhNext.clone();
            addReadout(trace[t], dh, g);
            double[][] back = backStep(trace[t], dh, dcNext, g);
            dhNext = back[0];
            dcNext = back[1];
        }
        return g;
    }

    /**
     * The sum over t of the gradient of loss_t alone, carried back through at most {@code window}
     * steps (t, t-1, ..., t-window+1): online truncated BPTT with frozen weights, by its definition.
     */
    public double[] truncatedBptt(double[][] xs, double[][] targets, int window) {
        Step[] trace = run(xs, targets);
        double[] g = new double[slab.length];
        for (int t = 0; t < trace.length; t++) {
            double[] dh = new double[n], dc = new double[n];
            addReadout(trace[t], dh, g);
            for (int s = t; s > t - window && s >= 0; s--) {
                double[][] back = backStep(trace[s], dh, dc, g);
                dh = back[0];
                dc = back[1];
            }
        }
        return g;
    }

    /** Adds step s's readout gradient to g and V^T err to dh. */
    private void addReadout(Step s, double[] dh, double[] g) {
        for (int r = 0; r < o; r++) {
            for (int j = 0; j < n; j++) {
                dh[j] += slab[layout.v(r, j)] * s.err[r];
                g[layout.v(r, j)] += s.err[r] * s.h[j];
            }
            g[layout.c(r)] += s.err[r];
        }
    }

    /** One step back: adds the step's parameter gradient to g, returns dL/dh_{s-1} and dL/dc_{s-1}. */
    private double[][] backStep(Step s, double[] dh, double[] dcNext, double[] g) {
        double[] da = new double[layout.rows()];  // dL / d(pre-activation of row a), through its W h part
        double[] dux = new double[layout.rows()]; // dL / d(U x + b part of row a)
        double[] dhPrev = new double[n], dcPrev = new double[n];
        for (int i = 0; i < n; i++) {
            if (kind == CellKind.LSTM) {
                double in = s.gate[i], f = s.gate[n + i], cand = s.gate[2 * n + i], out = s.gate[3 * n + i];
                double phi = Math.tanh(s.c[i]);
                double dc = dcNext[i] + dh[i] * out * (1 - phi * phi);
                da[i] = dc * cand * in * (1 - in);
                da[n + i] = dc * s.cPrev[i] * f * (1 - f);
                da[2 * n + i] = dc * in * (1 - cand * cand);
                da[3 * n + i] = dh[i] * phi * out * (1 - out);
                dcPrev[i] = dc * f;
                for (int gIndex = 0; gIndex < 4; gIndex++) {
                    dux[gIndex * n + i] = da[gIndex * n + i];
                }
            } else {
                double z = s.gate[i], reset = s.gate[n + i], cand = s.gate[2 * n + i];
                double dCand = dh[i] * (1 - z) * (1 - cand * cand); // dL / d(pre-activation of the candidate)
                da[i] = dh[i] * (s.hPrev[i] - cand) * z * (1 - z);
                da[n + i] = dCand * s.q[i] * reset * (1 - reset);
                da[2 * n + i] = dCand * reset;                       // through q = W_n h_{t-1}
                dux[i] = da[i];
                dux[n + i] = da[n + i];
                dux[2 * n + i] = dCand;
                dhPrev[i] += dh[i] * z;
            }
        }
        for (int a = 0; a < layout.rows(); a++) {
            for (int j = 0; j < n; j++) {
                g[layout.w(a, j)] += da[a] * s.hPrev[j];
                dhPrev[j] += w(a, j) * da[a];
            }
            for (int j = 0; j < m; j++) {
                g[layout.u(a, j)] += dux[a] * s.x[j];
            }
            g[layout.b(a)] += dux[a];
        }
        return new double[][] {dhPrev, dcPrev};
    }
}
