package org.sparsertrl.harness.study;

import java.util.SplittableRandom;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.Initialization;
import org.sparsertrl.harness.task.BciStream;
import org.sparsertrl.harness.task.DelayStream;
import org.sparsertrl.harness.task.ProductStream;
import org.sparsertrl.harness.task.LorenzStream;
import org.sparsertrl.harness.task.NwbStream;
import org.sparsertrl.harness.task.SineStream;
import org.sparsertrl.harness.task.Stream;

/**
 * One pre-trained network: a task, a cell kind, a size, a seed and an initialisation. The seed fixes the weight initialisation, the
 * task's random start, and the random paths and subsets of the learners adapted from it; each of
 * these roles draws from its own stream derived from the seed, so that, say, a shared subset is not
 * the first row's paths.
 */
public record Cell(Task task, CellKind kind, int n, long seed, Initialization init) {

    /** A vanilla tanh network initialised as the protocol says. */
    public Cell(Protocol p, Task task, int n, long seed) {
        this(task, CellKind.VANILLA, n, seed, p.init());
    }

    /** The same network with another seed. */
    public Cell withSeed(long other) {
        return new Cell(task, kind, n, other, init);
    }

    /** The random roles of a cell, each with its own derived seed. */
    public enum Role { TASK, PATHS, SUBSET }

    /** A seed for {@code role}, derived from the cell's seed (the weights use the seed itself). */
    public long seedFor(Role role) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (role.ordinal() + 1))).nextLong();
    }

    /** The regime-shift tasks. */
    public enum Task {
        PRODUCT, DELAY, SINE, LORENZ, BCI;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The task of the adaptation-style studies named {@code name}: product, delay or sine. */
        public static Task parse(String name) {
            return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "product" -> PRODUCT;
                case "delay" -> DELAY;
                case "sine" -> SINE;
                default -> throw new IllegalArgumentException("--task = " + name + " must be product, delay or sine");
            };
        }
    }

    /** A fresh stream of this cell's task, shifting to regime B at {@code protocol.shiftAt()}. */
    public Stream stream(Protocol p) {
        return stream(p, p.shiftAt());
    }

    /** A fresh stream that shifts at {@code shiftAt} (Long.MAX_VALUE: stays on regime A). */
    public Stream stream(Protocol p, long shiftAt) {
        return switch (task) {
            case PRODUCT -> new ProductStream(p.productLagBefore(), p.productLagAfter(), shiftAt, p.inputs(), seedFor(Role.TASK));
            case DELAY -> new DelayStream(p.delayLagBefore(), p.delayLagAfter(), shiftAt, p.inputs(), seedFor(Role.TASK));
            case SINE -> new SineStream(p.omegaBefore(), p.omegaAfter(), shiftAt,
                    new SplittableRandom(seedFor(Role.TASK)).nextDouble(0, 2 * Math.PI));
            case LORENZ -> new LorenzStream(new LorenzStream.Parameters(10, p.rhoBefore(), 8.0 / 3.0),
                    new LorenzStream.Parameters(10, p.rhoAfter(), 8.0 / 3.0), shiftAt, p.lorenzDt(),
                    p.lorenzSubsteps(), p.lorenzBurnIn(), seedFor(Role.TASK));
            case BCI -> p.nwb().isEmpty() ? new BciStream(p.bci(), shiftAt, seedFor(Role.TASK))
                    : new NwbStream(p.nwb().get(0), p.nwb().get(1), p.bci().binMs() / 1000, shiftAt);
        };
    }

    public int inputs(Protocol p) {
        return switch (task) {
            case PRODUCT, DELAY, SINE -> 1;
            case LORENZ -> 3;
            case BCI -> p.nwb().isEmpty() ? p.bci().channels()
                    : NwbStream.units(p.nwb().get(0), p.nwb().get(1), p.bci().binMs() / 1000);
        };
    }

    public int outputs() {
        return switch (task) {
            case PRODUCT, DELAY, SINE -> 1;
            case LORENZ -> 3;
            case BCI -> 2;
        };
    }

    @Override
    public String toString() {
        return task.label() + (kind == CellKind.VANILLA ? "" : " " + kind.label()) + " n=" + n + " seed=" + seed
                + " " + init.kind().name().toLowerCase(java.util.Locale.ROOT);
    }
}
