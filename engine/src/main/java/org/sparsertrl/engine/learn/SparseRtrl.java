package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.ColumnPool;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Per-row sparse RTRL: row i of the sensitivity is propagated only through its k paths S_i.
 * <pre>
 *   J_t[i,:] = d_t[i] (alpha sum_{j in S_i} W[i,j] J_{t-1}[j,:] + M_t[i,:])      g_t = J_t^T delta_t
 * </pre>
 * Cost O(k n p) = O(k n^3) per step, memory two n x p buffers. With k = n this is exactly full RTRL
 * (same operations in the same order, so the same bits); with k = 0 it is {@link Immediate} and stores
 * nothing.
 *
 * <p>The sets are chosen by the {@link Selection} policy (see {@link PathSets}); top-k and bottom-k
 * rank path (i, j) by |W[i, j]|.
 */
public final class SparseRtrl implements Learner {

    private final LearnerSpec.SparseSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int k;
    private final int width;            // p padded: RnnLayout.recurrentSize()
    private final float alpha;
    private final PathSets sets;        // S_i
    private final int[] paths;          // (n, k) S_i, ascending within a row: the sets' own array
    private final float[] weights;      // (n, k) alpha W[i, S_i[r]], gathered every step
    private final PathSets.Magnitude magnitude = this::magnitude;
    private final ColumnPool pool;
    private final int parts;            // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private final SensitivityRows j;    // (n, width) J_{t-1} and J_t; none when k = 0
    private MemorySegment grad;         // the gradient of the step under way

    SparseRtrl(LearnerSpec.SparseSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.k = spec.k();
        this.width = layout.recurrentSize();
        this.alpha = spec.scaleByNOverK() && k > 0 ? (float) n / k : 1f;
        this.sets = new PathSets(spec.selection(), n, k);
        this.paths = sets.flat();
        this.weights = new float[n * k];
        this.pool = pool;
        this.parts = pool.partsFor((long) n * Math.max(k, 1) * width);
        // With k = 0 nothing is propagated: J_t = diag(d_t) M_t is implied, as in Immediate, and not stored.
        this.j = new SensitivityRows(memory, k == 0 ? 0 : n, width);
    }

    @Override
    public void step(MemorySegment grad) {
        if (k == 0) {
            kernels.fill(grad, 0, width, 0f);
            ImmediateTerm.addToGradient(cell, kernels, grad);
            return;
        }
        sets.advance(magnitude);
        RnnLayout layout = cell.layout();
        MemorySegment params = cell.parameters();
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < k; r++) {
                weights[i * k + r] = alpha * params.getAtIndex(JAVA_FLOAT, layout.w(i, paths[i * k + r]));
            }
        }
        this.grad = grad;
        pool.run(propagate, width, parts);
        for (int i = 0; i < n; i++) {
            ImmediateTerm.addToRow(cell, kernels, j.next(), (long) i * width, i);
        }
        ImmediateTerm.addToGradient(cell, kernels, grad);
        j.swap();
    }

    /** Columns {@code [from, to)} of the propagated rows and of their gradient. */
    private void propagate(int from, int to) {
        kernels.sparseStep(j.previous(), from, width, paths, weights, k, n,
                cell.derivative(), cell.delta(), j.next(), from, width, grad, from, to - from);
    }

    /** |W[i, j]|: what the top-k and bottom-k policies rank path (i, j) by. */
    private float magnitude(int i, int j) {
        return Math.abs(cell.parameters().getAtIndex(JAVA_FLOAT, cell.layout().w(i, j)));
    }

    /** S_i as used by the last step (a copy; inspection only). */
    public int[] paths(int i) {
        return sets.paths(i);
    }

    @Override
    public void reset() {
        j.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        return k == 0 ? ImmediateTerm.scaledEntry(cell, i, column) : j.get(i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    /** J_{t-1}, then the path sets and their step count (see {@link PathSets#stateBytes}). */
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
