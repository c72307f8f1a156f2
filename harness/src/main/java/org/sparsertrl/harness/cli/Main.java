package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.ExecutionException;

import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.harness.task.NwbRecording;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The sparse-rtrl command-line tool. Run it through {@code ./rtrl} at the repository root, which
 * builds what is needed and starts it on JDK 25 with the right flags.
 *
 * <p>Every failure ends in one line on standard error, never a stack trace: exit 2 for bad input
 * (an option, a file that is missing, corrupt or not what it claims to be), 1 for a failure at run
 * time (a disk that refuses a write, a checkpoint that could not be written).
 */
@Command(name = "rtrl", mixinStandardHelpOptions = true, version = "sparse-rtrl 0.1.0",
        description = "Online training of recurrent networks by sparse real-time recurrent learning.",
        subcommands = {ReproduceCommand.class, TrainCommand.class, PredictCommand.class, GenerateCommand.class,
                EmbeddedCommand.class})
public final class Main implements Runnable {

    /** Exit code of a failure at run time; bad input exits with picocli's usage code, 2. */
    static final int RUNTIME_FAILURE = 1;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool and returns its exit code (0 on success, 2 on bad input, 1 on a failure at run time). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, writing to {@code out} and {@code err} (null: the standard streams). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        if (out != null) {
            commandLine.setOut(out);
        }
        if (err != null) {
            commandLine.setErr(err);
        }
        // A bad value that only the engine can judge (k > n, say), or a bad file, is one line, not a crash.
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable cause = unwrap(e);
            cmd.getErr().println("error: " + oneLine(cause));
            cmd.getErr().flush();
            return isBadInput(cause) ? cmd.getCommandSpec().exitCodeOnInvalidInput() : RUNTIME_FAILURE;
        });
        // A bad option is one line naming it, and where to look; the whole usage would bury it.
        commandLine.setParameterExceptionHandler((e, parsed) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("error: " + flatten(e.getMessage()));
            cmd.getErr().println("see: " + cmd.getCommandSpec().qualifiedName(" ") + " --help");
            cmd.getErr().flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        try {
            return commandLine.execute(args);
        } catch (OutOfMemoryError e) {
            // Readers check sizes against a budget first; this is the last line of defence, still one line.
            commandLine.getErr().println("error: out of memory (" + e.getMessage() + "); give the JVM more with -Xmx");
            commandLine.getErr().flush();
            return RUNTIME_FAILURE;
        }
    }

    /** The failure itself, without the wrappers that thread pools and unchecked I/O put around it. */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t instanceof ExecutionException
                || t instanceof UncheckedIOException || t instanceof StudyFailure)) {
            t = t.getCause();
        }
        return t;
    }

    /** Bad input: the user can fix it by changing an argument or a file. */
    static boolean isBadInput(Throwable t) {
        return t instanceof IllegalArgumentException || t instanceof NoSuchFileException
                || t instanceof NotDirectoryException || t instanceof FileAlreadyExistsException
                || t instanceof Checkpoint.CorruptCheckpointException || t instanceof NwbRecording.BadNwbFileException;
    }

    /** The message on one line; file-system exceptions say the file and the reason in words. */
    static String oneLine(Throwable t) {
        String message;
        if (t instanceof FileSystemException f && f.getReason() == null) {
            String reason = t instanceof NoSuchFileException ? "no such file or directory"
                    : t instanceof AccessDeniedException ? "permission denied"
                    : t instanceof FileAlreadyExistsException ? "already exists"
                    : t instanceof NotDirectoryException ? "not a directory" : t.getClass().getSimpleName();
            message = f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason;
        } else if (t.getMessage() == null || t.getMessage().isBlank()) {
            message = t.getClass().getSimpleName();
        } else {
            message = t.getMessage();
            if (!(t instanceof IOException) && !(t instanceof IllegalArgumentException)
                    && !(t instanceof IllegalStateException)) {
                message = t.getClass().getSimpleName() + ": " + message;
            }
        }
        return flatten(message);
    }

    private static String flatten(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** A run of a study failed; the cause is what the user needs to see. */
    static final class StudyFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StudyFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
