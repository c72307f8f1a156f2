package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Kronecker-factored RTRL (Mujika, Meier and Steger, 2018, "Approximating Real-Time Recurrent
 * Learning with Random Kronecker Factors") on the vanilla cell. With the recurrent parameters as one
 * n x q matrix [W U b] (q = n + m + 1) and z_t = [h_{t-1}; x_t; 1], the true sensitivity is
 * {@code J_t = D_t W J_{t-1} + z_t^T (x) D_t} (D_t = diag(d_t)); KF-RTRL keeps
 * {@code J_t ~ u_t^T (x) A_t}, J[i, (a, b)] = A[i, a] u[b], and mixes the two Kronecker terms with
 * independent random signs c1, c2 so the estimate stays unbiased:
 * <pre>
 *   B = D_t W A_{t-1}                rho0 = sqrt(|B| / |u_{t-1}|)     rho1 = sqrt(|D_t| / |z_t|)
 *   u_t = c1 rho0 u_{t-1} + c2 rho1 z_t          A_t = c1 B / rho0 + c2 D_t / rho1
 *   g_t[(a, b)] = (A_t^T delta_t)[a] u_t[b]
 * </pre>
 * (Frobenius and Euclidean norms; the rho minimise the variance; a small epsilon guards the first
 * step, where u and A are zero.) E[u_t^T (x) A_t] = J_t while the weights are fixed. The signs are
 * the two low bits of one SplitMix64 draw per step, its state part of the model's state, so a restored
 * run draws the same signs. Work O(n^3) per step (B), memory O(n^2 + q): between UORO's rank-one
 * estimate of the whole J and full RTRL. The paper defines it for one recurrent layer of this form,
 * so creating it for a gated cell throws IllegalArgumentException naming the cell.
 */
public final class KfRtrl implements Learner {

    private static final float EPS = 1e-7f;

    private final LearnerSpec.KfSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int m;
    private final int nPad;
    private final int mPad;
    private final int q;                  // floats of u: h part (nPad) | x part (mPad) | the constant 1 (padded)
    private final MemorySegment u;        // (q) u_t in that layout
    private final MemorySegment a;        // (n, nPad) A_t, row i = A[i, :]
    private final MemorySegment b;        // (n, nPad) scratch: B = D W A_{t-1}, then A_t's new rows
    private final MemorySegment signal;   // (nPad) scratch: A_t^T delta_t
    private final MemorySegment random;   // (1) long: the SplitMix64 state

    KfRtrl(LearnerSpec.KfSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.m = layout.m();
        this.nPad = layout.nPad();
        this.mPad = layout.mPad();
        this.q = nPad + mPad + ModelMemory.padded(1);
        this.u = memory.state().floats(StateSlab.Part.LEARNER, "kf.u", q).segment();
        this.a = memory.state().floats(StateSlab.Part.LEARNER, "kf.A", (long) n * nPad).segment();
        this.random = memory.state().longs(StateSlab.Part.LEARNER, "kf.generator", 1).segment();
        this.b = memory.allocateFloats((long) n * nPad);
        this.signal = memory.allocateFloats(nPad);
        random.set(JAVA_LONG, 0, spec.seed());
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        MemorySegment theta = cell.parameters(), d = cell.rowScale(), h = cell.previousState(), x = cell.input();
        // B = D W A_{t-1}, row i = d_i sum_j W[i, j] A[j, :], by the dense kernel of full RTRL (its
        // column sums, weighted by delta, land in the scratch signal and are not used)
        kernels.denseStep(theta, layout.w(0, 0), nPad, n, n, a, 0, nPad, b, 0, nPad, d, cell.delta(), signal, 0, nPad);
        float rho0 = (float) Math.sqrt((Math.sqrt(kernels.sumOfSquares(b, 0, n * nPad)) + EPS)
                / (Math.sqrt(kernels.sumOfSquares(u, 0, q)) + EPS));
        float zNorm2 = kernels.sumOfSquares(h, 0, n) + kernels.sumOfSquares(x, 0, m) + 1f;
        float rho1 = (float) Math.sqrt((Math.sqrt(kernels.sumOfSquares(d, 0, n)) + EPS) / (Math.sqrt(zNorm2) + EPS));
        long draw = SplitMix64.next(random);
        float c1 = (draw & 1) == 0 ? 1f : -1f, c2 = (draw & 2) == 0 ? 1f : -1f;
        // u_t = c1 rho0 u_{t-1} + c2 rho1 z_t
        kernels.scale(c1 * rho0, u, 0, q);
        kernels.axpy(c2 * rho1, h, 0, u, 0, n);
        kernels.axpy(c2 * rho1, x, 0, u, nPad, m);
        u.setAtIndex(JAVA_FLOAT, nPad + mPad, u.getAtIndex(JAVA_FLOAT, nPad + mPad) + c2 * rho1);
        // A_t = c1 B / rho0 + c2 D / rho1
        kernels.fill(a, 0, n * nPad, 0f);
        kernels.axpy(c1 / rho0, b, 0, a, 0, n * nPad);
        for (int i = 0; i < n; i++) {
            long at = (long) i * nPad + i;
            a.setAtIndex(JAVA_FLOAT, at, Math.fma(c2 / rho1, d.getAtIndex(JAVA_FLOAT, i), a.getAtIndex(JAVA_FLOAT, at)));
        }
        // g_t = (A_t^T delta_t) (x) u_t
        MemorySegment delta = cell.delta();
        kernels.fill(signal, 0, nPad, 0f);
        for (int i = 0; i < n; i++) {
            kernels.axpy(delta.getAtIndex(JAVA_FLOAT, i), a, (long) i * nPad, signal, 0, n);
        }
        kernels.fill(grad, 0, layout.recurrentSize(), 0f);
        float one = u.getAtIndex(JAVA_FLOAT, nPad + mPad);
        for (int row = 0; row < n; row++) {
            float s = signal.getAtIndex(JAVA_FLOAT, row);
            kernels.axpy(s, u, 0, grad, layout.w(row, 0), n);
            kernels.axpy(s, u, nPad, grad, layout.u(row, 0), m);
            grad.setAtIndex(JAVA_FLOAT, layout.b(row), s * one);
        }
    }

    @Override
    public void reset() {
        kernels.fill(u, 0, q, 0f);
        kernels.fill(a, 0, n * nPad, 0f);
    }

    /** The estimate A[i, row] u[column's input], for W[row, j], U[row, j] or b[row]; 0 for padding. */
    @Override
    public float sensitivity(int i, int column) {
        RnnLayout layout = cell.layout();
        for (int row = 0; row < n; row++) {
            int w0 = layout.w(row, 0), u0 = layout.u(row, 0);
            float factor = a.getAtIndex(JAVA_FLOAT, (long) i * nPad + row);
            if (column >= w0 && column < w0 + n) {
                return factor * u.getAtIndex(JAVA_FLOAT, column - w0);
            }
            if (column >= u0 && column < u0 + m) {
                return factor * u.getAtIndex(JAVA_FLOAT, nPad + column - u0);
            }
            if (column == layout.b(row)) {
                return factor * u.getAtIndex(JAVA_FLOAT, nPad + mPad);
            }
        }
        return 0f;
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
