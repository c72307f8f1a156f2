package org.sparsertrl.engine.optim;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.kernel.Kernels;

/**
 * What every optimizer here shares: the spec it was made from, the kernels and slab size it updates
 * with, and the learning rate, which starts at the spec's and can be changed between steps. The
 * subclasses add their update rule and their moments (views of the model's state slab).
 */
abstract sealed class SlabOptimizer implements Optimizer permits Sgd, RmsProp, Adam {

    /** The kernels the update runs on. */
    protected final Kernels kernels;
    /** Floats of the parameter slab. */
    protected final int size;
    private final OptimizerSpec spec;
    /** The learning rate of the next update. */
    protected float learningRate;

    SlabOptimizer(OptimizerSpec spec, int size, Kernels kernels) {
        this.spec = spec;
        this.kernels = kernels;
        this.size = size;
        this.learningRate = spec.learningRate();
    }

    @Override
    public final float learningRate() {
        return learningRate;
    }

    @Override
    public final void setLearningRate(float learningRate) {
        this.learningRate = Arguments.requirePositive("learningRate", learningRate);
    }

    @Override
    public final OptimizerSpec spec() {
        return spec;
    }
}
