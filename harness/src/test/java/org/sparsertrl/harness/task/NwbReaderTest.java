package org.sparsertrl.harness.task;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NWB reader treats its file as untrusted: a truncated file, a header that claims more than the
 * file holds or the memory budget allows, values that are not finite, a clock that does not
 * increase, a rate that is not a positive number: each is refused with a message that names the
 * file, the dataset and what is wrong, and nothing is accepted with data other than what was written.
 */
class NwbReaderTest {

    static final double BIN = 0.02;

    @Test
    void aValidFileReadsBackWhatWasWritten(@TempDir Path dir) throws IOException {
        NwbFiles.Fixture f = new NwbFiles.Fixture(1);
        NwbRecording withTimestamps = NwbRecording.read(f.write(dir.resolve("ts.nwb")));
        f.timestamps = null;
        NwbRecording withRate = NwbRecording.read(f.write(dir.resolve("rate.nwb")));
        for (NwbRecording r : new NwbRecording[] {withTimestamps, withRate}) {
            assertEquals(java.util.List.of(NwbFiles.SPIKES_PER_UNIT, NwbFiles.SPIKES_PER_UNIT, NwbFiles.SPIKES_PER_UNIT),
                    r.spikeCounts());
        }
        assertBinnedEqual(withTimestamps.bin(BIN), withRate.bin(BIN), "a rate of 100 Hz is the same clock as the timestamps");
    }

    /** Truncation at every 1 % of the file: each is refused, and none is read as other data. */
    @Test
    void everyTruncationIsRefused(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(new NwbFiles.Fixture(2).write(dir.resolve("whole.nwb")));
        int refused = 0;
        for (int percent = 1; percent <= 99; percent++) {
            Path cut = dir.resolve("cut" + percent + ".nwb");
            Files.write(cut, Arrays.copyOf(whole, (int) ((long) whole.length * percent / 100)));
            NwbRecording.BadNwbFileException e = assertThrows(NwbRecording.BadNwbFileException.class,
                    () -> NwbRecording.read(cut).bin(BIN), percent + " %");
            assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
            refused++;
        }
        System.out.printf("NWB truncation: %d of 99 truncated files refused (file of %,d bytes)%n", refused, whole.length);
    }

    @Test
    void aHeaderClaimingMoreThanTheFileHoldsIsRefusedBeforeAllocating(@TempDir Path dir) throws IOException {
        Path file = new NwbFiles.Fixture(3).write(dir.resolve("good.nwb"));
        byte[] bytes = Files.readAllBytes(file);
        // The dataspace of /units/spike_times holds its length, 3 * 1237 = 3711, as an 8-byte field; the header's checksum resealed.
        int patched = NwbFiles.patchHeaders(bytes, NwbFiles.UNITS * NwbFiles.SPIKES_PER_UNIT, 268_435_456L);
        assertTrue(patched >= 1, "the fixture's spike count is in its header");
        Path huge = dir.resolve("huge.nwb");
        Files.write(huge, bytes);
        NwbRecording.BadNwbFileException e = assertThrows(NwbRecording.BadNwbFileException.class, () -> NwbRecording.read(huge));
        System.out.println("NWB header claiming 268,435,456 spikes: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(huge + ": /units/spike_times: "), e.getMessage());

        // With a budget that would allow it, the claim is still checked against the bytes the file has.
        NwbRecording.BadNwbFileException beyond = assertThrows(NwbRecording.BadNwbFileException.class,
                () -> NwbRecording.read(huge, 1L << 40));
        assertTrue(beyond.getMessage().startsWith(huge + ": /units/spike_times: truncated"), beyond.getMessage());

        NwbRecording.BadNwbFileException budget = assertThrows(NwbRecording.BadNwbFileException.class,
                () -> NwbRecording.read(file, 50_000));
        assertTrue(budget.getMessage().contains("more than the") && budget.getMessage().contains("budget"), budget.getMessage());
    }

    @Test
    void badValuesAreRefusedWithTheDatasetAndTheReason(@TempDir Path dir) throws IOException {
        String series = "/processing/behavior/Position/hand";
        assertRefused(dir, f -> f.spikes[17] = Double.NaN, "/units/spike_times: element 17 = NaN is not finite");
        assertRefused(dir, f -> f.timestamps[5] = Double.POSITIVE_INFINITY, series + "/timestamps: element 5 = Infinity is not finite");
        assertRefused(dir, f -> f.timestamps[9] = f.timestamps[8], series + "/timestamps: not strictly increasing: element 9 = 0.08 after 0.08");
        assertRefused(dir, f -> f.timestamps[9] = 0.05, series + "/timestamps: not strictly increasing: element 9 = 0.05 after 0.08");
        assertRefused(dir, f -> f.position[3][1] = Double.NaN, series + "/data: row 3 column 1 = NaN is not finite");
        assertRefused(dir, f -> f.position[300][0] = 1e308, series + "/data: the position is so large that the velocity");
        assertRefused(dir, f -> f.index[1] = 99_999, "/units/spike_times_index: entry 1 = 99999.0 is not a valid end");
        String rate = series + "/starting_time rate: ";
        assertRefused(dir, f -> { f.timestamps = null; f.rate = 0.0; }, rate + "0.0 must be a finite number of samples per second > 0");
        assertRefused(dir, f -> { f.timestamps = null; f.rate = -100.0; }, rate + "-100.0 must be");
        assertRefused(dir, f -> { f.timestamps = null; f.rate = Double.NaN; }, rate + "NaN must be");
        assertRefused(dir, f -> { f.timestamps = null; f.rate = "fast"; }, rate + "'fast' is not a number");
        assertRefused(dir, f -> { f.timestamps = null; f.startingTime = Double.NaN; }, series + "/starting_time: element 0 = NaN is not finite");
    }

    private static void assertRefused(Path dir, Consumer<NwbFiles.Fixture> change, String reason) throws IOException {
        NwbFiles.Fixture f = new NwbFiles.Fixture(4);
        change.accept(f);
        Path file = f.write(Files.createTempFile(dir, "bad", ".nwb"));
        NwbRecording.BadNwbFileException e = assertThrows(NwbRecording.BadNwbFileException.class,
                () -> NwbRecording.read(file).bin(BIN), reason);
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(reason), e.getMessage());
    }

    static void assertBinnedEqual(NwbRecording.Binned a, NwbRecording.Binned b, String message) {
        assertEquals(a.bins(), b.bins(), message);
        for (int i = 0; i < a.bins(); i++) {
            assertArrayEquals(a.counts()[i], b.counts()[i], message + ", bin " + i);
            assertArrayEquals(a.velocity()[i], b.velocity()[i], 1e-9, message + ", bin " + i);
        }
    }

    static byte[] le(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
