package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A study that is one {@link Comparison}: some methods beside the controls on one kind of network.
 * Its work is the comparison's plan, and its report reads the finished comparison; a study of this
 * kind says only which network, which methods, and what it reports.
 */
abstract class ComparisonStudy extends NamedStudy {

    private final Function<Protocol, Cell> cell;
    private final Function<Protocol, List<Method>> methods;

    /**
     * @param name    the name on the command line
     * @param title   what the study measures, in a few words
     * @param cell    the network compared on, from the protocol ({@link #taskCell} for most)
     * @param methods the methods the study asks for, from the protocol; {@link Comparison} adds the controls
     */
    ComparisonStudy(String name, String title, Function<Protocol, Cell> cell, Function<Protocol, List<Method>> methods) {
        super(name, title);
        this.cell = cell;
        this.methods = methods;
    }

    /** The protocol's task on a vanilla network of n units. */
    static Cell taskCell(Protocol p) {
        return new Cell(p, p.task(), p.n(), 0);
    }

    @Override
    public final List<Work> plan(Protocol p) {
        return Comparison.plan(p, cell.apply(p), methods.apply(p));
    }

    @Override
    public final StudyReport report(Protocol p, ExperimentRunner runner, Path plots) throws IOException {
        return report(p, runner, new Comparison(p, runner, cell.apply(p), methods.apply(p)), plots);
    }

    /** The study's section, from the finished comparison {@code c}. */
    abstract StudyReport report(Protocol p, ExperimentRunner runner, Comparison c, Path plots) throws IOException;
}
