package org.sparsertrl.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.KernelProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} must fail with a message that names
 * the flag (never silently run scalar code), and must run when the scalar kernels are asked for.
 * Without the CompileCommand that keeps the vector kernels from being inlined it runs and warns.
 */
class VectorModuleFlagTest {

    /** Builds a trainer and takes one step, printing the kernels it used. */
    public static void main(String[] args) {
        try (var trainer = org.sparsertrl.engine.train.OnlineTrainer.builder(4, 1, 1).build()) {
            trainer.step(new float[] {0.5f}, new float[] {0.25f});
            System.out.println("stepped with " + trainer.inspect().kernels().name());
        }
    }

    @Test
    void missingFlagIsAnErrorThatNamesIt() throws Exception {
        Result result = run(List.of());
        assertNotEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("--add-modules jdk.incubator.vector"), result.output);
    }

    @Test
    void scalarKernelsRunWithoutTheFlag() throws Exception {
        Result result = run(List.of("-D" + KernelProvider.PROPERTY + "=scalar"));
        assertEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("stepped with scalar"), result.output);
    }

    @Test
    void unknownKernelNameIsAnErrorThatListsTheChoices() throws Exception {
        Result result = run(List.of("--add-modules", "jdk.incubator.vector", "-D" + KernelProvider.PROPERTY + "=gpu"));
        assertNotEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("sparsertrl.kernels = 'gpu' is not one of: vector, scalar"), result.output);
    }

    @Test
    void badSparseTileIsAnErrorThatNamesTheProperty() throws Exception {
        Result result = run(List.of("--add-modules", "jdk.incubator.vector", "-D" + KernelProvider.SPARSE_TILE_PROPERTY + "=big"));
        assertNotEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("sparsertrl.sparseTileKiB = 'big' is not a whole number of KiB"), result.output);
        result = run(List.of("--add-modules", "jdk.incubator.vector", "-D" + KernelProvider.SPARSE_TILE_PROPERTY + "=0"));
        assertNotEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("sparsertrl.sparseTileKiB = '0' must be at least 1 (KiB)"), result.output);
        result = run(List.of("--add-modules", "jdk.incubator.vector", "-D" + KernelProvider.SPARSE_TILE_PROPERTY + "=64"));
        assertEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("stepped with vector"), result.output);
    }

    /** The vector kernels without {@link KernelProvider#DONT_INLINE_FLAG} run, with a warning that names it. */
    @Test
    void vectorKernelsWithoutTheDontInlineFlagAreWarnedAbout() throws Exception {
        Result without = run(List.of("--add-modules", "jdk.incubator.vector"));
        assertEquals(0, without.exitCode, without.output);
        assertTrue(without.output.contains("sparse-rtrl: add -XX:CompileCommand=quiet '" + KernelProvider.DONT_INLINE_FLAG + "'"),
                without.output);
        Result with = run(List.of("--add-modules", "jdk.incubator.vector", "-XX:CompileCommand=quiet",
                KernelProvider.DONT_INLINE_FLAG));
        assertEquals(0, with.exitCode, with.output);
        assertTrue(with.output.contains("stepped with vector"), with.output);
        assertFalse(with.output.contains("sparse-rtrl: add -XX:CompileCommand"), with.output);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> flags) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(VectorModuleFlagTest.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        return new Result(process.exitValue(), output);
    }
}
