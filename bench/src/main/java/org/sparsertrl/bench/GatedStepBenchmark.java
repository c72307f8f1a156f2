package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Param;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * Time of one online training step of the gated cells (LSTM, GRU) per learner and n, one thread,
 * m = 4 inputs, o = 1 output: the same step as {@link StepBenchmark}, on 2n (LSTM) or n (GRU)
 * sensitivity rows over G = 4 or 3 times the parameters.
 */
public class GatedStepBenchmark extends TrainerStepBenchmark {

    @Param({"lstm", "gru"})
    public String cell;

    @Param({"immediate", "snap-1", "eprop", "uoro", "tbptt-16", "sparse-4", "subset-4", "full"})
    public String learner;

    @Param({"64", "128"})
    public int n;

    @Override
    OnlineTrainer newTrainer() {
        return Learners.trainer(CellKind.of(cell), learner, n, 1);
    }

    @Override
    String label() {
        return cell + ", " + learner + ", n = " + n;
    }
}
