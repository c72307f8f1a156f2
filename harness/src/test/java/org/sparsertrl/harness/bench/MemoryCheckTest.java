package org.sparsertrl.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench/run's memory check: the copy rate now against the results on disk, a warning below 75 % of theirs or above 4/3. */
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
