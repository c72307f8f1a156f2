package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Shared-subset sparse RTRL, for every cell: one set S of k units serves as the paths of every unit,
 * so only the rows R of J for the state rows of those units (k q of them) are ever stored. With
 * D_t = diag(rowScale_t) A_t (see {@link CellTerms}):
 * <pre>
 *   J_t[s,:] = rowScale_t[s] sum_{s' in R} A_t[s, s'] J_{t-1}[s',:] + M_t[s,:]                     for s in R
 *   g_t      = sum_{s' in R} c_{s'} J_{t-1}[s',:] + delta_t^T M_t,   c_{s'} = sum_r delta_t[r] rowScale_t[r] A_t[r, s']
 * </pre>
 * This equals per-row sparse RTRL with S_i = S for every unit: the rows outside R are never needed
 * except through their contribution to g_t, which the second line sums directly. Cost
 * O((k q)^2 p + S k q) per step, memory O(k q p) = O(k n^2): the route to large n.
 *
 * <p>With {@link Precision#BF16} (see {@link LearnerSpec.SubsetSpec#sensitivity}) the stored rows hold
 * bfloat16: {@link Kernels#subsetStepBf16} reads them widened to float32, sums in float32 and stores
 * the new rows rounded.
 */
public final class SubsetRtrl implements Learner {

    private final LearnerSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final ImmediateGradient immediate; // delta_t^T M_t, added to every step's gradient
    private final int rows;           // S
    private final int width;          // p padded: RnnLayout.recurrentSize()
    private final int[] units;        // (k) S, ascending
    private final int[] stored;       // (k q) R: the state rows of the units of S, ascending
    private final float[] weights;    // (k q, k q) A_t[R, R]
    private final float[] scale;      // (k q) rowScale_t[R]
    private final float[] coef;       // (k q) c_{s'}
    private final ColumnPool pool;
    private final int parts;          // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows kept; // the stored rows R_{t-1} and R_t, float32 or bf16
    private final boolean bf16;       // whether they are stored in bfloat16
    private MemorySegment grad;       // the gradient of the step under way

    SubsetRtrl(LearnerSpec.SubsetSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.immediate = new ImmediateGradient(cell, kernels);
        int n = cell.layout().n();
        this.rows = cell.stateSize();
        this.width = cell.layout().recurrentSize();
        this.units = spec.units() != null ? Units.sortedDistinct("units", spec.units(), n, "be distinct units")
                : drawUnits(n, spec.k(), spec.seed());
        this.stored = CellTerms.stateRowsOf(units, n, cell.statesPerUnit());
        int kq = stored.length;
        this.weights = new float[kq * kq];
        this.scale = new float[kq];
        this.coef = new float[kq];
        this.pool = pool;
        this.parts = pool.partsFor((long) (kq * kq + kq) * width);
        this.bf16 = spec.precision() == Precision.BF16;
        this.kept = new SensitivityRows(memory, "subset.J", kq, width, spec.precision());
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
        int kq = stored.length;
        MemorySegment rowScale = cell.rowScale(), delta = cell.delta();
        for (int s = 0; s < kq; s++) {
            scale[s] = rowScale.getAtIndex(JAVA_FLOAT, stored[s]);
            for (int r = 0; r < kq; r++) {
                weights[s * kq + r] = cell.recurrentFactor(stored[s], stored[r]);
            }
        }
        for (int r = 0; r < kq; r++) {
            float sum = 0f;
            for (int i = 0; i < rows; i++) {
                float e = delta.getAtIndex(JAVA_FLOAT, i);
                if (e != 0f) { // the LSTM's c rows: no error reaches them directly
                    sum = Math.fma(e * rowScale.getAtIndex(JAVA_FLOAT, i), cell.recurrentFactor(i, stored[r]), sum);
                }
            }
            coef[r] = sum;
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int s = 0; s < kq; s++) {
            kept.addImmediate(cell, kernels, s, stored[s]);
        }
        immediate.addTo(grad);
        kept.swap();
    }

    /** Columns {@code [from, to)} of the new stored rows and of the gradient. */
    private void propagate(int part, int from, int to) {
        if (bf16) {
            kernels.subsetStepBf16(kept.previous(), from, width, stored.length, weights, scale, coef, kept.next(), from,
                    width, grad, from, to - from);
        } else {
            kernels.subsetStep(kept.previous(), from, width, stored.length, weights, scale, coef, kept.next(), from, width,
                    grad, from, to - from);
        }
    }

    /** {@return the units of S, ascending (a copy)} */
    public int[] units() {
        return units.clone();
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
}
