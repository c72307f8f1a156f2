package org.sparsertrl.harness.oracle;

import java.util.List;

import org.sparsertrl.engine.transformer.OnlineTransformer;
import org.sparsertrl.engine.transformer.TransformerLayout;
import org.sparsertrl.engine.transformer.TransformerLayout.Kind;

/**
 * The online transformer's forward and backward pass over one window in plain double precision,
 * written for clarity and nothing else: the oracle the float32 engine is checked against. It
 * computes every step of every layer (the engine skips what the loss cannot see) and keeps its
 * parameters as one flat vector in {@link TransformerLayout} order, padding skipped.
 *
 * <p>Sparse transport is a mask {@code kept[l][h]}: in {@link #backward} a head outside the mask
 * sends no gradient from a query at step i to the keys and values of steps j &lt; i. The function
 * whose exact gradient that is: {@link #loss} with a {@code frozen} forward pass, in which such
 * heads read the keys and values of earlier steps from {@code frozen} (computed at fixed weights)
 * instead of computing them; central differences of it check the mask independently.
 */
public final class ReferenceTransformer {

    static final double LN_EPS = 1e-5;
    static final double GELU_C = Math.sqrt(2 / Math.PI);
    static final double GELU_A = 0.044715;

    public final int m, o, d, nh, dh, nl, ctx, f;
    private final TransformerLayout layout;
    private final double[] theta;
    private final int[][] start; // [kind][layer] -> first parameter of the tensor in theta

    private ReferenceTransformer(TransformerLayout layout, double[] theta) {
        this.layout = layout;
        this.m = layout.inputs();
        this.o = layout.outputs();
        this.d = layout.dModel();
        this.nh = layout.heads();
        this.dh = layout.headDim();
        this.nl = layout.layers();
        this.ctx = layout.context();
        this.f = layout.hidden();
        this.theta = theta;
        this.start = new int[Kind.values().length][nl];
        int at = 0;
        for (TransformerLayout.Tensor t : layout.tensors()) {
            start[t.kind().ordinal()][t.layer()] = at;
            at += t.rows() * t.cols();
        }
    }

    /** A copy of the engine's current weights. */
    public static ReferenceTransformer of(OnlineTransformer model) {
        return new ReferenceTransformer(model.layout(), engineOrder(model.layout(), model::parameter));
    }

    /** Parameters, in layout order without padding. */
    public int p() {
        return theta.length;
    }

    /** A copy with parameter {@code i} moved by {@code h}. */
    public ReferenceTransformer perturbed(int i, double h) {
        double[] copy = theta.clone();
        copy[i] += h;
        return new ReferenceTransformer(layout, copy);
    }

    /** The engine's gradient (or weights), read in this reference's parameter order. */
    public static double[] engineOrder(TransformerLayout layout, java.util.function.IntToDoubleFunction bySlabIndex) {
        double[] out = new double[(int) layout.parameterCount()];
        int at = 0;
        for (TransformerLayout.Tensor t : layout.tensors()) {
            for (int r = 0; r < t.rows(); r++) {
                for (int c = 0; c < t.cols(); c++) {
                    out[at++] = bySlabIndex.applyAsDouble(t.index(r, c));
                }
            }
        }
        return out;
    }

    /** The parameter number of element (r, c) of a tensor. */
    public int index(Kind kind, int layer, int r, int c) {
        return start[kind.ordinal()][layer] + r * layout.tensor(kind, layer).cols() + c;
    }

    private double w(Kind kind, int layer, int r, int c) {
        return theta[index(kind, layer, r, c)];
    }

    /** Every activation of one forward pass over a window. */
    public static final class Forward {
        final int tw;
        final double[][] x;
        final double[][][] h;     // [L + 1][tw][d]
        final double[][][] u1, q, k, v, o, mid, u2;   // [L][tw][d]
        final double[][][] z, g;  // [L][tw][f]
        final double[][][][] p;   // [L][H][tw][tw]
        final double[] uf, y;

