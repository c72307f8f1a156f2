package org.sparsertrl.harness.fuzz;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.sparsertrl.harness.runtime.CheckpointFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.runtime.Checkpoint;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.task.NwbFiles;
import org.sparsertrl.harness.task.NwbRecording;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of a valid NWB file and a valid checkpoint: truncation at every 1 %, bit flips,
 * header fields set to extremes (with the header's checksum resealed, as a forger would), NaN
 * injection. Every case must load identical data or be refused with a message that names the file;
 * no other exception escapes, and no NWB read allocates much beyond its memory budget.
 *
 * <p>HDF5 keeps no checksum over contiguous data, so a bit flipped inside a dataset's values can
 * give other values that pass every check (finite, increasing); such cases are counted apart as
 * "read, other values" and are only allowed for flips inside the data, never for truncation,
 * header extremes or NaN. A checkpoint's CRC32C leaves no such gap.
 */
class FileFuzzTest {

    private static final long SEED = 20_261_201L;
    private static final long NWB_BUDGET = 64L << 20;
    private static final double BIN = 0.02;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static String detail = "";
    private static long worstAllocated;
    private static String worst = "";

    private enum Outcome { IDENTICAL, REFUSED, OTHER_VALUES }

    @Test
    void mutatedNwbFilesAreReadIdenticallyOrRefused(@TempDir Path dir) throws IOException {
        Path original = new NwbFiles.Fixture(7).write(dir.resolve("original.nwb"));
        byte[] good = Files.readAllBytes(original);
        NwbRecording.Binned expected = NwbRecording.read(original, NWB_BUDGET).bin(BIN);
        SplittableRandom random = new SplittableRandom(SEED);
        Path file = dir.resolve("case.nwb");
        TreeMap<String, int[]> counts = new TreeMap<>();
        long start = System.nanoTime(), maxAllocated = 0;
        int cases = 0;

        for (int percent = 1; percent <= 99; percent++) {
            maxAllocated = Math.max(maxAllocated, nwbCase(file, Arrays.copyOf(good, good.length * percent / 100),
                    expected, "truncation", false, counts));
            cases++;
        }
        // A flip inside a dataset's values may give other values that pass every check; anywhere else it may not.
        long[][] values = datasets(original, "units/spike_times", "units/spike_times_index",
                "processing/behavior/Position/hand/data", "processing/behavior/Position/hand/timestamps");
        for (int i = 0; i < 700; i++) {
            byte[] b = good.clone();
            int flips = 1 + random.nextInt(3);
            boolean inValues = false;
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(b.length);
                b[at] ^= (byte) (1 << random.nextInt(8));
                inValues |= inside(values, at);
            }
            detail = "flips " + flips;
            maxAllocated = Math.max(maxAllocated, nwbCase(file, b, expected, inValues ? "flip in values" : "flip elsewhere",
                    inValues, counts));
            cases++;
        }
        // Flips aimed at the rest of the file: superblock, object headers, heaps, B-trees.
        for (int i = 0; i < 400; i++) {
            byte[] b = good.clone();
            int at;
            do {
                at = random.nextInt(b.length);
            } while (inside(values, at));
            b[at] ^= (byte) (1 << random.nextInt(8));
            detail = "a flip at byte " + at;
            maxAllocated = Math.max(maxAllocated, nwbCase(file, b, expected, "flip elsewhere", false, counts));
            cases++;
        }
        // The sizes the headers hold (spikes, samples, columns), each set to an extreme with the checksum resealed.
        long[] fields = {NwbFiles.UNITS * NwbFiles.SPIKES_PER_UNIT, NwbFiles.SAMPLES};
        long[] extremes = {0, 1, 2, 3, 1L << 31, (1L << 31) - 1, 1L << 32, 1L << 40, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (long field : fields) {
            long[] claims = Arrays.copyOf(extremes, extremes.length + 2);
            claims[extremes.length] = field - 1;      // a plausible size: the data would be read as its prefix
            claims[extremes.length + 1] = field / 2;
            for (long extreme : claims) {
                byte[] b = good.clone();
                detail = "a size of " + field + " claimed as " + extreme;
                if (NwbFiles.patchHeaders(b, field, extreme) > 0) {
                    maxAllocated = Math.max(maxAllocated, nwbCase(file, b, expected, "header extreme", false, counts));
                    cases++;
                }
            }
        }
        for (int i = 0; i < 200; i++) {
            byte[] b = good.clone();
            int at = random.nextInt(b.length - 8);
            long value = extremes[random.nextInt(extremes.length)];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
            maxAllocated = Math.max(maxAllocated, nwbCase(file, b, expected, "8 bytes extreme", true, counts));
            cases++;
        }
        // NaN or infinity over one value of a dataset the reader uses: always refused.
        long[][] datasets = datasets(original, "units/spike_times", "processing/behavior/Position/hand/data",
                "processing/behavior/Position/hand/timestamps");
        for (int i = 0; i < 300; i++) {
            byte[] b = good.clone();
            long[] ds = datasets[random.nextInt(datasets.length)];
            int at = (int) (ds[0] + 8L * random.nextLong(ds[1]));
            double bad = random.nextBoolean() ? Double.NaN : random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putDouble(at, bad);
            detail = bad + " at byte " + at;
            maxAllocated = Math.max(maxAllocated, nwbCase(file, b, expected, "NaN injection", false, counts));
            cases++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("NWB fuzz: %d cases in %.1f s (file %,d bytes, seed %d); most allocated by one read %,d bytes "
                + "(budget %,d)%n", cases, seconds, good.length, SEED, maxAllocated, NWB_BUDGET);
        counts.forEach((kind, c) -> System.out.printf("  %-16s identical %4d, refused %4d, read with other values %4d%n",
                kind, c[0], c[1], c[2]));
        assertTrue(maxAllocated <= 2 * NWB_BUDGET + (16L << 20), "allocated " + maxAllocated + " by " + worst);
    }

    private static boolean inside(long[][] datasets, int at) {
        for (long[] ds : datasets) {
            if (at >= ds[0] && at < ds[0] + 8 * ds[1]) {
                return true;
            }
        }
        return false;
    }

    /** {address, elements} of each dataset named (all of 8-byte elements, contiguous, as jhdf writes them). */
    private static long[][] datasets(Path file, String... paths) {
        try (io.jhdf.HdfFile hdf = new io.jhdf.HdfFile(file)) {
            long[][] out = new long[paths.length][];
            for (int i = 0; i < paths.length; i++) {
                io.jhdf.api.dataset.ContiguousDataset ds = (io.jhdf.api.dataset.ContiguousDataset) hdf.getDatasetByPath(paths[i]);
                out[i] = new long[] {ds.getDataAddress(), ds.getSize()};
            }
            return out;
        }
    }

    /** One NWB case; returns the bytes the read allocated. */
    private static long nwbCase(Path file, byte[] bytes, NwbRecording.Binned expected, String kind, boolean dataMayChange,
                                TreeMap<String, int[]> counts) throws IOException {
        Files.write(file, bytes);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Outcome outcome;
        try {
            NwbRecording.Binned got = NwbRecording.read(file, NWB_BUDGET).bin(BIN);
            outcome = same(expected, got) ? Outcome.IDENTICAL : Outcome.OTHER_VALUES;
        } catch (NwbRecording.BadNwbFileException e) {
            assertTrue(e.getMessage().startsWith(file + ": "), kind + ": the message names the file: " + e.getMessage());
            outcome = Outcome.REFUSED;
        } catch (RuntimeException | IOException | Error e) {
            throw new AssertionError(kind + ": neither read nor refused, but " + e, e);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > worstAllocated) {
            worstAllocated = allocated;
            worst = kind + " (" + detail + ")";
        }
        if (outcome == Outcome.OTHER_VALUES && !dataMayChange) {
            fail(kind + ": read with other values (" + detail + ")");
        }
        counts.computeIfAbsent(kind, k -> new int[3])[outcome.ordinal()]++;
        return allocated;
    }

    private static boolean same(NwbRecording.Binned a, NwbRecording.Binned b) {
        if (a.bins() != b.bins() || a.start() != b.start()) {
            return false;
        }
        for (int i = 0; i < a.bins(); i++) {
            if (!Arrays.equals(a.counts()[i], b.counts()[i]) || !Arrays.equals(a.velocity()[i], b.velocity()[i])) {
                return false;
            }
        }
        return true;
    }

    @Test
    void mutatedCheckpointsAreLoadedIdenticallyOrRefusedAndChangeNothing(@TempDir Path dir) throws IOException {
        Path original = dir.resolve("original.ckpt");
        try (OnlineTrainer source = trainer()) {
            float[] x = {0.3f, -0.1f}, y = {0.2f};
            for (int s = 0; s < 30; s++) {
                x[0] = (float) Math.sin(0.3 * s);
                y[0] = (float) Math.sin(0.3 * (s + 1));
                source.step(x, y);
            }
            Checkpoint.write(original, source, true);
        }
        byte[] good = Files.readAllBytes(original);
        int stateAt = CheckpointFiles.stateAt(good);
        double[] expected;
        try (OnlineTrainer t = trainer()) {
            Checkpoint.load(original, t);
            expected = EngineProbe.weights(t);
        }
        SplittableRandom random = new SplittableRandom(SEED);
        Path file = dir.resolve("case.ckpt");
        TreeMap<String, int[]> counts = new TreeMap<>();
        long start = System.nanoTime();
        int cases = 0;
        try (OnlineTrainer target = trainer()) {
            double[] untouched = EngineProbe.weights(target);
            for (int percent = 0; percent <= 99; percent++) {
                checkpointCase(file, Arrays.copyOf(good, good.length * percent / 100), "truncation", target, untouched,
                        expected, counts);
                cases++;
            }
            for (int i = 0; i < 700; i++) {
                byte[] b = good.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                checkpointCase(file, b, "bit flip", target, untouched, expected, counts);
                cases++;
            }
            int[] intFields = {8, 12, 16, 20, 24, 44};
            int[] longFields = {28, 36};
            long[] extremes = {0, 1, -1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, 1L << 32, Long.MAX_VALUE,
                Long.MIN_VALUE, 4097};
            for (boolean reseal : new boolean[] {false, true}) {
                for (int at : intFields) {
                    for (long v : extremes) {
                        byte[] b = good.clone();
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
                        if (reseal) {
                            CheckpointFiles.reseal(b);
                        }
                        checkpointCase(file, b, "header extreme", target, untouched, expected, counts);
                        cases++;
                    }
                }
                for (int at : longFields) {
                    for (long v : extremes) {
                        byte[] b = good.clone();
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
                        if (reseal) {
                            CheckpointFiles.reseal(b);
                        }
                        checkpointCase(file, b, "header extreme", target, untouched, expected, counts);
                        cases++;
                    }
                }
            }
            // NaN or infinity over a weight or hidden-state float, with and without a forged checksum.
            int cellFloats = cellBytes() / Float.BYTES;
            for (int i = 0; i < 300; i++) {
                byte[] b = good.clone();
                float bad = switch (random.nextInt(3)) {
                    case 0 -> Float.NaN;
                    case 1 -> Float.POSITIVE_INFINITY;
                    default -> Float.NEGATIVE_INFINITY;
                };
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(stateAt + random.nextInt(cellFloats) * Float.BYTES, bad);
                if (random.nextBoolean()) {
                    CheckpointFiles.reseal(b);
                }
                checkpointCase(file, b, "NaN injection", target, untouched, expected, counts);
                cases++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("checkpoint fuzz: %d cases in %.1f s (file %,d bytes, seed %d)%n", cases, seconds, good.length, SEED);
        counts.forEach((kind, c) -> System.out.printf("  %-16s identical %4d, refused %4d%n", kind, c[0], c[1]));
    }

    private static void checkpointCase(Path file, byte[] bytes, String kind, OnlineTrainer target, double[] untouched,
                                       double[] expected, TreeMap<String, int[]> counts) throws IOException {
        Files.write(file, bytes);
        Outcome outcome;
        try {
            Checkpoint.load(file, target);
            assertArrayEquals(expected, EngineProbe.weights(target), kind + ": a file that loads holds the original weights");
            outcome = Outcome.IDENTICAL;
            try (OnlineTrainer fresh = trainer()) {
                // Put the target back as it was for the next case: a fresh trainer's state.
                try (var state = fresh.newState(true)) {
                    fresh.saveState(state);
                    target.restoreState(state);
                }
            }
        } catch (Checkpoint.CorruptCheckpointException e) {
            assertTrue(e.getMessage().startsWith(file + ": "), kind + ": " + e.getMessage());
            assertArrayEquals(untouched, EngineProbe.weights(target), kind + ": a refused file changes nothing");
            outcome = Outcome.REFUSED;
        } catch (RuntimeException | IOException | Error e) {
            throw new AssertionError(kind + ": neither loaded nor refused, but " + e, e);
        }
        counts.computeIfAbsent(kind, k -> new int[3])[outcome.ordinal()]++;
    }

    private static OnlineTrainer trainer() {
        return OnlineTrainer.builder(6, 2, 1).seed(3).learner(LearnerSpec.full()).build();
    }

    private static int cellBytes() {
        // The cell's part is the state up to the optimizer's: what a state without optimizer moments holds first.
        try (OnlineTrainer t = trainer()) {
            return (int) t.layout().size() * Float.BYTES;
        }
    }
}
