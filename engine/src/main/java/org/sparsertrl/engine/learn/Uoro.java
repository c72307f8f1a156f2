package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * UORO (Tallec and Ollivier, 2017): an unbiased rank-one estimate J_t ~ h~_t theta~_t^T, O(G n^2) work
 * and O(p) memory per step, for every cell (see {@link CellTerms}). With random signs nu in
 * {-1, +1}^S drawn every step, over the S state rows:
 * <pre>
 *   A = D_t h~_{t-1}                  B = nu^T M_t
 *   rho0 = sqrt((|theta~| + eps) / (|A| + eps))      rho1 = sqrt((|B| + eps) / (|nu| + eps))
 *   h~_t = rho0 A + rho1 nu          theta~_t = theta~_{t-1} / rho0 + B / rho1          g_t = (delta_t . h~_t) theta~_t
 * </pre>
 * For gate row a = g n + i, B's W part is {@code (sum_{r in rows(i)} nu_r cw[r,g]) h_{t-1}} and its U
 * part and bias {@code sum_{r in rows(i)} nu_r cu[r,g]} times x_t and 1 (for the vanilla cell,
 * {@code nu_i d_t[i] z_t}). rho0 depends only on the past and |B| depends on nu only through terms
 * even in nu (B(-nu) = -B(nu); for the vanilla cell not at all), so the cross terms have zero mean and
 * E[h~_t theta~_t^T] = J_t with frozen weights. The signs come from a SplitMix64 generator held in one
 * long (saved with the state), so steps allocate nothing and a restored run draws the same signs.
 */
public final class Uoro implements Learner {

    private static final float EPS = 1e-7f;

    private final LearnerSpec.UoroSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final int n;
    private final int rows;                 // state rows: n, or 2n for the LSTM
    private final int width;
    private final MemorySegment hTilde;     // (padded rows) h~
    private final MemorySegment thetaTilde; // (width) theta~, slab layout
    private final MemorySegment a;          // (padded rows) A, then scratch
    private final float[] signs;            // (rows) nu
    private final float[] recurrentDots;    // (G n) W[a,:] h~
    private final MemorySegment random;     // (1) long: the SplitMix64 state

    Uoro(LearnerSpec.UoroSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.n = cell.layout().n();
        this.rows = cell.stateSize();
        this.width = cell.layout().recurrentSize();
        this.hTilde = memory.allocateFloats(ModelMemory.padded(rows));
        memory.state().registerFloats(StateSlab.Part.LEARNER, "uoro.h-tilde", hTilde.asSlice(0, (long) rows * Float.BYTES));
        this.thetaTilde = memory.state().floats(StateSlab.Part.LEARNER, "uoro.theta-tilde", width).segment();
        this.random = memory.state().longs(StateSlab.Part.LEARNER, "uoro.generator", 1).segment();
        this.a = memory.allocateFloats(ModelMemory.padded(rows));
        this.signs = new float[rows];
        this.recurrentDots = new float[cell.layout().rows()];
        random.set(JAVA_LONG, 0, spec.seed());
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        int m = layout.m();
        MemorySegment theta = cell.parameters(), h = cell.previousState(), x = cell.input();
        for (int row = 0; row < layout.rows(); row++) {
            recurrentDots[row] = kernels.dot(theta, layout.w(row, 0), hTilde, 0, n);
        }
        for (int r = 0; r < rows; r++) {
            int i = r % n;
            int self = cell.selfColumn(r);
            float sum = self < 0 ? 0f : cell.selfCoefficient(r) * hTilde.getAtIndex(JAVA_FLOAT, self);
            for (int g = 0; g < cell.gates(); g++) {
                sum = Math.fma(cell.coefficientW(r, g), recurrentDots[g * n + i], sum);
            }
            a.setAtIndex(JAVA_FLOAT, r, sum);
            signs[r] = (SplitMix64.next(random) & 1) == 0 ? 1f : -1f;
        }
        float hNorm2 = kernels.sumOfSquares(h, 0, n), xNorm2 = kernels.sumOfSquares(x, 0, m) + 1f;
        float bNorm2 = 0f;
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < cell.gates(); g++) {
                float sw = unitSum(i, g, true), su = unitSum(i, g, false);
                bNorm2 += sw * sw * hNorm2 + su * su * xNorm2;
            }
        }
        float rho0 = (float) Math.sqrt((Math.sqrt(kernels.sumOfSquares(thetaTilde, 0, width)) + EPS)
                / (Math.sqrt(kernels.sumOfSquares(a, 0, rows)) + EPS));
        float rho1 = (float) Math.sqrt((Math.sqrt(bNorm2) + EPS) / (Math.sqrt(rows) + EPS));
        kernels.scale(1f / rho0, thetaTilde, 0, width);
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < cell.gates(); g++) {
                int row = g * n + i;
                float sw = unitSum(i, g, true) / rho1, su = unitSum(i, g, false) / rho1;
                kernels.axpy(sw, h, 0, thetaTilde, layout.w(row, 0), n);
                kernels.axpy(su, x, 0, thetaTilde, layout.u(row, 0), m);
                int b = layout.b(row);
                thetaTilde.setAtIndex(JAVA_FLOAT, b, thetaTilde.getAtIndex(JAVA_FLOAT, b) + su);
            }
        }
        for (int r = 0; r < rows; r++) {
            hTilde.setAtIndex(JAVA_FLOAT, r, rho0 * a.getAtIndex(JAVA_FLOAT, r) + rho1 * signs[r]);
        }
        float projection = kernels.dot(cell.delta(), 0, hTilde, 0, rows);
        kernels.fill(grad, 0, width, 0f);
        kernels.axpy(projection, thetaTilde, 0, grad, 0, width);
    }

    /** {@code sum_{r in rows(i)} nu_r c[r, g]}, with c = cw ({@code w}) or cu. */
    private float unitSum(int i, int g, boolean w) {
        float sum = 0f;
        for (int r = i; r < rows; r += n) {
            sum = Math.fma(signs[r], w ? cell.coefficientW(r, g) : cell.coefficientU(r, g), sum);
        }
        return sum;
    }

    @Override
    public void reset() {
        kernels.fill(hTilde, 0, rows, 0f);
        kernels.fill(thetaTilde, 0, width, 0f);
    }

    /** The rank-one estimate h~[i] theta~[column]. */
    @Override
    public float sensitivity(int i, int column) {
        return hTilde.getAtIndex(JAVA_FLOAT, i) * thetaTilde.getAtIndex(JAVA_FLOAT, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
