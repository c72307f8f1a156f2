/**
 * The sparse-RTRL engine: cells, learners, optimizers, the online trainer and the embedded runtime.
 *
 * <p>The exported packages are the API: {@code train} (OnlineTrainer, TrainerState, Divergence),
 * {@code learn} (LearnerSpec, Selection and the learners), {@code cell} (CellKind, Initialization,
 * RnnLayout and the cells), {@code optim} (OptimizerSpec and the optimizers) and {@code runtime}
 * (the embedded trainer, rings, counters, checkpoints) and {@code transformer} (the online transformer
 * with sparse gradient transport over heads; its matrix kernels, {@code transformer.kernel}, are internal). The kernels, the model memory and the
 * argument checks are internal: a consumer on the module path cannot reach them. (The project's own
 * harness and benchmarks run on the class path and read the kernels directly to test and time them.)
 */
module org.sparsertrl.engine {
    requires jdk.incubator.vector;
    requires java.logging;
    requires java.management;
    requires jdk.management;
    requires org.agrona;
    requires HdrHistogram;

    exports org.sparsertrl.engine.cell;
    exports org.sparsertrl.engine.learn;
    exports org.sparsertrl.engine.optim;
    exports org.sparsertrl.engine.train;
    exports org.sparsertrl.engine.runtime;
    exports org.sparsertrl.engine.transformer;
}
