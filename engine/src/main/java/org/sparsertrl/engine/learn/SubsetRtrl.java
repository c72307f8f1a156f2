package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Shared-subset sparse RTRL: one set S of k units serves as the paths of every row, so only the k
 * rows R_t = J_t[S,:] are ever stored.
 * <pre>
 *   R_t[s,:] = d_t[s] (sum_{s' in S} W[s,s'] R_{t-1}[s',:] + M_t[s,:])            for s in S
 *   g_t      = sum_{s in S} c_s R_{t-1}[s,:] + (delta_t o d_t)^T M_t,   c_s = sum_i delta_t[i] d_t[i] W[i,s]
 * </pre>
 * This equals per-row sparse RTRL with S_i = S for every i: the rows outside S are never needed
 * except through their contribution to g_t, which the second line sums directly. Cost O(k^2 p + n k)
 * per step, memory O(k p) = O(k n^2): the route to large n.
 */
public final class SubsetRtrl implements Learner {

    private final LearnerSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int k;
    private final int width;          // p padded: RnnLayout.recurrentSize()
    private final int[] units;        // (k) S, ascending
    private final float[] weights;    // (k, k) W[S[s], S[r]]
    private final float[] scale;      // (k) d_t[S[s]]
    private final float[] coef;       // (k) c_s
    private final ColumnPool pool;
    private final int parts;          // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows kept; // the stored rows R_{t-1} and R_t
    private MemorySegment grad;       // the gradient of the step under way

    SubsetRtrl(LearnerSpec.SubsetSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.k = spec.k();
        this.width = layout.recurrentSize();
        this.units = spec.units() != null ? Units.sortedDistinct("units", spec.units(), n, "be distinct units")
                : drawUnits(n, k, spec.seed());
        this.weights = new float[k * k];
        this.scale = new float[k];
        this.coef = new float[k];
        this.pool = pool;
        this.parts = pool.partsFor((long) (k * k + k) * width);
        this.kept = new SensitivityRows(memory, k, width);
    }

    static int[] drawUnits(int n, int k, long seed) {
        int[] permutation = Units.identity(n);
        boolean[] chosen = new boolean[n];
        Units.draw(new SplittableRandom(seed), k, permutation, chosen);
        int[] units = new int[k];
        for (int j = 0, s = 0; j < n; j++) {
            if (chosen[j]) {
                units[s++] = j;
            }
        }
        return units;
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        MemorySegment params = cell.parameters(), d = cell.derivative(), delta = cell.delta();
        for (int s = 0; s < k; s++) {
            scale[s] = d.getAtIndex(JAVA_FLOAT, units[s]);
            for (int r = 0; r < k; r++) {
                weights[s * k + r] = params.getAtIndex(JAVA_FLOAT, layout.w(units[s], units[r]));
            }
        }
        for (int r = 0; r < k; r++) {
            coef[r] = 0f;
        }
        for (int i = 0; i < n; i++) {
            float si = delta.getAtIndex(JAVA_FLOAT, i) * d.getAtIndex(JAVA_FLOAT, i);
            for (int r = 0; r < k; r++) {
                coef[r] = Math.fma(si, params.getAtIndex(JAVA_FLOAT, layout.w(i, units[r])), coef[r]);
            }
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int s = 0; s < k; s++) {
            ImmediateTerm.addToRow(cell, kernels, kept.next(), (long) s * width, units[s]);
        }
        ImmediateTerm.addToGradient(cell, kernels, grad);
        kept.swap();
    }

    /** Columns {@code [from, to)} of the new stored rows and of the gradient. */
    private void propagate(int from, int to) {
        kernels.subsetStep(kept.previous(), from, width, k, weights, scale, coef, kept.next(), from, width, grad, from, to - from);
    }

    /** The units of S, ascending (a copy). */
    public int[] units() {
        return units.clone();
    }

    @Override
    public void reset() {
        kept.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        int s = Arrays.binarySearch(units, i);
        return s < 0 ? Float.NaN : kept.get(s, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    @Override
    public long stateBytes() {
        return kept.bytes();
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        kept.save(dst, offset);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        kept.load(src, offset);
    }
}