        Forward(int nl, int nh, int tw, double[][] x, int d, int f, int o) {
            this.tw = tw;
            this.x = x;
            h = new double[nl + 1][tw][d];
            u1 = new double[nl][tw][d];
            q = new double[nl][tw][d];
            k = new double[nl][tw][d];
            v = new double[nl][tw][d];
            this.o = new double[nl][tw][d];
            mid = new double[nl][tw][d];
            u2 = new double[nl][tw][d];
            z = new double[nl][tw][f];
            g = new double[nl][tw][f];
            p = new double[nl][nh][tw][tw];
            uf = new double[d];
            y = new double[o];
        }

        public double[] y() {
            return y.clone();
        }
    }

    /** The plain forward pass over the window {@code xs} (oldest row first). */
    public Forward forward(double[][] xs) {
        return forward(xs, null, null);
    }

    /**
     * The forward pass; when {@code frozen} is given, a head outside {@code kept} reads the keys and
     * values of steps before the query from {@code frozen}.
     */
    public Forward forward(double[][] xs, boolean[][] kept, Forward frozen) {
        int tw = xs.length;
        Forward a = new Forward(nl, nh, tw, xs, d, f, o);
        for (int r = 0; r < tw; r++) {
            for (int c = 0; c < d; c++) {
                double s = w(Kind.B_IN, 0, 0, c) + w(Kind.POSITION, 0, tw - 1 - r, c);
                for (int j = 0; j < m; j++) {
                    s += xs[r][j] * w(Kind.W_IN, 0, j, c);
                }
                a.h[0][r][c] = s;
            }
        }
        for (int l = 0; l < nl; l++) {
            for (int r = 0; r < tw; r++) {
                layerNorm(a.h[l][r], Kind.LN1_GAIN, Kind.LN1_BIAS, l, a.u1[l][r]);
                a.q[l][r] = times(a.u1[l][r], Kind.WQ, l, d);
                a.k[l][r] = times(a.u1[l][r], Kind.WK, l, d);
                a.v[l][r] = times(a.u1[l][r], Kind.WV, l, d);
            }
            for (int i = 0; i < tw; i++) {
                for (int hd = 0; hd < nh; hd++) {
                    boolean stop = frozen != null && !kept[l][hd];
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double[] kj = stop && j < i ? frozen.k[l][j] : a.k[l][j];
                        for (int c = 0; c < dh; c++) {
                            s[j] += a.q[l][i][hd * dh + c] * kj[hd * dh + c];
                        }
                        s[j] /= Math.sqrt(dh);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        a.p[l][hd][i][j] = s[j] / sum;
                        double[] vj = stop && j < i ? frozen.v[l][j] : a.v[l][j];
                        for (int c = 0; c < dh; c++) {
                            a.o[l][i][hd * dh + c] += a.p[l][hd][i][j] * vj[hd * dh + c];
                        }
                    }
                }
                double[] proj = times(a.o[l][i], Kind.WO, l, d);
                for (int c = 0; c < d; c++) {
                    a.mid[l][i][c] = a.h[l][i][c] + proj[c] + w(Kind.BO, l, 0, c);
                }
                layerNorm(a.mid[l][i], Kind.LN2_GAIN, Kind.LN2_BIAS, l, a.u2[l][i]);
                double[] zi = times(a.u2[l][i], Kind.W1, l, f);
                for (int c = 0; c < f; c++) {
                    a.z[l][i][c] = zi[c] + w(Kind.B1, l, 0, c);
                    a.g[l][i][c] = gelu(a.z[l][i][c]);
                }
                double[] out = times(a.g[l][i], Kind.W2, l, d);
                for (int c = 0; c < d; c++) {
                    a.h[l + 1][i][c] = a.mid[l][i][c] + out[c] + w(Kind.B2, l, 0, c);
                }
            }
        }
        layerNorm(a.h[nl][tw - 1], Kind.LNF_GAIN, Kind.LNF_BIAS, 0, a.uf);
        double[] y = times(a.uf, Kind.WR, 0, o);
        for (int c = 0; c < o; c++) {
            a.y[c] = y[c] + w(Kind.BR, 0, 0, c);
        }
        return a;
    }

    /** 1/2 |y - target|^2 of the plain forward pass. */
    public double loss(double[][] xs, double[] target) {
        return loss(forward(xs), target);
    }

    /** 1/2 |y - target|^2 of the stop-gradient forward pass (see the class comment). */
    public double loss(double[][] xs, double[] target, boolean[][] kept, Forward frozen) {
        return loss(forward(xs, kept, frozen), target);
    }

    private static double loss(Forward a, double[] target) {
        double sum = 0;
        for (int c = 0; c < target.length; c++) {
            sum += (a.y[c] - target[c]) * (a.y[c] - target[c]);
        }
        return 0.5 * sum;
    }

    /** Every head kept: dense transport. */
    public boolean[][] all() {
        boolean[][] kept = new boolean[nl][nh];
        for (boolean[] layer : kept) {
            java.util.Arrays.fill(layer, true);
        }
        return kept;
    }

    /** The gradient of the loss at the newest step, in parameter order, with transport through {@code kept} only. */
    public double[] backward(double[][] xs, double[] target, boolean[][] kept) {
        Forward a = forward(xs);
        int tw = a.tw;
        double[] grad = new double[theta.length];
        double[] dy = new double[o];
        for (int c = 0; c < o; c++) {
            dy[c] = a.y[c] - target[c];
            grad[index(Kind.BR, 0, 0, c)] += dy[c];
            for (int r = 0; r < d; r++) {
                grad[index(Kind.WR, 0, r, c)] += a.uf[r] * dy[c];
            }
        }
        double[] duf = timesTransposed(dy, Kind.WR, 0, d);
        double[][] dS = new double[tw][d];
        dS[tw - 1] = layerNormBackward(a.h[nl][tw - 1], duf, Kind.LNF_GAIN, Kind.LNF_BIAS, 0, grad);
        for (int l = nl - 1; l >= 0; l--) {
            double[][] dmid = new double[tw][d];
            double[][] dO = new double[tw][d];
            for (int i = 0; i < tw; i++) {
                double[] dg = timesTransposed(dS[i], Kind.W2, l, f);
                double[] dz = new double[f];
                for (int c = 0; c < f; c++) {
                    dz[c] = dg[c] * geluDerivative(a.z[l][i][c]);
                    grad[index(Kind.B1, l, 0, c)] += dz[c];
                    for (int c2 = 0; c2 < d; c2++) {
                        grad[index(Kind.W2, l, c, c2)] += a.g[l][i][c] * dS[i][c2];
                    }
                }
                for (int c = 0; c < d; c++) {
                    grad[index(Kind.B2, l, 0, c)] += dS[i][c];
                    for (int c2 = 0; c2 < f; c2++) {
                        grad[index(Kind.W1, l, c, c2)] += a.u2[l][i][c] * dz[c2];
                    }
                }
                double[] du2 = timesTransposed(dz, Kind.W1, l, d);
                double[] back = layerNormBackward(a.mid[l][i], du2, Kind.LN2_GAIN, Kind.LN2_BIAS, l, grad);
                for (int c = 0; c < d; c++) {
                    dmid[i][c] = dS[i][c] + back[c];
                    grad[index(Kind.BO, l, 0, c)] += dmid[i][c];
                }
                for (int c = 0; c < d; c++) {
                    for (int c2 = 0; c2 < d; c2++) {
                        grad[index(Kind.WO, l, c, c2)] += a.o[l][i][c] * dmid[i][c2];
                    }
                }
                dO[i] = timesTransposed(dmid[i], Kind.WO, l, d);
            }
            double[][] dq = new double[tw][d], dk = new double[tw][d], dv = new double[tw][d];
            for (int i = 0; i < tw; i++) {
                for (int hd = 0; hd < nh; hd++) {
                    double[] dA = new double[i + 1];
                    double dot = 0;
                    for (int j = 0; j <= i; j++) {
                        for (int c = 0; c < dh; c++) {
                            dA[j] += dO[i][hd * dh + c] * a.v[l][j][hd * dh + c];
                        }
                        dot += a.p[l][hd][i][j] * dA[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        double pij = a.p[l][hd][i][j];
                        double ds = pij * (dA[j] - dot) / Math.sqrt(dh);
                        boolean transports = kept[l][hd] || j == i;
                        for (int c = 0; c < dh; c++) {
                            dq[i][hd * dh + c] += ds * a.k[l][j][hd * dh + c];
                            if (transports) {
                                dk[j][hd * dh + c] += ds * a.q[l][i][hd * dh + c];
                                dv[j][hd * dh + c] += pij * dO[i][hd * dh + c];
                            }
                        }
                    }
                }
            }
            double[][] dIn = new double[tw][d];
            for (int r = 0; r < tw; r++) {
                for (int c = 0; c < d; c++) {
                    for (int c2 = 0; c2 < d; c2++) {
                        grad[index(Kind.WQ, l, c, c2)] += a.u1[l][r][c] * dq[r][c2];
                        grad[index(Kind.WK, l, c, c2)] += a.u1[l][r][c] * dk[r][c2];
                        grad[index(Kind.WV, l, c, c2)] += a.u1[l][r][c] * dv[r][c2];
                    }
                }
                double[] du1 = timesTransposed(dq[r], Kind.WQ, l, d);
                double[] fromK = timesTransposed(dk[r], Kind.WK, l, d), fromV = timesTransposed(dv[r], Kind.WV, l, d);
                for (int c = 0; c < d; c++) {
                    du1[c] += fromK[c] + fromV[c];
                }
                double[] back = layerNormBackward(a.h[l][r], du1, Kind.LN1_GAIN, Kind.LN1_BIAS, l, grad);
                for (int c = 0; c < d; c++) {
                    dIn[r][c] = dmid[r][c] + back[c];
                }
            }
            dS = dIn;
        }
        for (int r = 0; r < tw; r++) {
            for (int c = 0; c < d; c++) {
                grad[index(Kind.B_IN, 0, 0, c)] += dS[r][c];
                grad[index(Kind.POSITION, 0, tw - 1 - r, c)] += dS[r][c];
                for (int j = 0; j < m; j++) {
                    grad[index(Kind.W_IN, 0, j, c)] += a.x[r][j] * dS[r][c];
                }
            }
        }
        return grad;
    }

    /** x W for a tensor stored input-major. */
    private double[] times(double[] x, Kind kind, int layer, int cols) {
        double[] out = new double[cols];
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < cols; c++) {
                out[c] += x[r] * w(kind, layer, r, c);
            }
        }
        return out;
    }

    /** dy W^T: the gradient with respect to the input of {@link #times}. */
    private double[] timesTransposed(double[] dy, Kind kind, int layer, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dy.length; c++) {
                out[r] += dy[c] * w(kind, layer, r, c);
            }
        }
        return out;
    }

    private void layerNorm(double[] x, Kind gain, Kind bias, int layer, double[] out) {
        double mean = 0, var = 0;
        for (double xi : x) {
            mean += xi;
        }
        mean /= x.length;
        for (double xi : x) {
            var += (xi - mean) * (xi - mean);
        }
        double rstd = 1 / Math.sqrt(var / x.length + LN_EPS);
        for (int c = 0; c < x.length; c++) {
            out[c] = (x[c] - mean) * rstd * w(gain, layer, 0, c) + w(bias, layer, 0, c);
        }
    }

    /** Adds the gain and bias gradients; returns the gradient with respect to x. */
    private double[] layerNormBackward(double[] x, double[] du, Kind gain, Kind bias, int layer, double[] grad) {
        int n = x.length;
        double mean = 0, var = 0;
        for (double xi : x) {
            mean += xi;
        }
        mean /= n;
        for (double xi : x) {
            var += (xi - mean) * (xi - mean);
        }
        double rstd = 1 / Math.sqrt(var / n + LN_EPS);
        double[] xhat = new double[n], dxhat = new double[n];
        double meanD = 0, meanDX = 0;
        for (int c = 0; c < n; c++) {
            xhat[c] = (x[c] - mean) * rstd;
            grad[index(gain, layer, 0, c)] += du[c] * xhat[c];
            grad[index(bias, layer, 0, c)] += du[c];
            dxhat[c] = du[c] * w(gain, layer, 0, c);
            meanD += dxhat[c] / n;
            meanDX += dxhat[c] * xhat[c] / n;
        }
        double[] dx = new double[n];
        for (int c = 0; c < n; c++) {
            dx[c] = rstd * (dxhat[c] - meanD - xhat[c] * meanDX);
        }
        return dx;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_A * x * x * x)));
    }

    static double geluDerivative(double x) {
        double t = Math.tanh(GELU_C * (x + GELU_A * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x * x);
    }

    /** The tensors, for messages. */
    public List<TransformerLayout.Tensor> tensors() {
        return layout.tensors();
    }
}
