package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

/** RMSprop: {@code v = rho v + (1 - rho) g^2; p -= lr g / (sqrt(v) + eps)}. */
public final class RmsProp extends SlabOptimizer {

    private final OptimizerSpec.RmsPropSpec spec;
    private final MemorySegment second; // (size) v, slab layout

    RmsProp(OptimizerSpec.RmsPropSpec spec, int size, ModelMemory memory, Kernels kernels) {
        super(spec, size, kernels);
        this.spec = spec;
        this.second = memory.state().floats(StateSlab.Part.OPTIMIZER, "rmsprop.v", size).segment();
    }

    @Override
    public void update(MemorySegment params, MemorySegment grad) {
        kernels.rmsprop(params, grad, second, 0, size, learningRate, spec.rho(), spec.epsilon());
    }

    @Override
    public void reset() {
        second.fill((byte) 0);
    }
}
