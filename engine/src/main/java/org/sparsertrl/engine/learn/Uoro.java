package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * UORO (Tallec and Ollivier, 2017): an unbiased rank-one estimate J_t ~ h~_t theta~_t^T, O(n^2) work
 * and O(p) memory per step. With random signs nu in {-1, +1}^n drawn every step,
 * <pre>
 *   A = diag(d_t) W h~_{t-1}          B = nu^T diag(d_t) M_t   (for theta of unit i: nu_i d_t[i] z_t)
 *   rho0 = sqrt((|theta~| + eps) / (|A| + eps))      rho1 = sqrt((|B| + eps) / (|nu| + eps))
 *   h~_t = rho0 A + rho1 nu          theta~_t = theta~_{t-1} / rho0 + B / rho1          g_t = (delta_t . h~_t) theta~_t
 * </pre>
 * For this cell |B|^2 = sum_i d_t[i]^2 |z_t|^2 does not depend on nu, and rho0 depends only on the
 * past, so the cross terms have zero mean and E[h~_t theta~_t^T] = J_t with frozen weights. The
 * signs come from a SplitMix64 generator held in one long (saved with the state), so steps allocate
 * nothing and a restored run draws the same signs.
 */
public final class Uoro implements Learner {

    private static final float EPS = 1e-7f;

    private final LearnerSpec.UoroSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int width;
    private final MemorySegment hTilde;     // (nPad) h~
    private final MemorySegment thetaTilde; // (width) theta~, slab layout
    private final MemorySegment a;          // (nPad) A, then scratch
    private final float[] signs;            // (n) nu
    private long random;                    // SplitMix64 state

    Uoro(LearnerSpec.UoroSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.n = cell.layout().n();
        this.width = cell.layout().recurrentSize();
        this.hTilde = memory.allocateFloats(ModelMemory.padded(n));
        this.thetaTilde = memory.allocateFloats(width);
        this.a = memory.allocateFloats(ModelMemory.padded(n));
        this.signs = new float[n];
        this.random = spec.seed();
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        int m = layout.m();
        MemorySegment d = cell.derivative(), theta = cell.parameters(), h = cell.previousState(), x = cell.input();
        for (int i = 0; i < n; i++) {
            a.setAtIndex(JAVA_FLOAT, i, d.getAtIndex(JAVA_FLOAT, i) * kernels.dot(theta, layout.w(i, 0), hTilde, 0, n));
        }
        float zNorm2 = kernels.sumOfSquares(h, 0, n) + kernels.sumOfSquares(x, 0, m) + 1f;
        float bNorm2 = kernels.sumOfSquares(d, 0, n) * zNorm2;
        float rho0 = (float) Math.sqrt((Math.sqrt(kernels.sumOfSquares(thetaTilde, 0, width)) + EPS)
                / (Math.sqrt(kernels.sumOfSquares(a, 0, n)) + EPS));
        float rho1 = (float) Math.sqrt((Math.sqrt(bNorm2) + EPS) / (Math.sqrt(n) + EPS));
        for (int i = 0; i < n; i++) {
            signs[i] = (nextLong() & 1) == 0 ? 1f : -1f;
        }
        kernels.scale(1f / rho0, thetaTilde, 0, width);
        for (int i = 0; i < n; i++) {
            float coefficient = signs[i] * d.getAtIndex(JAVA_FLOAT, i) / rho1;
            kernels.axpy(coefficient, h, 0, thetaTilde, layout.w(i, 0), n);
            kernels.axpy(coefficient, x, 0, thetaTilde, layout.u(i, 0), m);
            int b = layout.b(i);
            thetaTilde.setAtIndex(JAVA_FLOAT, b, thetaTilde.getAtIndex(JAVA_FLOAT, b) + coefficient);
            hTilde.setAtIndex(JAVA_FLOAT, i, rho0 * a.getAtIndex(JAVA_FLOAT, i) + rho1 * signs[i]);
        }
        float projection = kernels.dot(cell.delta(), 0, hTilde, 0, n);
        kernels.fill(grad, 0, width, 0f);
        kernels.axpy(projection, thetaTilde, 0, grad, 0, width);
    }

    /** SplitMix64 (Steele, Lea and Flood, 2014): one long of state, nothing allocated. */
    private long nextLong() {
        long z = random += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void reset() {
        kernels.fill(hTilde, 0, n, 0f);
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

    /** h~, theta~ and the generator's state. */
    @Override
    public long stateBytes() {
        return ((long) n + width) * Float.BYTES + Long.BYTES;
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        MemorySegment.copy(hTilde, 0, dst, offset, (long) n * Float.BYTES);
        MemorySegment.copy(thetaTilde, 0, dst, offset + (long) n * Float.BYTES, (long) width * Float.BYTES);
        dst.set(JAVA_LONG_UNALIGNED, offset + ((long) n + width) * Float.BYTES, random);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        MemorySegment.copy(src, offset, hTilde, 0, (long) n * Float.BYTES);
        MemorySegment.copy(src, offset + (long) n * Float.BYTES, thetaTilde, 0, (long) width * Float.BYTES);
        random = src.get(JAVA_LONG_UNALIGNED, offset + ((long) n + width) * Float.BYTES);
    }
}
