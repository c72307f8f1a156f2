package org.sparsertrl.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/run's check before measuring: the CPU against the results' record, and the copy and peak rates now against
 * the results on disk, a warning below 75 % of theirs or above 4/3.
 */
class MemoryCheckTest {

    @Test
    void theCopyRateIsReadAsTheReportReadsIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("check.json");
        Files.writeString(file, "[{\"benchmark\":\"org.sparsertrl.bench.BandwidthProbe.copy\",\"mode\":\"thrpt\",\"params\":{},"
                + "\"primaryMetric\":{\"score\":4.0E9,\"scoreError\":1.0,\"scoreUnit\":\"ops/s\"},\"secondaryMetrics\":{}}]");
        assertEquals(32.0, MemoryCheck.copyGBs(file), 1e-9);  // 8 bytes a float
        Files.writeString(file, "[]");
        assertTrue(Double.isNaN(MemoryCheck.copyGBs(file)));
    }

    @Test
    void thePeakIsReadAsTheReportReadsItAndAHalvedCoreIsAWarning(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("check.json");
        Files.writeString(file, "[{\"benchmark\":\"org.sparsertrl.bench.PeakProbe.fma\",\"mode\":\"thrpt\","
                + "\"params\":{\"chains\":\"24\"},\"primaryMetric\":{\"score\":7.0E9,\"scoreError\":1.0,"
                + "\"scoreUnit\":\"ops/s\"},\"secondaryMetrics\":{}}]");
        assertEquals(224.0, MemoryCheck.peakGflops(file, 16), 1e-9);  // 2 flops a lane a FMA
        assertEquals("bench/run: WARNING: peak FMA 115.8 GFLOP/s now, 51 % of the 229.3 GFLOP/s of the results on disk "
                + "(then): the core is slower than when they were measured, so what is measured now will not compare "
                + "with them", MemoryCheck.peakMessage(115.8, 229.3, "then"));
        assertEquals("bench/run: peak FMA 220.0 GFLOP/s now, 96 % of the 229.3 GFLOP/s of the results on disk (then)",
                MemoryCheck.peakMessage(220.0, 229.3, "then"));
        assertEquals("bench/run: peak FMA 220.0 GFLOP/s now (no results of this profile on disk to compare with)",
                MemoryCheck.peakMessage(220.0, Double.NaN, "then"));
    }

    /**
     * On 2026-12-04 this host's "AMD EPYC" was for hours a CPU without avx_vnni and avx512_vp2intersect, whose peak
     * read half the results': the check names the other CPU, from the family and model where both records have
     * them, else from the vector flags, and says nothing on the same CPU.
     */
    @Test
    void anotherCpuOfTheSameNameIsAWarning() {
        MachineRecord then = machine(null, "fpu fma avx avx2 avx512f avx_vnni avx512_vp2intersect pti");
        MachineRecord here = machine("family 25, model 17, stepping 1", "fpu fma avx avx2 avx512f pcid");
        assertEquals("bench/run: WARNING: this CPU is not the one the results on disk (then) were measured on (vector "
                + "flags only in the results' record: avx512_vp2intersect avx_vnni): what is measured now describes "
                + "another machine and will not compare with them", MemoryCheck.cpuCheck(here, then, "then"));
        MachineRecord sameFlags = machine("family 26, model 2, stepping 0", "fpu fma avx avx2 avx512f pcid");
        assertEquals("bench/run: WARNING: this CPU is not the one the results on disk (then) were measured on (family "
                + "25, model 17, stepping 1 in this machine against family 26, model 2, stepping 0 in the results' "
                + "record): what is measured now describes another machine and will not compare with them",
                MemoryCheck.cpuCheck(here, sameFlags, "then"));
        // Flags that are not the vector kernels' (pti, pcid: the hypervisor's and the kernel's) do not count.
        assertNull(MemoryCheck.cpuCheck(here, machine(null, "fma avx avx2 avx512f"), "then"));
        assertNull(MemoryCheck.cpuCheck(here, machine("family 25, model 17, stepping 1", "fma avx avx2 avx512f"), "then"));
    }

    /** The first processor's name, family, model, stepping and flags; the processors counted; none of it on a machine that lists no family. */
    @Test
    void theCpuIsReadFromCpuinfo() {
        List<String> twoProcessors = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25",
                "model\t\t: 17", "model name\t: AMD EPYC", "stepping\t: 1", "flags\t\t: fpu fma avx avx512f", "",
                "processor\t: 1", "cpu family\t: 26", "model\t\t: 2", "model name\t: Other", "flags\t\t: fpu", "");
        assertEquals(new MachineRecord.Cpu("AMD EPYC", "family 25, model 17, stepping 1", "fpu fma avx avx512f", 2),
                MachineRecord.Cpu.of(twoProcessors));
        List<String> noFamily = List.of("processor\t: 0", "BogoMIPS\t: 50.00", "Features\t: fp asimd sve", "CPU part\t: 0xd40", "");
        assertEquals(new MachineRecord.Cpu("unknown", "unknown", "", 1), MachineRecord.Cpu.of(noFamily));
    }

    /**
     * What a record cannot say does not count as a difference: a family and model "unknown" or missing, no flags
     * at all (a machine whose cpuinfo lists none) beside x86's differs by those flags only, and a record missing
     * its name or kernels does not stop the check.
     */
    @Test
    void whatARecordCannotSayIsNoDifference() {
        MachineRecord here = machine("family 25, model 17, stepping 1", "fma avx avx2 avx512f");
        assertNull(MemoryCheck.cpuCheck(here, machine("unknown", "fma avx avx2 avx512f"), "then"));
        assertEquals("vector flags only in a: avx avx2 avx512f fma",
                here.cpuDifference(machine("unknown", ""), "a", "b"));
        MachineRecord partial = new MachineRecord("then", "c", null, null, null, 2, 2, "0-1", "jdk", null, 16, "os");
        assertEquals("AMD EPYC in a against null in b; vector flags only in a: avx avx2 avx512f fma; vector kernels, "
                + "512-bit vectors (16 floats), FMA on in a against null in b", here.cpuDifference(partial, "a", "b"));
        assertEquals("null in b against AMD EPYC in a; vector flags only in a: avx avx2 avx512f fma; null in b against "
                + "vector kernels, 512-bit vectors (16 floats), FMA on in a", partial.cpuDifference(here, "b", "a"));
    }

    /**
     * The record inside a peers file: read whole (one written before cpuId was kept reads it as null), and none
     * when the file has no "machine" or one without the CPU's name, flags and kernels.
     */
    @Test
    void theRecordInsideAPeersFileIsReadWhenWhole(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("peers.json");
        Files.writeString(file, "{\"available\":true,\"machine\":{\"measured\":\"then\",\"commit\":\"c\",\"cpu\":\"AMD EPYC\","
                + "\"flags\":\"fma avx512f\",\"kernels\":\"k\",\"lanes\":16,\"unknownField\":1}}");
        MachineRecord read = MachineRecord.readInside(file);
        assertEquals("AMD EPYC", read.cpu());
        assertNull(read.cpuId());
        assertEquals("fma avx512f", read.vectorFlags());
        Files.writeString(file, "{\"available\":true,\"machine\":{\"measured\":\"then\",\"commit\":\"c\"}}");
        assertNull(MachineRecord.readInside(file));
        Files.writeString(file, "{\"available\":true}");
        assertNull(MachineRecord.readInside(file));
    }

    /** A record of "AMD EPYC" with the given family, model and stepping (null: not recorded) and flags. */
    static MachineRecord machine(String cpuId, String flags) {
        return new MachineRecord("2026-12-04T13:02:48Z", "fa800f78ff47", "AMD EPYC", cpuId, flags, 2, 2, "0-1",
                "25.0.3+9-LTS (OpenJDK 64-Bit Server VM)", "vector kernels, 512-bit vectors (16 floats), FMA on", 16,
                "Linux 6.18.44 amd64");
    }

    @Test
    void aCopyFarFromTheRateOnDiskIsAWarning() {
        String slow = MemoryCheck.message(14.0, 30.0, "2026-12-03T18:18Z at commit eb353e2");
        assertEquals("bench/run: WARNING: memory copy 14.0 GB/s now, 47 % of the 30.0 GB/s of the results on disk "
                + "(2026-12-03T18:18Z at commit eb353e2): the memory is slower than when they were measured, so what is "
                + "measured now will not compare with them", slow);
        assertEquals("bench/run: WARNING: memory copy 44.9 GB/s now, 150 % of the 30.0 GB/s of the results on disk "
                + "(then): the memory is faster than when they were measured, so what is measured now will not compare "
                + "with them", MemoryCheck.message(44.9, 30.0, "then"));
        assertTrue(MemoryCheck.differs(22.4, 30.0));
        assertFalse(MemoryCheck.differs(22.6, 30.0));
        assertFalse(MemoryCheck.differs(39.9, 30.0));
        assertTrue(MemoryCheck.differs(40.1, 30.0));
        assertEquals("bench/run: memory copy 28.0 GB/s now, 93 % of the 30.0 GB/s of the results on disk (then)",
                MemoryCheck.message(28.0, 30.0, "then"));
        assertFalse(MemoryCheck.differs(14.0, Double.NaN));
        assertEquals("bench/run: memory copy 14.0 GB/s now (no results of this profile on disk to compare with)",
                MemoryCheck.message(14.0, Double.NaN, "then"));
    }
}
