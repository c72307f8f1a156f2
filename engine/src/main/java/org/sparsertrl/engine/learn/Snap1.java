package org.sparsertrl.engine.learn;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.cell.VanillaRnn;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * SnAp-1 (Menick et al., 2021): the sensitivity is kept only on its one-step sparsity pattern, the
 * entries J[i, theta] where theta is a parameter of unit i (W[i,:], U[i,:], b[i]), and propagated
 * through unit i's self-connection alone:
 * <pre>
 *   s_t[theta] = d_t[i] (W[i,i] s_{t-1}[theta] + M_t[i,theta])   for theta of unit i,   g_t[theta] = delta_t[i] s_t[theta]
 * </pre>
 * It is per-row sparse RTRL with S_i = {i}, but because row i then never leaves unit i's own
 * parameters, the whole state is one value per parameter: one slab-shaped vector of p floats, O(n^2)
 * memory and O(n^2) work per step. For n = 1 it is full RTRL.
 */
public final class Snap1 implements Learner {

    private final LearnerSpec spec;
    private final VanillaRnn cell;
    private final UnitTrace trace;   // s[theta] = J[owner(theta), theta]

    Snap1(LearnerSpec spec, VanillaRnn cell, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.cell = cell;
        this.trace = new UnitTrace(cell, memory, kernels);
    }

    @Override
    public void step(MemorySegment grad) {
        RnnLayout layout = cell.layout();
        MemorySegment d = cell.derivative(), delta = cell.delta(), theta = cell.parameters();
        trace.clearGradient(grad);
        for (int i = 0; i < layout.n(); i++) {
            float di = d.getAtIndex(JAVA_FLOAT, i);
            trace.step(grad, i, di * theta.getAtIndex(JAVA_FLOAT, layout.w(i, i)), di, delta.getAtIndex(JAVA_FLOAT, i));
        }
    }

    @Override
    public void reset() {
        trace.reset();
    }

    @Override
    public float sensitivity(int i, int column) {
        return trace.entry(i, column);
    }

    @Override
    public LearnerSpec spec() {
        return spec;
    }

    @Override
    public long stateBytes() {
        return trace.bytes();
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        trace.save(dst, offset);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        trace.load(src, offset);
    }
}
