package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.sparsertrl.engine.kernel.KernelProvider;
import org.sparsertrl.harness.cli.GitCommit;
import org.sparsertrl.harness.report.ResultFiles;

/**
 * The machine a set of results was measured on, recorded beside them when they are measured (bench/run
 * writes {@code <results>-machine.json} next to each results file), so that a report rendered later or
 * elsewhere states the measuring machine's figures, never the renderer's: above all the vector width,
 * which turns the peak probe's vector FMAs into flops.
 *
 * <pre>{@code
 * MachineRecord.measure().write(Path.of("bench/results/quick-machine.json"));
 * int lanes = MachineRecord.read(Path.of("bench/results/quick-machine.json")).lanes();
 * }</pre>
 *
 * @param measured            when the record was taken (ISO-8601 with offset)
 * @param commit              the checkout's commit ({@link GitCommit}), and whether tracked files differed
 * @param cpu                 the CPU's model name
 * @param flags               every CPU flag the kernel lists
 * @param coresOnline         logical CPUs the machine has
 * @param availableProcessors CPUs this JVM may use (an affinity mask such as taskset's narrows it)
 * @param affinity            the process's allowed CPUs as the kernel lists them, or "unknown"
 * @param jdk                 the JVM's version and name
 * @param kernels             the vector kernels' description (vector width, FMA)
 * @param lanes               floats per vector of the vector kernels
 * @param os                  operating system, version and architecture
 */
public record MachineRecord(String measured, String commit, String cpu, String flags, int coresOnline,
                            int availableProcessors, String affinity, String jdk, String kernels, int lanes, String os) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Usage: {@code MachineRecord OUT.json}: records this machine into OUT.json (bench/run, before measuring). */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: MachineRecord OUT.json");
            System.exit(2);
        }
        MachineRecord m = measure();
        m.write(Path.of(args[0]));
        System.out.println("machine: " + m.cpu() + ", " + m.kernels() + ", JDK " + m.jdk() + ", commit " + m.commit());
    }

    /** This machine, now. */
    static MachineRecord measure() {
        String model = "unknown", flags = "";
        int cores = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                String value = line.substring(line.indexOf(':') + 1).trim();
                if (line.startsWith("processor")) {
                    cores++;
                } else if (model.equals("unknown") && line.startsWith("model name")) {
                    model = value;
                } else if (flags.isEmpty() && line.startsWith("flags")) {
                    flags = value;
                }
            }
        } catch (IOException | RuntimeException e) {
            model = System.getProperty("os.arch");
        }
        return new MachineRecord(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                GitCommit.describe("bench/REPORT.md", "bench/plots", "bench/results"), model, flags, cores,
                Runtime.getRuntime().availableProcessors(), allowedCpus(),
                Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                KernelProvider.describe(KernelProvider.vector()), KernelProvider.vector().lanes(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    private static String allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: say so below.
        }
        return "unknown";
    }

    /** The record of {@code results} ({@code quick.json}: {@code quick-machine.json} beside it). */
    static Path besides(Path results) {
        String name = results.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        return results.resolveSibling(base + "-machine.json");
    }

    static MachineRecord read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), MachineRecord.class);
    }

    void write(Path file) throws IOException {
        ResultFiles.writeAtomically(file, JSON.writeValueAsString(this).getBytes(StandardCharsets.UTF_8));
    }

    /** The flags the kernels care about: FMA and the AVX family. */
    String vectorFlags() {
        List<String> wanted = new ArrayList<>();
        for (String f : flags.split("\\s+")) {
            if (f.equals("fma") || f.startsWith("avx")) {
                wanted.add(f);
            }
        }
        return String.join(" ", wanted);
    }

    /** One line for a report: model, vector flags. */
    String cpuLine() {
        return cpu + "; flags: " + vectorFlags();
    }

    /** One line for a report: cores, and the ones the measuring JVM could use. */
    String coresLine() {
        return coresOnline + " (the measuring JVM could use " + availableProcessors + ": CPUs " + affinity + ")";
    }
}
