package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

/** Stochastic gradient descent, with optional momentum ({@code v = mu v + g; p -= lr v}). */
public final class Sgd implements Optimizer {

    private final OptimizerSpec.SgdSpec spec;
    private final Kernels kernels;
    private final int size;
    private final MemorySegment velocity; // (size) slab layout; unused without momentum
    private float learningRate;

    Sgd(OptimizerSpec.SgdSpec spec, int size, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.kernels = kernels;
        this.size = size;
        this.velocity = memory.state().floats(StateSlab.Part.OPTIMIZER, "sgd.velocity", spec.momentum() == 0f ? 0 : size).segment();
        this.learningRate = spec.learningRate();
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
    public float learningRate() {
        return learningRate;
    }

    @Override
    public void setLearningRate(float learningRate) {
        this.learningRate = Arguments.requirePositive("learningRate", learningRate);
    }

    @Override
    public void reset() {
        velocity.fill((byte) 0);
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }
}
