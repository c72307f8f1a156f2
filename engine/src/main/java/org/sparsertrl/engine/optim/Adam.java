package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;
import org.sparsertrl.engine.memory.StateSlab;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

/**
 * Adam with bias correction: {@code p -= lr m_hat / (sqrt(v_hat) + eps)}, where the corrections are
 * folded into two scalars per step so the kernel does one pass.
 */
public final class Adam extends SlabOptimizer {

    private final OptimizerSpec.AdamSpec spec;
    private final MemorySegment first;  // (size) m, slab layout
    private final MemorySegment second; // (size) v, slab layout
    private final MemorySegment powers; // (2) beta1^t, beta2^t as doubles

    Adam(OptimizerSpec.AdamSpec spec, int size, ModelMemory memory, Kernels kernels) {
        super(spec, size, kernels);
        this.spec = spec;
        this.first = memory.state().floats(StateSlab.Part.OPTIMIZER, "adam.m", size).segment();
        this.second = memory.state().floats(StateSlab.Part.OPTIMIZER, "adam.v", size).segment();
        this.powers = memory.state().doubles(StateSlab.Part.OPTIMIZER, "adam.beta-powers", 2).segment();
        resetPowers();
    }

    private void resetPowers() {
        powers.setAtIndex(JAVA_DOUBLE, 0, 1.0);
        powers.setAtIndex(JAVA_DOUBLE, 1, 1.0);
    }

    @Override
    public void update(MemorySegment params, MemorySegment grad) {
        double beta1Power = powers.getAtIndex(JAVA_DOUBLE, 0) * spec.beta1();
        double beta2Power = powers.getAtIndex(JAVA_DOUBLE, 1) * spec.beta2();
        powers.setAtIndex(JAVA_DOUBLE, 0, beta1Power);
        powers.setAtIndex(JAVA_DOUBLE, 1, beta2Power);
        float stepSize = (float) (learningRate / (1.0 - beta1Power));
        float invSqrtBias2 = (float) (1.0 / Math.sqrt(1.0 - beta2Power));
        kernels.adam(params, grad, first, second, 0, size, spec.beta1(), spec.beta2(), stepSize, invSqrtBias2,
                spec.epsilon());
    }

    @Override
    public void reset() {
        first.fill((byte) 0);
        second.fill((byte) 0);
        resetPowers();
    }
}
