package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

/** RMSprop: {@code v = rho v + (1 - rho) g^2; p -= lr g / (sqrt(v) + eps)}. */
public final class RmsProp implements Optimizer {

    private final OptimizerSpec.RmsPropSpec spec;
    private final Kernels kernels;
    private final int size;
    private final MemorySegment second; // (size) v, slab layout
    private float learningRate;

    RmsProp(OptimizerSpec.RmsPropSpec spec, int size, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.kernels = kernels;
        this.size = size;
        this.second = memory.state().floats(StateSlab.Part.OPTIMIZER, "rmsprop.v", size).segment();
        this.learningRate = spec.learningRate();
    }

    @Override
    public void update(MemorySegment params, MemorySegment grad) {
        kernels.rmsprop(params, grad, second, 0, size, learningRate, spec.rho(), spec.epsilon());
    }

    @Override
    public float learningRate() {
        return learningRate;
    }

    @Override
    public void setLearningRate(float learningRate) {
        this.learningRate = Arguments.requirePositive("learningRate", learningRate);
    }

    @Override
    public void reset() {
        second.fill((byte) 0);
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }
}
