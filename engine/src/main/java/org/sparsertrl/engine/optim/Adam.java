package org.sparsertrl.engine.optim;

import java.lang.foreign.MemorySegment;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * Adam with bias correction: {@code p -= lr m_hat / (sqrt(v_hat) + eps)}, where the corrections are
 * folded into two scalars per step so the kernel does one pass.
 */
public final class Adam implements Optimizer {

    private final OptimizerSpec.AdamSpec spec;
    private final Kernels kernels;
    private final int size;
    private final MemorySegment first;  // (size) m, slab layout
    private final MemorySegment second; // (size) v, slab layout
    private float learningRate;
    private double beta1Power = 1.0;
    private double beta2Power = 1.0;

    Adam(OptimizerSpec.AdamSpec spec, int size, ModelMemory memory, Kernels kernels) {
        this.spec = spec;
        this.kernels = kernels;
        this.size = size;
        this.first = memory.allocateFloats(size);
        this.second = memory.allocateFloats(size);
        this.learningRate = spec.learningRate();
    }

    @Override
    public void update(MemorySegment params, MemorySegment grad) {
        beta1Power *= spec.beta1();
        beta2Power *= spec.beta2();
        float stepSize = (float) (learningRate / (1.0 - beta1Power));
        float invSqrtBias2 = (float) (1.0 / Math.sqrt(1.0 - beta2Power));
        kernels.adam(params, grad, first, second, 0, size, spec.beta1(), spec.beta2(), stepSize, invSqrtBias2,
                spec.epsilon());
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
        first.fill((byte) 0);
        second.fill((byte) 0);
        beta1Power = 1.0;
        beta2Power = 1.0;
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }

    /** m, v, then beta1^t and beta2^t as doubles. */
    @Override
    public long stateBytes() {
        return first.byteSize() + second.byteSize() + 2 * Double.BYTES;
    }

    @Override
    public void saveState(MemorySegment dst, long offset) {
        MemorySegment.copy(first, 0, dst, offset, first.byteSize());
        MemorySegment.copy(second, 0, dst, offset + first.byteSize(), second.byteSize());
        long at = offset + first.byteSize() + second.byteSize();
        dst.set(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, at, beta1Power);
        dst.set(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, at + Double.BYTES, beta2Power);
    }

    @Override
    public void loadState(MemorySegment src, long offset) {
        MemorySegment.copy(src, offset, first, 0, first.byteSize());
        MemorySegment.copy(src, offset + first.byteSize(), second, 0, second.byteSize());
        long at = offset + first.byteSize() + second.byteSize();
        beta1Power = src.get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, at);
        beta2Power = src.get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, at + Double.BYTES);
    }
}
