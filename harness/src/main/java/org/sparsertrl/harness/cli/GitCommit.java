package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The commit a report was produced from, asked of git; "unknown" outside a checkout. */
public final class GitCommit {

    private GitCommit() {
    }

    public static String describe() {
        return describe(new String[0]);
    }

    /**
     * The commit, said to have uncommitted changes if tracked files differ from it, not counting
     * {@code ownOutputs} (paths from the repository's top that the describing command itself writes,
     * such as a benchmark report kept in the repository).
     */
    public static String describe(String... ownOutputs) {
        String commit = run("git", "rev-parse", "--short=12", "HEAD");
        if (commit == null) {
            return "unknown (not a git checkout)";
        }
        java.util.List<String> command = new java.util.ArrayList<>(
                java.util.List.of("git", "status", "--porcelain", "--untracked-files=no", "--", ":/"));
        for (String path : ownOutputs) {
            command.add(":(top,exclude)" + path);
        }
        String status = run(command.toArray(String[]::new));
        return commit + (status == null || status.isEmpty() ? "" : " with uncommitted changes");
    }

    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return null;
            }
            return output;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
