package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.harness.cli.LearnerOptions;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The command line names every learner as its help text prints it, readout-only with its dash. */
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

    private static LearnerOptions parse(String... args) {
        Host host = new Host();
        new CommandLine(host).parseArgs(args);
        return host.options;
    }
}
