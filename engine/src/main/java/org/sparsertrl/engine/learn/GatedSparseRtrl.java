package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.GatedCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Per-row sparse RTRL for a gated cell: unit i keeps k paths S_i over the units, and each of its
 * state rows r is propagated only from the state rows of the units in S_i (for the LSTM: h_i and
 * c_i each from h_j and c_j, j in S_i; see {@link GatedTerms}):
 * <pre>
 *   J_t[r,:] = alpha sum_{j in S_i} sum_{r' in rows(j)} D_t[r, r'] J_{t-1}[r',:] + M_t[r,:]      g_t = J_t^T delta_t
 * </pre>
 * Cost O(k q S p) for q state rows per unit, memory two S x p buffers. With k = n this is full RTRL
 * (the same terms, summed in another order); with k = 0 nothing is carried and it is
 * {@link Immediate}. Top-k and bottom-k rank path (i, j) by {@code sum_g |W[g n + i, j]|}, the size of
 * every weight from unit j into unit i's gates.
 */
final class GatedSparseRtrl implements Learner {

    private final LearnerSpec.SparseSpec spec;
    private final GatedCell cell;
    private final Kernels kernels;
    private final int n;
    private final int k;
    private final int rows;             // S
    private final int perUnit;          // q: state rows per unit
    private final int sources;          // k q: old rows each new row reads
    private final int width;
    private final float alpha;
    private final PathSets sets;
    private final int[] index;          // (S, k q) the old state rows of row r, ascending
    private final float[] weights;      // (S, k q) alpha D_t[r, index], gathered every step
    private final MemorySegment ones;   // (padded S) the kernel's row scale
    private final PathSets.Magnitude magnitude = this::magnitude;
    private final ColumnPool pool;
    private final int parts;
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows j;    // (S, width) J_{t-1} and J_t; none when k = 0
    private MemorySegment grad;

    GatedSparseRtrl(LearnerSpec.SparseSpec spec, GatedCell cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.k = spec.k();
        this.rows = cell.stateSize();
        this.perUnit = rows / n;
        this.sources = k * perUnit;
        this.width = layout.recurrentSize();
        this.alpha = spec.scaleByNOverK() && k > 0 ? (float) n / k : 1f;
        this.sets = new PathSets(spec.selection(), n, k);
        this.index = new int[rows * sources];
        this.weights = new float[rows * sources];
        this.ones = memory.allocateFloats(ModelMemory.padded(rows));
        kernels.fill(ones, 0, rows, 1f);
        this.pool = pool;
        this.parts = pool.partsFor((long) rows * Math.max(sources, 1) * width);
        this.j = new SensitivityRows(memory, k == 0 ? 0 : rows, width);
    }

    @Override
    public void step(MemorySegment grad) {
        if (k == 0) {
            kernels.fill(grad, 0, width, 0f);
            GatedTerms.addImmediateToGradient(cell, kernels, grad);
            return;
        }
        sets.advance(magnitude);
        for (int r = 0; r < rows; r++) {
            int i = r % n;
            for (int q = 0; q < perUnit; q++) {
                for (int s = 0; s < k; s++) {
                    int at = r * sources + q * k + s, source = q * n + sets.path(i, s);
                    index[at] = source;
                    weights[at] = alpha * GatedTerms.recurrent(cell, r, source);
                }
            }
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int r = 0; r < rows; r++) {
            GatedTerms.addImmediateToRow(cell, kernels, j.next(), (long) r * width, r);
        }
        GatedTerms.addImmediateToGradient(cell, kernels, grad);
        j.swap();
    }

    private void propagate(int from, int to) {
        kernels.sparseStep(j.previous(), from, width, index, weights, sources, rows,
                ones, cell.delta(), j.next(), from, width, grad, from, to - from);
    }

    private float magnitude(int i, int j) {
        RnnLayout layout = cell.layout();
        float sum = 0f;
        for (int g = 0; g < cell.gates(); g++) {
            sum += Math.abs(cell.parameter(layout.w(g * n + i, j)));
        }
        return sum;
    }

    @Override
    public void reset() {
        j.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        return k == 0 ? GatedTerms.immediateEntry(cell, i, column) : j.get(i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    /** J_{t-1}, then the path sets and their step count. */
    @Override
    public long stateBytes() {
        return j.bytes() + sets.stateBytes();
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        j.save(dst, offset);
        sets.saveState(dst, offset + j.bytes());
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        j.load(src, offset);
        sets.loadState(src, offset + j.bytes());
    }
}
