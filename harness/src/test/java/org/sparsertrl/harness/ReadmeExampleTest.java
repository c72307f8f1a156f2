package org.sparsertrl.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.kernel.KernelProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's usage example is the code of a project outside this build (src/test/consumer), and that
 * project compiles and runs against the engine as a user gets it: installed by {@code mvn install} into
 * a local repository. The repository is a temporary one (never ~/.m2): the build's own local repository
 * is only its read-only tail (Maven's {@code maven.repo.local.tail}), where Maven finds its plugins and
 * the engine's dependencies, so nothing is downloaded when the outer build is offline.
 */
class ReadmeExampleTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path CONSUMER = ROOT.resolve("harness/src/test/consumer");
    private static final Path EXAMPLE = CONSUMER.resolve("src/main/java/example/Main.java");

    @Test
    void readmeShowsTheConsumersCode() throws IOException {
        List<String> example = between(Files.readAllLines(EXAMPLE), "// README-BEGIN", "// README-END");
        List<String> readme = between(Files.readAllLines(ROOT.resolve("README.md")), "```java", "```");
        assertTrue(example.size() > 5, "example found");
        assertEquals(example, readme, "README.md's java block differs from " + ROOT.relativize(EXAMPLE));
    }

    @Test
    void theExampleBuildsAndRunsAgainstTheInstalledEngine(@TempDir Path temp) throws Exception {
        // A copy of what installing the engine needs, so that the nested build never writes the jars
        // this build has on its class path.
        // The copy gets a version of its own, which no other repository holds, so the consumer can only
        // build against what this test installed (the tail may hold an older build of the engine).
        Path project = temp.resolve("project");
        String version = "0.0.0-readme-" + ProcessHandle.current().pid();
        copy(ROOT.resolve("mvnw"), project.resolve("mvnw"));
        for (String pom : List.of("pom.xml", "engine/pom.xml", "harness/pom.xml", "bench/pom.xml", "flink/pom.xml")) {
            String text = Files.readString(ROOT.resolve(pom));
            String ours = "<version>" + System.getProperty("rtrl.version", "0.1.0-SNAPSHOT") + "</version>";
            assertTrue(text.contains(ours), pom + " has " + ours);
            Files.createDirectories(project.resolve(pom).getParent());
            Files.writeString(project.resolve(pom), text.replace(ours, "<version>" + version + "</version>"));
        }
        copyTree(ROOT.resolve(".mvn"), project.resolve(".mvn"));
        copyTree(ROOT.resolve("engine/src/main"), project.resolve("engine/src/main"));
        copyTree(CONSUMER, temp.resolve("consumer"));
        Path repository = temp.resolve("repository");

        // The Javadoc jar is left out here to keep the test short: verify builds it, warnings failing it.
        run(project, maven(project, repository, "-DskipTests", "-Dmaven.javadoc.skip=true", "-pl", "engine", "-am", "install"));
        Path installed = repository.resolve("org/sparsertrl/engine/" + version);
        assertTrue(Files.isRegularFile(installed.resolve("engine-" + version + ".jar")), "engine jar installed in " + installed);
        assertTrue(Files.isRegularFile(installed.resolve("engine-" + version + "-sources.jar")), "sources jar installed");
        assertTrue(Files.isRegularFile(repository.resolve("org/sparsertrl/sparse-rtrl/" + version + "/sparse-rtrl-" + version + ".pom")),
                "parent pom installed");

        String output = run(temp.resolve("consumer"), maven(project, repository, "-Dsparsertrl.version=" + version,
                "compile", "exec:exec"));
        assertFalse(output.contains(KernelProvider.DONT_INLINE_FLAG), "the consumer's JVM flags lack "
                + KernelProvider.DONT_INLINE_FLAG + ", so the engine warned:\n" + output);
        List<String> printed = output.lines().filter(line -> line.startsWith("steps ")).toList();
        assertEquals(5, printed.size(), "five progress lines: " + printed);
        float first = Float.parseFloat(printed.getFirst().replaceAll(".*mean loss ", ""));
        float last = Float.parseFloat(printed.getLast().replaceAll(".*mean loss ", ""));
        assertTrue(last < 0.01f && last < first, "the example learns: " + printed);
    }

    /** The wrapper of the copy, on the temporary repository, offline if this build is, never updating snapshots. */
    private static List<String> maven(Path project, Path repository, String... arguments) {
        List<String> command = new ArrayList<>(List.of("sh", project.resolve("mvnw").toString(), "-B", "-q", "-nsu",
                "-Dmaven.repo.local=" + repository,
                "-Dmaven.repo.local.tail=" + System.getProperty("rtrl.local.repository", System.getProperty("user.home") + "/.m2/repository")));
        if (System.getProperty("rtrl.offline", "").equals("offline:true")) {
            command.add("-o");
        }
        command.addAll(List.of(arguments));
        return command;
    }

    private static String run(Path directory, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "finished: " + command);
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "exit code of " + String.join(" ", command) + " in " + directory + ":\n" + text);
        return text;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    /** The lines strictly between the first start marker and the next end marker, stripped of indentation. */
    private static List<String> between(List<String> lines, String start, String end) {
        int from = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (from < 0 && lines.get(i).strip().equals(start)) {
                from = i + 1;
            } else if (from >= 0 && lines.get(i).strip().equals(end)) {
                return lines.subList(from, i).stream().map(String::strip).toList();
            }
        }
        throw new AssertionError("no block between " + start + " and " + end);
    }
}
