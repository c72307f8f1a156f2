package org.sparsertrl.harness.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.sparsertrl.engine.kernel.KernelProvider;

/**
 * Whether the machine's CPU is the one the profile's results on disk were measured on, and its memory and
 * its core run now as they did then. bench/run times the copy (BandwidthProbe.copy) and the peak FMA rate
 * (PeakProbe.fma, 24 chains), a few seconds each, before it measures anything and hands those and the
 * profile's main results here. On this shared host the copy rate has fallen to half for hours, and read
 * 1.48 times the rate on disk (44.9 against 30.4 GB/s, 2026-12-04). The report divides each part's shares
 * by that part's own rates, but a part measured in such an hour does not stand beside parts measured in
 * another (a speed-up across parts, a ratio such as bf16 over float32 when only one of them is measured
 * again). The peak read half its rate on disk too (115.8 against 229.3 GFLOP/s, 2026-12-04), and that was
 * not a slow hour but another CPU of the same model name ("AMD EPYC", without the avx_vnni and
 * avx512_vp2intersect of the one the results then on disk were measured on), so the check first compares this
 * machine's CPU with the results' {@link MachineRecord} and warns when they differ.
 * Below {@link #SLOW} of the rate on disk, or above its inverse, this says so loudly, naming both rates;
 * bench/run goes on either way, since a full run's results are whole only if every part is measured.
 *
 * <pre>{@code
 * MemoryCheck NOW.json LAST.json    // JMH results of BandwidthProbe.copy now; the profile's results on disk
 * }</pre>
 */
final class MemoryCheck {

    /** The share of the rate on disk below which the memory counts as slower than then (above 1 / SLOW: faster). */
    static final double SLOW = 0.75;

    private MemoryCheck() {
    }

    /** Usage: {@code MemoryCheck NOW.json LAST.json}; prints one line (to stderr when the memory differs). */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: MemoryCheck NOW.json LAST.json");
            System.exit(2);
        }
        Path current = Path.of(args[0]), last = Path.of(args[1]);
        double now = copyGBs(current);
        double before = Files.exists(last) ? copyGBs(last) : Double.NaN;
        Path record = MachineRecord.besides(last);
        MachineRecord then = Files.exists(record) ? MachineRecord.read(record) : null;
        String when = then != null ? then.measured() + " at commit " + then.commit() : last.toString();
        String cpu = then != null ? cpuCheck(MachineRecord.measure(), then, when) : null;
        if (cpu != null) {
            System.err.println(cpu);
        }
        String line = message(now, before, when);
        (differs(now, before) ? System.err : System.out).println(line);
        int lanes = then != null ? then.lanes() : KernelProvider.vector().lanes();
        double peakNow = peakGflops(current, lanes), peakBefore = Files.exists(last) ? peakGflops(last, lanes) : Double.NaN;
        if (Double.isFinite(peakNow)) {
            String peak = peakMessage(peakNow, peakBefore, when);
            (differs(peakNow, peakBefore) ? System.err : System.out).println(peak);
        }
    }

    /**
     * The line bench/run prints when this machine's CPU ({@code here}) is not the one the results on disk were
     * measured on ({@code then}, measured {@code when}); null when it is.
     */
    static String cpuCheck(MachineRecord here, MachineRecord then, String when) {
        String difference = here.cpuDifference(then, "this machine", "the results' record");
        return difference == null ? null : "bench/run: WARNING: this CPU is not the one the results on disk (" + when
                + ") were measured on (" + difference + "): what is measured now describes another machine and will "
                + "not compare with them";
    }

    /** PeakProbe's best rate in a JMH results file, GFLOP/s with {@code lanes} floats a vector; NaN if it has none. */
    static double peakGflops(Path jmhResults, int lanes) throws IOException {
        return new Measurements(JmhResult.read(jmhResults), lanes).peakGflops;
    }

    /** The line bench/run prints for the core: the peak FMA rate now against the rate on disk, measured {@code when}. */
    static String peakMessage(double now, double before, String when) {
        return compared("peak FMA", "GFLOP/s", "core", now, before, when);
    }

    /** BandwidthProbe.copy's rate in a JMH results file, GB/s (8 bytes a float); NaN if it has none. */
    static double copyGBs(Path jmhResults) throws IOException {
        return new Measurements(JmhResult.read(jmhResults), 1).copyGBs;
    }

    /** Whether {@code now} is below {@link #SLOW} of {@code before} or above 1 / SLOW of it (false when either is unknown). */
    static boolean differs(double now, double before) {
        return Double.isFinite(now) && Double.isFinite(before) && (now < SLOW * before || now * SLOW > before);
    }

    /** The line bench/run prints: the rate now against the rate on disk, measured {@code when}. */
    static String message(double now, double before, String when) {
        if (!Double.isFinite(now)) {
            return "bench/run: the memory check measured no copy rate";
        }
        return compared("memory copy", "GB/s", "memory", now, before, when);
    }

    /** {@code what} in {@code unit} now against the rate on disk, and whether the {@code part} runs slower or faster. */
    private static String compared(String what, String unit, String part, double now, double before, String when) {
        if (!Double.isFinite(before)) {
            return String.format("bench/run: %s %.1f %s now (no results of this profile on disk to compare with)", what, now, unit);
        }
        String figures = String.format("%s %.1f %s now, %.0f %% of the %.1f %s of the results on disk (%s)",
                what, now, unit, 100 * now / before, before, unit, when);
        return differs(now, before)
                ? "bench/run: WARNING: " + figures + ": the " + part + " is " + (now < before ? "slower" : "faster")
                + " than when they were measured, so what is measured now will not compare with them"
                : "bench/run: " + figures;
    }
}
