package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
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
 * @param cpuId               the CPU's family, model and stepping as /proc/cpuinfo numbers them, which tell apart
 *                            CPUs of one model name (on the host of 2026-12 "AMD EPYC" named two generations, one
 *                            with half the other's AVX-512 FMA rate); "unknown" where the kernel does not list
 *                            them, null in a record written before they were kept
 * @param flags               every CPU flag the kernel lists
 * @param coresOnline         logical CPUs the machine has
 * @param availableProcessors CPUs this JVM may use (an affinity mask such as taskset's narrows it)
 * @param affinity            the process's allowed CPUs as the kernel lists them, or "unknown"
 * @param jdk                 the JVM's version and name
 * @param kernels             the vector kernels' description (vector width, FMA)
 * @param lanes               floats per vector of the vector kernels
 * @param os                  operating system, version and architecture
 */
public record MachineRecord(String measured, String commit, String cpu, String cpuId, String flags, int coresOnline,
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
        Cpu cpu;
        try {
            cpu = Cpu.of(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            cpu = new Cpu(System.getProperty("os.arch"), "unknown", "", 0);
        }
        return new MachineRecord(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                GitCommit.describe("bench/REPORT.md", "bench/plots", "bench/results"), cpu.model(), cpu.id(), cpu.flags(),
                cpu.cores(), Runtime.getRuntime().availableProcessors(), allowedCpus(),
                Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                KernelProvider.describe(KernelProvider.vector()), KernelProvider.vector().lanes(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    /**
     * What /proc/cpuinfo says of the CPU: the first processor's model name, family, model and stepping
     * ({@link MachineRecord#cpuId}) and flags, and how many processors it lists.
     */
    record Cpu(String model, String id, String flags, int cores) {

        /** Reads {@code lines} of /proc/cpuinfo ("key : value", one block a processor). */
        static Cpu of(List<String> lines) {
            String model = "unknown", flags = "", family = null, number = null, stepping = null;
            int cores = 0;
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                if (key.equals("processor")) {
                    cores++;
                } else if (cores == 1) {
                    switch (key) {
                        case "model name" -> model = value;
                        case "flags" -> flags = value;
                        case "cpu family" -> family = value;
                        case "model" -> number = value;
                        case "stepping" -> stepping = value;
                        default -> { }
                    }
                }
            }
            String id = family == null || number == null ? "unknown"
                    : "family " + family + ", model " + number + (stepping == null ? "" : ", stepping " + stepping);
            return new Cpu(model, id, flags, cores);
        }
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

    /**
     * The record a results file carries under "machine" (bench/peers.py's), or null if it has none or one without
     * the CPU's name, flags and kernels.
     */
    static MachineRecord readInside(Path file) throws IOException {
        JsonNode machine = JSON.readTree(file.toFile()).path("machine");
        boolean whole = machine.path("cpu").isTextual() && machine.path("flags").isTextual() && machine.path("kernels").isTextual();
        return whole ? JSON.treeToValue(machine, MachineRecord.class) : null;
    }

    void write(Path file) throws IOException {
        ResultFiles.writeAtomically(file, JSON.writeValueAsString(this).getBytes(StandardCharsets.UTF_8));
    }

    /** The flags the kernels care about: FMA and the AVX family. */
    String vectorFlags() {
        List<String> wanted = new ArrayList<>();
        for (String f : flags == null ? new String[0] : flags.split("\\s+")) {
            if (f.equals("fma") || f.startsWith("avx")) {
                wanted.add(f);
            }
        }
        return String.join(" ", wanted);
    }

    /** One line for a report: model (family, model and stepping when recorded), vector flags. */
    String cpuLine() {
        return cpu + (known(cpuId) ? " (" + cpuId + ")" : "") + "; flags: " + vectorFlags();
    }

    /**
     * How this record's CPU differs from {@code other}'s, or null when they are alike: the model name, the
     * family, model and stepping (when both records know them), the vector flags, and the kernels' vector
     * width; {@code mine} and {@code theirs} name the two records in the text. Two records of one model name
     * can be two CPUs: on 2026-12-04 this host's "AMD EPYC" was, for hours, a part without avx_vnni and
     * avx512_vp2intersect whose peak FMA probe read half the rate of the one the results on disk were measured on.
     */
    String cpuDifference(MachineRecord other, String mine, String theirs) {
        List<String> differences = new ArrayList<>();
        if (!Objects.equals(cpu, other.cpu)) {
            differences.add(cpu + " in " + mine + " against " + other.cpu + " in " + theirs);
        }
        if (known(cpuId) && known(other.cpuId) && !cpuId.equals(other.cpuId)) {
            differences.add(cpuId + " in " + mine + " against " + other.cpuId + " in " + theirs);
        }
        Set<String> flagsMine = new TreeSet<>(List.of(vectorFlags().split(" ")));
        Set<String> flagsTheirs = new TreeSet<>(List.of(other.vectorFlags().split(" ")));
        flagsMine.remove("");
        flagsTheirs.remove("");
        Set<String> onlyMine = new TreeSet<>(flagsMine), onlyTheirs = new TreeSet<>(flagsTheirs);
        onlyMine.removeAll(flagsTheirs);
        onlyTheirs.removeAll(flagsMine);
        if (!onlyMine.isEmpty()) {
            differences.add("vector flags only in " + mine + ": " + String.join(" ", onlyMine));
        }
        if (!onlyTheirs.isEmpty()) {
            differences.add("vector flags only in " + theirs + ": " + String.join(" ", onlyTheirs));
        }
        if (!Objects.equals(kernels, other.kernels)) {
            differences.add(kernels + " in " + mine + " against " + other.kernels + " in " + theirs);
        }
        return differences.isEmpty() ? null : String.join("; ", differences);
    }

    /** Whether a family-model-stepping text says something: not null (a record from before) nor "unknown". */
    private static boolean known(String cpuId) {
        return cpuId != null && !cpuId.equals("unknown");
    }

    /** One line for a report: cores, and the ones the measuring JVM could use. */
    String coresLine() {
        return coresOnline + " (the measuring JVM could use " + availableProcessors + ": CPUs " + affinity + ")";
    }
}
