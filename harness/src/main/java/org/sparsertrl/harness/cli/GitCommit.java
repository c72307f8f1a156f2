package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The commit a report was produced from; "unknown" outside a checkout.
 *
 * <p>The commit is read from the files of the project's own checkout (the one this code was built
 * in: {@code .git/HEAD}, then the ref it names, loose or packed), never from the current directory
 * and never by running git there: a checkout's configuration can make git run programs of its choosing
 * (core.fsmonitor, hooks), and a report may be made inside a checkout nobody has vetted. Only to see
 * whether tracked files changed is git run, in the project's own checkout, with fsmonitor and hooks off.
 */
public final class GitCommit {

    private static final Pattern HASH = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

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
        Optional<Path> root = ownCheckout();
        Optional<String> commit = root.flatMap(GitCommit::commitOf);
        if (commit.isEmpty()) {
            return "unknown (not run from a git checkout)";
        }
        List<String> command = new ArrayList<>(List.of("git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
                "--no-optional-locks", "-C", root.get().toString(),
                "status", "--porcelain", "--untracked-files=no", "--", ":/"));
        for (String path : ownOutputs) {
            command.add(":(top,exclude)" + path);
        }
        String status = run(command.toArray(String[]::new));
        return commit.get().substring(0, 12) + (status == null || status.isEmpty() ? "" : " with uncommitted changes");
    }

    /** The work tree this class was loaded from (target/classes or a jar inside it), if it is in a git checkout. */
    static Optional<Path> ownCheckout() {
        try {
            var source = GitCommit.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            for (Path dir = Path.of(source.getLocation().toURI()).toAbsolutePath(); dir != null; dir = dir.getParent()) {
                if (Files.exists(dir.resolve(".git"))) {
                    return Optional.of(dir);
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // A code source that is not a file: no checkout to speak of.
        }
        return Optional.empty();
    }

    /**
     * The full hash of HEAD in the work tree {@code root}, read from the files alone: {@code .git} as a
     * folder or as a worktree's "gitdir:" file, HEAD as a hash (detached) or a ref, the ref loose in
     * the git folder or the common folder, or in packed-refs. Empty if any part is missing or malformed.
     */
    static Optional<String> commitOf(Path root) {
        try {
            Path git = root.resolve(".git");
            if (Files.isRegularFile(git)) {
                String line = firstLine(git);
                if (!line.startsWith("gitdir:")) {
                    return Optional.empty();
                }
                git = root.resolve(line.substring("gitdir:".length()).strip()).normalize();
            }
            Path common = git;
            if (Files.isRegularFile(git.resolve("commondir"))) {
                common = git.resolve(firstLine(git.resolve("commondir"))).normalize();
            }
            String head = firstLine(git.resolve("HEAD"));
            if (HASH.matcher(head).matches()) {
                return Optional.of(head);
            }
            if (!head.startsWith("ref: ")) {
                return Optional.empty();
            }
            String ref = head.substring(5).strip();
            if (!ref.startsWith("refs/") || ref.contains("..")) {
                return Optional.empty();
            }
            for (Path dir : new Path[] {git, common}) {
                Path loose = dir.resolve(ref);
                if (Files.isRegularFile(loose)) {
                    String hash = firstLine(loose);
                    return HASH.matcher(hash).matches() ? Optional.of(hash) : Optional.empty();
                }
            }
            Path packed = common.resolve("packed-refs");
            if (Files.isRegularFile(packed)) {
                for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                    String[] parts = line.strip().split(" ", 2);
                    if (parts.length == 2 && parts[1].equals(ref) && HASH.matcher(parts[0]).matches()) {
                        return Optional.of(parts[0]);
                    }
                }
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String firstLine(Path file) throws IOException {
        if (Files.size(file) > 4096) {
            throw new IOException(file + ": too long for a git pointer");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
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
