package org.sparsertrl.harness.task;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableDataset;
import io.jhdf.api.WritableGroup;

/** Small NWB fixtures written with jhdf, with every field the reader checks open to a bad value. */
public final class NwbFiles {

    /** Spikes per unit, units, samples of behaviour: odd counts, so that their bytes are easy to find in the file. */
    public static final int UNITS = 3, SPIKES_PER_UNIT = 1_237, SAMPLES = 2_003;
    public static final double DT = 0.01;

    private NwbFiles() {
    }

    /** The fields of one fixture; tests change one and write. */
    public static final class Fixture {
        public double[] spikes;
        public long[] index;
        public double[][] position;
        public double[] timestamps;   // null: starting_time and rate instead
        public double startingTime = 0;
        public Object rate = 1 / DT;
        /** Where the position series goes: the group path NWB's convention uses. */
        public String seriesPath = "processing/behavior/Position/hand";

        public Fixture(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            spikes = new double[UNITS * SPIKES_PER_UNIT];
            index = new long[UNITS];
            double span = (SAMPLES - 1) * DT;
            for (int u = 0; u < UNITS; u++) {
                double[] unit = random.doubles(SPIKES_PER_UNIT, 0, span).sorted().toArray();
                System.arraycopy(unit, 0, spikes, u * SPIKES_PER_UNIT, SPIKES_PER_UNIT);
                index[u] = (long) (u + 1) * SPIKES_PER_UNIT;
            }
            timestamps = new double[SAMPLES];
            position = new double[SAMPLES][2];
            for (int i = 0; i < SAMPLES; i++) {
                timestamps[i] = i * DT;
                position[i][0] = Math.sin(0.01 * i);
                position[i][1] = Math.cos(0.013 * i);
            }
        }

        public Path write(Path file) throws IOException {
            try (WritableHdfFile hdf = HdfFile.write(file)) {
                hdf.putAttribute("nwb_version", "2.6.0");
                hdf.putAttribute("neurodata_type", "NWBFile");
                WritableGroup units = hdf.putGroup("units");
                units.putDataset("spike_times", spikes);
                units.putDataset("spike_times_index", index);
                WritableGroup series = hdf;
                for (String part : seriesPath.split("/")) {
                    series = series.putGroup(part);
                }
                series.putDataset("data", position);
                if (timestamps != null) {
                    series.putDataset("timestamps", timestamps);
                } else {
                    WritableDataset t0 = series.putDataset("starting_time", new double[] {startingTime});
                    t0.putAttribute("rate", rate);
                }
            }
            return file;
        }
    }

    /**
     * Replaces the 8 bytes at every place in an object header (HDF5 "OHDR", version 2) where
     * {@code from} is stored little-endian with {@code to}, and reseals each header's checksum, as an
     * attacker would: the header then claims what it likes with a valid checksum. Returns how many.
     */
    public static int patchHeaders(byte[] bytes, long from, long to) {
        int patched = 0;
        for (int at = 0; at + 8 <= bytes.length; at++) {
            if (littleEndian(bytes, at, 8) != from) {
                continue;
            }
            int header = lastSignatureBefore(bytes, at);
            if (header < 0) {
                continue;
            }
            int flags = bytes[header + 5] & 0xff;
            int p = header + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
            int sizeBytes = 1 << (flags & 0x03);
            long chunk = littleEndian(bytes, p, sizeBytes);
            long end = p + sizeBytes + chunk; // the checksum's offset
            if (at + 8 > end || end + 4 > bytes.length) {
                continue;
            }
            for (int k = 0; k < 8; k++) {
                bytes[at + k] = (byte) (to >>> (8 * k));
            }
            int sum = io.jhdf.checksum.ChecksumUtils.checksum(java.util.Arrays.copyOfRange(bytes, header, (int) end));
            for (int k = 0; k < 4; k++) {
                bytes[(int) end + k] = (byte) (sum >>> (8 * k));
            }
            patched++;
        }
        return patched;
    }

    private static int lastSignatureBefore(byte[] b, int at) {
        for (int j = at - 4; j >= 0; j--) {
            if (b[j] == 'O' && b[j + 1] == 'H' && b[j + 2] == 'D' && b[j + 3] == 'R') {
                return j;
            }
        }
        return -1;
    }

    static long littleEndian(byte[] b, int at, int length) {
        long x = 0;
        for (int k = length - 1; k >= 0; k--) {
            x = (x << 8) | (b[at + k] & 0xff);
        }
        return x;
    }
}
