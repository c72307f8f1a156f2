package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.harness.cli.LearnerOptions;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The command line names every learner as its help text prints it, readout-only with its dash, and its
 * options spell the same learners through {@link LearnerSpec#parse} as they did through the factories.
 */
class LearnerOptionsTest {

    @Command(name = "host")
    static final class Host {
        @Mixin
        LearnerOptions options;
    }

    @Test
    void readoutOnlyIsAMethod() {
        assertEquals(LearnerSpec.readoutOnly(), parse("--method", "readout-only").learner(1));
    }

    @Test
    void everyMethodParsesAsPrinted() {
        for (LearnerOptions.Method method : LearnerOptions.Method.values()) {
            // Throws for a name the parser does not take back; each spec is built, so k and the rest are valid.
            parse("--method", method.toString()).learner(1).label();
        }
    }

    @Test
    void theOptionsMeanWhatTheyMeantBeforeLearnerSpecParsedThem() {
        assertEquals(LearnerSpec.sparse(4, Selection.randomFixed(9)), parse().learner(9), "the defaults");
        assertEquals(LearnerSpec.sparse(3, Selection.topK(7)).scaledByNOverK(),
                parse("--k", "3", "--selection", "top-k", "--refresh-every", "7", "--alpha-n-over-k").learner(9));
        assertEquals(LearnerSpec.sparse(4, Selection.randomResampled(100, 9)),
                parse("--selection", "RANDOM_RESAMPLED").learner(9));
        assertEquals(LearnerSpec.sparse(2, Selection.bottomK(100)), parse("--k", "2", "--selection", "bottom-k").learner(9));
        assertEquals(LearnerSpec.sparse(4, Selection.randomFixed(9)), parse("--refresh-every", "5").learner(9),
                "a fixed policy ignores --refresh-every, as it always did");
        assertEquals(LearnerSpec.subset(2, 9), parse("--method", "subset", "--k", "2").learner(9));
        assertEquals(LearnerSpec.truncatedBptt(5), parse("--method", "tbptt", "--window", "5").learner(9));
        assertEquals(LearnerSpec.rflo(2.5f, Rflo.Feedback.RANDOM, 9), parse("--method", "rflo", "--tau", "2.5").learner(9));
        assertEquals(LearnerSpec.uoro(9), parse("--method", "uoro").learner(9));
        assertEquals(LearnerSpec.snap1(), parse("--method", "snap1").learner(9));
        assertEquals(LearnerSpec.full(), parse("--method", "full").learner(9));
        assertEquals(LearnerSpec.immediate(), parse("--method", "immediate").learner(9));
    }

    @Test
    void aBadValueIsNamedByTheSpecsOwnCheck() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--k", "-1").learner(1));
        assertEquals("learner = 'sparse--1-random-fixed': k = -1 must be >= 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--method", "tbptt", "--window", "0").learner(1));
        assertEquals("learner = 'tbptt-0': window = 0 must be >= 1", e.getMessage());
    }

    private static LearnerOptions parse(String... args) {
        Host host = new Host();
        new CommandLine(host).parseArgs(args);
        return host.options;
    }
}
