package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.sparsertrl.harness.report.RunRecord;

/**
 * One study of the reproduction: what it must compute, and how it reports. The {@code reproduce}
 * command runs the work of every selected study on a pool of threads (shared experiments run once),
 * then asks each study for its report.
 */
public interface Study {

    /** The name used on the command line, e.g. {@code adaptation}. */
    String name();

    /** What the study measures, in a few words. */
    String title();

    /** The experiments this study needs, as units of work. */
    List<Work> plan(Protocol protocol);

    /** After the work is done: the study's section of the report, its raw rows, its claims. */
    StudyReport report(Protocol protocol, ExperimentRunner runner, Path plots) throws IOException;

    /**
     * A unit of work: computing (and memoizing in the runner) one experiment.
     *
     * @param key    identifies the experiment; equal keys are the same work, done once
     * @param cost   relative cost, for the progress bar's estimate of the time left
     * @param action what to compute
     */
    record Work(String key, double cost, Consumer<ExperimentRunner> action) {
    }

    /**
     * A claim of the paper beside our figure, for the summary table.
     *
     * @param verdict reproduced, not reproduced or inconclusive; null for our own questions (no paper claim)
     * @param rule    the rule that gave the verdict, in one sentence
     */
    record Claim(String claim, String paper, String ours, Verdict verdict, String rule) {

        /** A row for a question the paper does not ask. */
        static Claim ours(String claim, String figure) {
            return new Claim(claim, "not in the paper", figure, null, null);
        }
    }

    /**
     * A study's results.
     *
     * @param markdown the study's section of report.md
     * @param records  its raw rows
     * @param claims   the paper's claims it measures
     */
    record StudyReport(String markdown, List<RunRecord> records, List<Claim> claims) {
    }
}
