package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * Per-row sparse RTRL, for every cell: unit i keeps k paths S_i over the units, and each of its state
 * rows r is propagated only from the state rows of the units in S_i (see {@link CellTerms}):
 * <pre>
 *   J_t[r,:] = rowScale_t[r] alpha sum_{j in S_i} sum_{r' in rows(j)} A_t[r, r'] J_{t-1}[r',:] + M_t[r,:]      g_t = J_t^T delta_t
 * </pre>
 * For the vanilla cell (one state row per unit, A_t = W, rowScale_t = d_t) that is
 * {@code J_t[i,:] = d_t[i] (alpha sum_{j in S_i} W[i,j] J_{t-1}[j,:] + M_t[i,:])}. Cost O(k q S p) for q state
 * rows per unit, memory two S x p buffers. With k = n this is full RTRL (on the vanilla cell the same
 * operations in the same order, so the same bits; on a gated cell the same terms in another order);
 * with k = 0 it is {@link Immediate} and stores nothing.
 *
 * <p>The sets are chosen by the {@link Selection} policy (see {@link PathSets}); top-k and bottom-k
 * rank path (i, j) by {@link CellTerms#pathMagnitude}, |W[i, j]| for the vanilla cell.
 *
 * <p>With {@link Precision#BF16} (see {@link LearnerSpec.SparseSpec#sensitivity}) the two S x p buffers
 * hold bfloat16: {@link Kernels#sparseStepBf16} reads the k source rows widened to float32, sums in
 * float32, stores the new row rounded, and gives the gradient the unrounded row.
 */
public final class SparseRtrl implements Learner {

    private final LearnerSpec.SparseSpec spec;
    private final RecurrentCell cell;
    private final Kernels kernels;
    private final ImmediateGradient immediate; // delta_t^T M_t, added to every step's gradient
    private final int n;
    private final int k;
    private final int rows;             // S
    private final int perUnit;          // q: state rows per unit
    private final int sources;          // k q: old rows each new row reads
    private final int width;            // p padded: RnnLayout.recurrentSize()
    private final float alpha;
    private final PathSets sets;        // S_i
    private final int[] index;          // (S, k q) the old state rows of row r, ascending within a unit's block
    private boolean indexStale = true;  // index no longer follows the sets (at the start, after a refresh or a load)
    private final float[] weights;      // (S, k q) alpha A_t[r, index], gathered every step
    private final PathSets.Magnitude magnitude = this::magnitude;
    private final ColumnPool pool;
    private final int parts;            // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows j;    // (S, width) J_{t-1} and J_t, float32 or bf16; none when k = 0
    private final boolean bf16;         // whether J is stored in bfloat16
    private MemorySegment grad;         // the gradient of the step under way

    SparseRtrl(LearnerSpec.SparseSpec spec, RecurrentCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        this.immediate = new ImmediateGradient(cell, kernels);
        this.n = cell.layout().n();
        this.k = spec.k();
        this.rows = cell.stateSize();
        this.perUnit = cell.statesPerUnit();
        this.sources = k * perUnit;
        this.width = cell.layout().recurrentSize();
        this.alpha = spec.scaleByNOverK() && k > 0 ? (float) n / k : 1f;
        this.index = new int[rows * sources];
        this.weights = new float[rows * sources];
        this.pool = pool;
        this.parts = pool.partsFor((long) rows * Math.max(sources, 1) * width);
        // With k = 0 nothing is propagated: J_t = M_t is implied, as in Immediate, and not stored.
        this.bf16 = spec.precision() == Precision.BF16;
        this.j = new SensitivityRows(memory, "sparse.J", k == 0 ? 0 : rows, width, spec.precision());
        this.sets = new PathSets(spec.selection(), n, k, memory);
        memory.state().afterLoad(() -> indexStale = true);
    }

    @Override
    public void step(MemorySegment grad) {
        if (k == 0) {
            kernels.fill(grad, 0, width, 0f);
            immediate.addTo(grad);
            return;
        }
        if (sets.advance(magnitude) || indexStale) {
            for (int r = 0; r < rows; r++) {
                for (int q = 0; q < perUnit; q++) {
                    for (int s = 0; s < k; s++) {
                        index[r * sources + q * k + s] = q * n + sets.path(r % n, s);
                    }
                }
            }
            indexStale = false;
        }
        for (int r = 0, at = 0; r < rows; r++) {
            for (int c = 0; c < sources; c++, at++) {
                weights[at] = alpha * cell.recurrentFactor(r, index[at]);
            }
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        j.addImmediateAndSwap(cell, kernels, immediate, grad);
    }

    /** Columns {@code [from, to)} of the propagated rows and of their gradient. */
    private void propagate(int part, int from, int to) {
        if (bf16) {
            kernels.sparseStepBf16(j.previous(), from, width, index, weights, sources, rows,
                    cell.rowScale(), cell.delta(), j.next(), from, width, grad, from, to - from);
        } else {
            kernels.sparseStep(j.previous(), from, width, index, weights, sources, rows,
                    cell.rowScale(), cell.delta(), j.next(), from, width, grad, from, to - from);
        }
    }

    private float magnitude(int i, int j) {
        return CellTerms.pathMagnitude(cell, i, j);
    }

    /**
     * {@return S_i as used by the last step (a copy; inspection only)}
     *
     * @param i a state row
     */
    public int[] paths(int i) {
        return sets.paths(i);
    }

    @Override
    public void reset() {
        j.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        return k == 0 ? CellTerms.immediateEntry(cell, i, column) : j.get(i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }
}
