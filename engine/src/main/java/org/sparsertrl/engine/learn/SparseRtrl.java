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
 * Per-row sparse RTRL: row i of the sensitivity is propagated only through its k paths S_i.
 * <pre>
 *   J_t[i,:] = d_t[i] (alpha sum_{j in S_i} W[i,j] J_{t-1}[j,:] + M_t[i,:])      g_t = J_t^T delta_t
 * </pre>
 * Cost O(k n p) = O(k n^3) per step, memory two n x p buffers. With k = n this is exactly full RTRL
 * (same operations in the same order, so the same bits); with k = 0 it is {@link Immediate} and stores
 * nothing.
 *
 * <p>The sets are chosen by the {@link Selection} policy at the first step and, for refreshing
 * policies, again every {@code refreshEvery} steps; S_i is kept sorted, so J_{t-1} is read in address
 * order. Refreshing allocates nothing.
 */
public final class SparseRtrl implements Learner {

    private final LearnerSpec.SparseSpec spec;
    private final VanillaRnn cell;
    private final Kernels kernels;
    private final int n;
    private final int k;
    private final int width;            // p padded: RnnLayout.recurrentSize()
    private final float alpha;
    private final int[] paths;          // (n, k) S_i, ascending within a row
    private final float[] weights;      // (n, k) alpha W[i, S_i[r]], gathered every step
    private final boolean[] chosen;     // (n) scratch for building one S_i
    private final int[] permutation;    // (n) scratch for random draws
    private final SplittableRandom random;
    private final ColumnPool pool;
    private final int parts;            // threads this learner's steps use (1 for small n)
    private final ColumnPool.ColumnTask propagate = this::propagate;
    private MemorySegment jPrev;        // (n, width) J_{t-1}
    private MemorySegment jNext;        // (n, width) J_t being built
    private MemorySegment grad;         // the gradient of the step under way
    private long steps;

    SparseRtrl(LearnerSpec.SparseSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels, ColumnPool pool) {
        this.spec = spec;
        this.cell = cell;
        this.kernels = kernels;
        RnnLayout layout = cell.layout();
        this.n = layout.n();
        this.k = spec.k();
        this.width = layout.recurrentSize();
        this.alpha = spec.scaleByNOverK() && k > 0 ? (float) n / k : 1f;
        this.paths = new int[n * k];
        this.weights = new float[n * k];
        this.chosen = new boolean[n];
        this.permutation = Units.identity(n);
        this.random = new SplittableRandom(spec.selection().seed());
        if (spec.selection().policy() == Selection.Policy.EXPLICIT) {
            copyExplicitSets(spec.selection().explicit());
        }
        this.pool = pool;
        this.parts = pool.partsFor((long) n * Math.max(k, 1) * width);
        // With k = 0 nothing is propagated: J_t = diag(d_t) M_t is implied, as in Immediate, and not stored.
        this.jPrev = memory.allocateFloats(k == 0 ? 0 : (long) n * width);
        this.jNext = memory.allocateFloats(k == 0 ? 0 : (long) n * width);
    }

    @Override
    public void step(MemorySegment grad) {
        if (k == 0) {
            kernels.fill(grad, 0, width, 0f);
            ImmediateTerm.addToGradient(cell, kernels, grad);
            return;
        }
        Selection selection = spec.selection();
        if (selection.policy() != Selection.Policy.EXPLICIT && selection.refreshesAt(steps)) {
            select(selection.policy());
        }
        steps++;
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
            ImmediateTerm.addToRow(cell, kernels, jNext, (long) i * width, i);
        }
        ImmediateTerm.addToGradient(cell, kernels, grad);
        MemorySegment swap = jPrev;
        jPrev = jNext;
        jNext = swap;
    }

    /** Columns {@code [from, to)} of the propagated rows and of their gradient. */
    private void propagate(int from, int to) {
        kernels.sparseStep(jPrev, from, width, paths, weights, k, n,
                cell.derivative(), cell.delta(), jNext, from, width, grad, from, to - from);
    }

    private void select(Selection.Policy policy) {
        RnnLayout layout = cell.layout();
        MemorySegment params = cell.parameters();
        for (int i = 0; i < n; i++) {
            switch (policy) {
                case RANDOM_FIXED, RANDOM_RESAMPLED -> Units.draw(random, k, permutation, chosen);
                case TOP_K, BOTTOM_K -> {
                    boolean largest = policy == Selection.Policy.TOP_K;
                    for (int r = 0; r < k; r++) {
                        int best = -1;
                        float bestMagnitude = 0f;
                        for (int j = 0; j < n; j++) {
                            if (chosen[j]) {
                                continue;
                            }
                            float magnitude = Math.abs(params.getAtIndex(JAVA_FLOAT, layout.w(i, j)));
                            if (best < 0 || (largest ? magnitude > bestMagnitude : magnitude < bestMagnitude)) {
                                best = j;
                                bestMagnitude = magnitude;
                            }
                        }
                        chosen[best] = true;
                    }
                }
                default -> throw new IllegalStateException("not a computed policy: " + policy);
            }
            // Collect in ascending order and clear the marks for the next row.
            int r = 0;
            for (int j = 0; j < n; j++) {
                if (chosen[j]) {
                    paths[i * k + r++] = j;
                    chosen[j] = false;
                }
            }
        }
    }

    private void copyExplicitSets(int[][] sets) {
        if (sets.length != n) {
            throw new IllegalArgumentException("explicit selection has " + sets.length + " rows, expected n = " + n);
        }
        for (int i = 0; i < n; i++) {
            if (sets[i].length != k) {
                throw new IllegalArgumentException("explicit[" + i + "] has " + sets[i].length
                        + " units, expected k = " + k);
            }
            int[] row = Units.sortedDistinct("explicit[" + i + "]", sets[i], n, "hold k distinct units");
            System.arraycopy(row, 0, paths, i * k, k);
        }
    }

    /** S_i as used by the last step (a copy; inspection only). */
    public int[] paths(int i) {
        return Arrays.copyOfRange(paths, i * k, i * k + k);
    }

    @Override
    public void reset() {
        jPrev.fill((byte) 0);
        jNext.fill((byte) 0);
    }

    @Override
    public float sensitivity(int i, int column) {
        return k == 0 ? ImmediateTerm.scaledEntry(cell, i, column) : jPrev.getAtIndex(JAVA_FLOAT, (long) i * width + column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    /**
     * J_{t-1}, then the current sets S_i (n k ints) and the step count (which decides the next
     * refresh). The random generator of the resampling policy is not part of it: after a restore,
     * resampled paths continue from the generator's current state.
     */
    @Override
    public long stateBytes() {
        return jPrev.byteSize() + (long) paths.length * Integer.BYTES + Long.BYTES;
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        MemorySegment.copy(jPrev, 0, dst, offset, jPrev.byteSize());
        long at = offset + jPrev.byteSize();
        // Element by element: the array overload of MemorySegment.copy goes through a type switch
        // whose first compilations were seen to allocate on this rarely taken path.
        for (int r = 0; r < paths.length; r++) {
            dst.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, at + (long) r * Integer.BYTES, paths[r]);
        }
        dst.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at + (long) paths.length * Integer.BYTES, steps);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        MemorySegment.copy(src, offset, jPrev, 0, jPrev.byteSize());
        long at = offset + jPrev.byteSize();
        for (int r = 0; r < paths.length; r++) {
            paths[r] = src.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, at + (long) r * Integer.BYTES);
        }
        steps = src.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at + (long) paths.length * Integer.BYTES);
    }
}
