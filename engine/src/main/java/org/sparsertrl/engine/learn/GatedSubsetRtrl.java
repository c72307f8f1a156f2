package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.sparsertrl.engine.cell.GatedCell;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Shared-subset RTRL for a gated cell: one set S of k units serves as the paths of every unit, so
 * only the rows R of J for the state rows of those units (k q of them) are stored:
 * <pre>
 *   J_t[s,:] = sum_{s' in R} D_t[s, s'] J_{t-1}[s',:] + M_t[s,:]                       for s in R
 *   g_t      = sum_{s' in R} c_{s'} J_{t-1}[s',:] + delta_t^T M_t,   c_{s'} = sum_r delta_t[r] D_t[r, s']
 * </pre>
 * This equals per-row sparse RTRL with S_i = S for every unit (see {@link SubsetRtrl} for why).
 * Memory O(k q p), cost O((k q)^2 p + S k q G) per step.
 */
final class GatedSubsetRtrl implements Learner {

    private final LearnerSpec spec;
    private final GatedCell cell;
    private final Kernels kernels;
    private final int rows;           // S
    private final int[] units;        // (k) S, ascending
    private final int[] stored;       // (k q) R: the state rows of the units of S, ascending
    private final float[] weights;    // (k q, k q) D_t[R, R]
    private final float[] scale;      // (k q) ones
    private final float[] coef;       // (k q) c_{s'}
    private final int width;
    private final ColumnPool pool;
    private final int parts;
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows kept; // the stored rows R_{t-1} and R_t
    private MemorySegment grad;

    GatedSubsetRtrl(LearnerSpec.SubsetSpec spec, GatedCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        int n = cell.layout().n();
        this.rows = cell.stateSize();
        this.units = spec.units() != null ? Units.sortedDistinct("units", spec.units(), n, "be distinct units")
                : SubsetRtrl.drawUnits(n, spec.k(), spec.seed());
        this.stored = GatedTerms.stateRowsOf(units, n, rows / n);
        int kq = stored.length;
        this.weights = new float[kq * kq];
        this.scale = new float[kq];
        Arrays.fill(scale, 1f);
        this.coef = new float[kq];
        this.width = cell.layout().recurrentSize();
        this.pool = pool;
        this.parts = pool.partsFor((long) (kq * kq + kq) * width);
        this.kept = new SensitivityRows(memory, kq, width);
    }

    @Override
    public void step(MemorySegment grad) {
        int kq = stored.length;
        for (int s = 0; s < kq; s++) {
            for (int r = 0; r < kq; r++) {
                weights[s * kq + r] = GatedTerms.recurrent(cell, stored[s], stored[r]);
            }
        }
        MemorySegment delta = cell.delta();
        for (int r = 0; r < kq; r++) {
            float sum = 0f;
            for (int i = 0; i < rows; i++) {
                float e = delta.getAtIndex(JAVA_FLOAT, i);
                if (e != 0f) {
                    sum = Math.fma(e, GatedTerms.recurrent(cell, i, stored[r]), sum);
                }
            }
            coef[r] = sum;
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int s = 0; s < kq; s++) {
            GatedTerms.addImmediateToRow(cell, kernels, kept.next(), (long) s * width, stored[s]);
        }
        GatedTerms.addImmediateToGradient(cell, kernels, grad);
        kept.swap();
    }

    private void propagate(int from, int to) {
        kernels.subsetStep(kept.previous(), from, width, stored.length, weights, scale, coef, kept.next(), from, width, grad, from, to - from);
    }

    @Override
    public void reset() {
        kept.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        int s = Arrays.binarySearch(stored, i);
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
