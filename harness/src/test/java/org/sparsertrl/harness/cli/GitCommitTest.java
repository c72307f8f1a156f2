package org.sparsertrl.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commit is read from git's files, never by running git in a checkout that may configure programs to run. */
class GitCommitTest {

    static final String A = "0123456789abcdef0123456789abcdef01234567", B = "89abcdef0123456789abcdef0123456789abcdef";

    @Test
    void readsLoosePackedDetachedAndWorktreeHeads(@TempDir Path dir) throws IOException {
        Path repo = dir.resolve("repo"), git = repo.resolve(".git");
        Files.createDirectories(git.resolve("refs/heads"));
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.writeString(git.resolve("refs/heads/main"), A + "\n");
        assertEquals(Optional.of(A), GitCommit.commitOf(repo), "a loose ref");

        Files.delete(git.resolve("refs/heads/main"));
        Files.writeString(git.resolve("packed-refs"), "# pack-refs with: peeled fully-peeled sorted\n" + B + " refs/heads/main\n");
        assertEquals(Optional.of(B), GitCommit.commitOf(repo), "a packed ref");

        Files.writeString(git.resolve("HEAD"), A + "\n");
        assertEquals(Optional.of(A), GitCommit.commitOf(repo), "a detached HEAD");

        // A worktree: .git is a file pointing at its own git folder, whose commondir leads to the shared refs.
        Path worktreeGit = git.resolve("worktrees/w"), worktree = dir.resolve("w");
        Files.createDirectories(worktreeGit);
        Files.createDirectories(worktree);
        Files.writeString(worktree.resolve(".git"), "gitdir: " + worktreeGit + "\n");
        Files.writeString(worktreeGit.resolve("commondir"), "../..\n");
        Files.writeString(worktreeGit.resolve("HEAD"), "ref: refs/heads/main\n");
        assertEquals(Optional.of(B), GitCommit.commitOf(worktree), "a worktree's branch, packed in the common folder");

        Files.writeString(git.resolve("HEAD"), "ref: ../../../etc/passwd\n");
        assertEquals(Optional.empty(), GitCommit.commitOf(repo), "a ref outside refs/ is not followed");
        Files.writeString(git.resolve("HEAD"), "garbage\n");
        assertEquals(Optional.empty(), GitCommit.commitOf(repo));
        assertEquals(Optional.empty(), GitCommit.commitOf(dir.resolve("none")));
    }

    /** An fsmonitor hook in a checkout's config: reading the commit there runs nothing. */
    @Test
    void aCheckoutsConfiguredProgramsNeverRun(@TempDir Path dir) throws IOException {
        Path repo = dir.resolve("repo"), git = repo.resolve(".git"), marker = dir.resolve("ran");
        Files.createDirectories(git.resolve("refs/heads"));
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.writeString(git.resolve("refs/heads/main"), A + "\n");
        Path hook = Files.writeString(dir.resolve("hook.sh"), "#!/bin/sh\ntouch " + marker + "\n");
        assertTrue(hook.toFile().setExecutable(true));
        Files.writeString(git.resolve("config"), "[core]\n\tfsmonitor = " + hook + "\n\thooksPath = " + dir + "\n");
        assertEquals(Optional.of(A), GitCommit.commitOf(repo));
        assertTrue(Files.notExists(marker), "nothing of the checkout's ran");
    }

    /** The project's own checkout is found from where this code was loaded, whatever the working directory. */
    @Test
    void describesTheProjectsOwnCheckout() {
        Optional<Path> own = GitCommit.ownCheckout();
        assertTrue(own.isPresent(), "the tests run from target/ inside a checkout");
        String commit = GitCommit.commitOf(own.get()).orElseThrow();
        assertTrue(GitCommit.describe().startsWith(commit.substring(0, 12)), GitCommit.describe());
    }
}
