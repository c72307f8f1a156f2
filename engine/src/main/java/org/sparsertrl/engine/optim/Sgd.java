package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

/** Stochastic gradient descent, with optional momentum ({@code v = mu v + g; p -= lr v}). */
public final class Sgd extends SlabOptimizer {

    private final OptimizerSpec.SgdSpec spec;
    private final MemorySegment velocity; // (size) slab layout; unused without momentum

    Sgd(OptimizerSpec.SgdSpec spec, int size, ModelMemory memory, Kernels kernels) {
        super(spec, size, kernels);
        this.spec = spec;
        int floats = spec.momentum() == 0f ? 0 : size;
        this.velocity = memory.state().floats(StateSlab.Part.OPTIMIZER, "sgd.velocity", floats).segment();
    }

    @Override
    public void update(MemorySegment params, MemorySegment grad) {
        if (spec.momentum() == 0f) {
            kernels.axpy(-learningRate, grad, 0, params, 0, size);
        } else {
            kernels.momentum(params, grad, velocity, 0, size, learningRate, spec.momentum());
        }
    }

    @Override
    public void reset() {
        velocity.fill((byte) 0);
    }
}
