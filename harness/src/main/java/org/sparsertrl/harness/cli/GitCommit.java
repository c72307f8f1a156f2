package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The commit a report was produced from, asked of git; "unknown" outside a checkout. */
public final class GitCommit {

    private GitCommit() {
    }

    public static String describe() {
        String commit = run("git", "rev-parse", "--short=12", "HEAD");
        if (commit == null) {
            return "unknown (not a git checkout)";
        }
        String status = run("git", "status", "--porcelain", "--untracked-files=no");
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
