package org.sparsertrl.harness;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.memory.ModelMemory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Buffers of 2 MiB and more on transparent huge pages (ModelMemory, HugePages): where the machine allows
 * them (Linux, transparent huge pages not "never"; the tests run with native access enabled), a large
 * buffer starts on a 2 MiB boundary, reads as zeros, is backed by huge pages once touched, and is unmapped
 * when its memory closes, leaving nothing behind over many models.
 */
class HugePagesTest {

    private static final long MIB = 1 << 20;

    @Test
    void aLargeBufferIsOnHugePagesAndUnmappedOnClose() throws IOException {
        assumeHugePagesPossible();
        assertNull(ModelMemory.hugePagesUnavailable(), "huge pages should be used on this machine");
        long address;
        try (ModelMemory memory = new ModelMemory()) {
            MemorySegment buffer = memory.allocateFloats(16 * MIB / Float.BYTES);
            address = buffer.address();
            assertEquals(0, address % (2 * MIB), "the buffer starts on a huge page boundary");
            for (long i = 0; i < buffer.byteSize() / Float.BYTES; i += 4099) {
                assertEquals(0f, buffer.getAtIndex(JAVA_FLOAT, i), "entry " + i);
            }
            buffer.fill((byte) 1);  // faults it in
            long hugeKiB = anonHugeKiB(address);
            assertTrue(hugeKiB >= 2048, "AnonHugePages of the buffer's mapping: " + hugeKiB + " kB");
            assertEquals(16 * MIB, memory.bytes());
            memory.close();
            assertThrows(IllegalStateException.class, () -> buffer.getAtIndex(JAVA_FLOAT, 0));
        }
        assertEquals(-1, anonHugeKiB(address), "the mapping is gone after close");
    }

    @Test
    void manyLargeModelsLeaveNothingBehind() throws IOException {
        long liveBytes = ModelMemory.liveBytes(), rssBefore = OffHeapLeakTest.residentKiB();
        int models = 100;
        long size = 64 * MIB;
        for (int i = 0; i < models; i++) {
            try (ModelMemory memory = new ModelMemory()) {
                memory.allocateFloats(size / Float.BYTES).fill((byte) i);
            }
        }
        assertEquals(liveBytes, ModelMemory.liveBytes());
        long growthKiB = OffHeapLeakTest.residentKiB() - rssBefore, notFreedKiB = models * size / 1024;
        assertTrue(growthKiB < notFreedKiB / 4, "resident set grew by " + growthKiB + " KiB over " + models
                + " buffers of " + size + " bytes (not freeing them would add " + notFreedKiB + " KiB)");
    }

    /**
     * A mapping munmap refuses is not dropped silently: the arena's cleanup throws, naming it. A misaligned
     * address makes munmap fail (EINVAL) without touching any mapping; the cleanup is private, so reflection.
     */
    @Test
    void aRefusedUnmapIsAnError() throws ReflectiveOperationException, IOException {
        assumeHugePagesPossible();
        assertNull(ModelMemory.hugePagesUnavailable(), "huge pages should be used on this machine");
        Method unmap = Class.forName("org.sparsertrl.engine.memory.HugePages").getDeclaredMethod("unmap", MemorySegment.class);
        unmap.setAccessible(true);
        MemorySegment misaligned = MemorySegment.ofAddress(0x1001).reinterpret(4096);
        InvocationTargetException thrown = assertThrows(InvocationTargetException.class, () -> unmap.invoke(null, misaligned));
        assertInstanceOf(IllegalStateException.class, thrown.getCause());
        assertEquals("munmap of 4096 bytes at 0x1001 returned -1: that memory is not released", thrown.getCause().getMessage());
    }

    private static void assumeHugePagesPossible() throws IOException {
        assumeTrue(System.getProperty("os.name", "").equals("Linux"), "Linux only");
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeTrue(Files.exists(setting), "no transparent huge pages in this kernel");
        assumeFalse(Files.readString(setting).contains("[never]"), "transparent huge pages are off");
    }

    /** AnonHugePages of the mapping of /proc/self/smaps that holds {@code address}, in kB; -1 if none does. */
    private static long anonHugeKiB(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inside = Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                        && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0;
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
