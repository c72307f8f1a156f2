package org.sparsertrl.harness.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The sparse-rtrl command-line tool. Run it through {@code ./rtrl} at the repository root, which
 * builds what is needed and starts it on JDK 25 with the right flags.
 */
@Command(name = "rtrl", mixinStandardHelpOptions = true, version = "sparse-rtrl 0.1.0",
        description = "Online training of recurrent networks by sparse real-time recurrent learning.",
        subcommands = {ReproduceCommand.class, TrainCommand.class, PredictCommand.class, GenerateCommand.class,
                EmbeddedCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool and returns its exit code (0 on success, 2 on a usage error). */
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        // A bad value that only the engine can judge (k > n, say) is a usage error, not a crash.
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + e.getMessage());
                cmd.getErr().flush();
                return cmd.getCommandSpec().exitCodeOnInvalidInput();
            }
            throw e;
        });
        // A bad option is one line naming it, and where to look; the whole usage would bury it.
        commandLine.setParameterExceptionHandler((e, parsed) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("error: " + e.getMessage());
            cmd.getErr().println("see: " + cmd.getCommandSpec().qualifiedName(" ") + " --help");
            cmd.getErr().flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
