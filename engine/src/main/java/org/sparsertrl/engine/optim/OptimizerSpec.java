package org.sparsertrl.engine.optim;

import org.sparsertrl.engine.Arguments;
import org.sparsertrl.engine.kernel.Kernels;
import org.sparsertrl.engine.memory.ModelMemory;

/**
 * Which optimizer to train with; the trainer turns it into an {@link Optimizer}.
 *
 * <pre>{@code
 * OptimizerSpec.sgd(0.01f)              // plain SGD
 * OptimizerSpec.sgd(0.01f, 0.9f)        // SGD with momentum
 * OptimizerSpec.adam(1e-3f)             // beta1 0.9, beta2 0.999, eps 1e-8
 * OptimizerSpec.rmsprop(1e-3f)          // rho 0.99, eps 1e-8
 * }</pre>
 * Every learning rate must be finite and positive; decay rates lie in [0, 1).
 */
public sealed interface OptimizerSpec {

    /** {@return the learning rate} */
    float learningRate();

    /**
     * Creates the optimizer for a slab of {@code size} floats, with its moments in {@code memory}.
     *
     * @param size    floats of the parameter slab
     * @param memory  the model's memory
     * @param kernels the kernels every update runs on
     * @return the optimizer
     */
    Optimizer create(int size, ModelMemory memory, Kernels kernels);

    /** {@return a short label such as {@code adam(lr=0.001)}} */
    String label();

    /**
     * {@return plain SGD}
     *
     * @param learningRate the learning rate, finite and > 0
     */
    static OptimizerSpec sgd(float learningRate) {
        return new SgdSpec(learningRate, 0f);
    }

    /**
     * {@return SGD with momentum}
     *
     * @param learningRate the learning rate, finite and > 0
     * @param momentum     in [0, 1)
     */
    static OptimizerSpec sgd(float learningRate, float momentum) {
        return new SgdSpec(learningRate, momentum);
    }

    /**
     * {@return Adam with beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8}
     *
     * @param learningRate the learning rate, finite and > 0
     */
    static OptimizerSpec adam(float learningRate) {
        return new AdamSpec(learningRate, 0.9f, 0.999f, 1e-8f);
    }

    /**
     * {@return RMSprop with rho = 0.99, epsilon = 1e-8}
     *
     * @param learningRate the learning rate, finite and > 0
     */
    static OptimizerSpec rmsprop(float learningRate) {
        return new RmsPropSpec(learningRate, 0.99f, 1e-8f);
    }

    /**
     * {@code v = momentum v + g; p -= lr v} (plain SGD when momentum is 0).
     *
     * @param learningRate the learning rate
     * @param momentum     the momentum, in [0, 1)
     */
    record SgdSpec(float learningRate, float momentum) implements OptimizerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
        public SgdSpec {
            Arguments.requirePositive("learningRate", learningRate);
            Arguments.requireInUnitRange("momentum", momentum, 0f, 1f);
        }

        @Override
        public Optimizer create(int size, ModelMemory memory, Kernels kernels) {
            return new Sgd(this, size, memory, kernels);
        }

        @Override
        public String label() {
            return momentum == 0f ? "sgd(lr=" + learningRate + ")" : "sgd(lr=" + learningRate + ", momentum=" + momentum + ")";
        }
    }

    /**
     * Adam (Kingma and Ba) with bias correction.
     *
     * @param learningRate the learning rate
     * @param beta1        the first moment's decay
     * @param beta2        the second moment's decay
     * @param epsilon      added to the root of the second moment
     */
    record AdamSpec(float learningRate, float beta1, float beta2, float epsilon) implements OptimizerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
        public AdamSpec {
            Arguments.requirePositive("learningRate", learningRate);
            Arguments.requireInUnitRange("beta1", beta1, 0f, 1f);
            Arguments.requireInUnitRange("beta2", beta2, 0f, 1f);
            Arguments.requirePositive("epsilon", epsilon);
        }

        @Override
        public Optimizer create(int size, ModelMemory memory, Kernels kernels) {
            return new Adam(this, size, memory, kernels);
        }

        @Override
        public String label() {
            return "adam(lr=" + learningRate + ")";
        }
    }

    /**
     * RMSprop: a running mean of g^2 scales each coordinate.
     *
     * @param learningRate the learning rate
     * @param rho          the decay of the mean of g^2
     * @param epsilon      added to its root
     */
    record RmsPropSpec(float learningRate, float rho, float epsilon) implements OptimizerSpec {
        /** Checks the components; a bad one throws IllegalArgumentException naming it and its value. */
        public RmsPropSpec {
            Arguments.requirePositive("learningRate", learningRate);
            Arguments.requireInUnitRange("rho", rho, 0f, 1f);
            Arguments.requirePositive("epsilon", epsilon);
        }

        @Override
        public Optimizer create(int size, ModelMemory memory, Kernels kernels) {
            return new RmsProp(this, size, memory, kernels);
        }

        @Override
        public String label() {
            return "rmsprop(lr=" + learningRate + ")";
        }
    }
}
