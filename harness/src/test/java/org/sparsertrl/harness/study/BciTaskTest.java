package org.sparsertrl.harness.study;

import java.io.IOException;
import java.nio.file.Path;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsertrl.harness.task.BciStream;
import org.sparsertrl.harness.task.NwbFiles;
import org.sparsertrl.harness.task.NwbRecording;
import org.sparsertrl.harness.task.NwbStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The synthetic cross-session recording, and the NWB reader on a fixture this test writes itself. */
class BciTaskTest {

    @Test
    void syntheticRecordingIsDeterministicTunedAndDrifts() {
        BciStream.Config config = BciStream.Config.defaults();
        float[][] a = run(new BciStream(config, 3_000, 9), 6_000), b = run(new BciStream(config, 3_000, 9), 6_000);
        for (int t = 0; t < a.length; t++) {
            assertArrayEquals(a[t], b[t], "same seed, same stream at step " + t);
        }
        BciStream probe = new BciStream(config, 3_000, 9);
        float[] x = new float[96], y = new float[2];
        double maxSpeed = 0;
        int silentAfter = 0;
        double[] totalBefore = new double[96], totalAfter = new double[96];
        for (int t = 0; t < 6_000; t++) {
            probe.next(x, y);
            maxSpeed = Math.max(maxSpeed, Math.hypot(y[0], y[1]));
            for (int c = 0; c < 96; c++) {
                (t < 3_000 ? totalBefore : totalAfter)[c] += x[c];
            }
        }
        for (int c = 0; c < 96; c++) {
            if (totalAfter[c] == 0 && totalBefore[c] > 0) {
                silentAfter++;
            }
        }
        assertEquals(1.0, maxSpeed, 0.02, "targets are velocity over the largest reach speed");
        assertEquals(Math.round(0.2 * 96), silentAfter, "the lost fraction of channels goes silent in session B");
    }

    @Test
    void channelsAreTunedToVelocity() {
        // Each channel's count correlates with the velocity along its preferred direction: the
        // correlation with (vx, vy), as a vector, must be clearly non-zero on most channels.
        BciStream stream = new BciStream(BciStream.Config.defaults(), Long.MAX_VALUE, 4);
        float[] x = new float[96], y = new float[2];
        int steps = 30_000;
        double[] sx = new double[96], sxx = new double[96], sxa = new double[96], sxb = new double[96];
        double sa = 0, saa = 0, sb = 0, sbb = 0;
        for (int t = 0; t < steps; t++) {
            stream.next(x, y);
            sa += y[0];
            saa += y[0] * y[0];
            sb += y[1];
            sbb += y[1] * y[1];
            for (int c = 0; c < 96; c++) {
                sx[c] += x[c];
                sxx[c] += x[c] * x[c];
                sxa[c] += x[c] * y[0];
                sxb[c] += x[c] * y[1];
            }
        }
        double va = saa / steps - sa * sa / steps / steps, vb = sbb / steps - sb * sb / steps / steps;
        int tuned = 0;
        for (int c = 0; c < 96; c++) {
            double vx = sxx[c] / steps - sx[c] * sx[c] / steps / steps;
            double ca = (sxa[c] / steps - sx[c] / steps * sa / steps) / Math.sqrt(vx * va);
            double cb = (sxb[c] / steps - sx[c] / steps * sb / steps) / Math.sqrt(vx * vb);
            if (Math.hypot(ca, cb) > 0.1) {
                tuned++;
            }
        }
        assertTrue(tuned > 80, "channels tuned to velocity: " + tuned + " of 96");
    }

    @Test
    void nwbReaderBinsSpikesAsCountedByHand(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("session.nwb");
        // Unit 0: 0.005 0.012 0.031 0.032; unit 1: 0.019 0.045; unit 2: none. Bins of 10 ms from t = 0.
        writeFixture(file, new double[][] {{0.005, 0.012, 0.031, 0.032}, {0.019, 0.045}, {}}, "processing/behavior/Position/hand",
                0.0, 0.06, 0.01);
        NwbRecording recording = NwbRecording.read(file);
        assertEquals(3, recording.units());
        assertEquals("processing/behavior/Position/hand", recording.behaviourPath());
        NwbRecording.Binned binned = recording.bin(0.01);
        // Overlap: spikes 0.005 to 0.045, behaviour 0 to 0.06: from 0.005, four whole bins to 0.045.
        assertEquals(0.005, binned.start(), 1e-12);
        assertEquals(4, binned.bins());
        int[][] byHand = {
            {2, 0, 0},   // [0.005, 0.015): unit 0 at 0.005 and 0.012
            {0, 1, 0},   // [0.015, 0.025): unit 1 at 0.019
            {2, 0, 0},   // [0.025, 0.035): unit 0 at 0.031 and 0.032
            {0, 0, 0},   // [0.035, 0.045): nothing; 0.045 belongs to the next bin
        };
        for (int b = 0; b < 4; b++) {
            assertArrayEquals(byHand[b], binned.counts()[b], "bin " + b);
        }
        // Position x = 2 t (cm), y = -t: velocity (2, -1) everywhere.
        for (double[] v : binned.velocity()) {
            assertEquals(2.0, v[0], 1e-9);
            assertEquals(-1.0, v[1], 1e-9);
        }
        NwbStream stream = new NwbStream(file, file, 0.01, 2);
        float[] x = new float[3], y = new float[2];
        stream.next(x, y);
        assertEquals((float) Math.sqrt(2), x[0]);
        assertEquals(2f / (float) Math.hypot(2, 1), y[0], 1e-6f);
    }

    @Test
    void theReaderSaysWhatIsWrong(@TempDir Path dir) throws IOException {
        Path notNwb = dir.resolve("plain.h5");
        try (WritableHdfFile hdf = HdfFile.write(notNwb)) {
            hdf.putDataset("data", new double[] {1, 2, 3});
        }
        assertMessage(notNwb, "not an NWB file");

        Path noUnits = dir.resolve("nounits.nwb");
        try (WritableHdfFile hdf = HdfFile.write(noUnits)) {
            hdf.putAttribute("nwb_version", "2.6.0");
        }
        assertMessage(noUnits, "no units");

        Path noBehaviour = dir.resolve("nobehaviour.nwb");
        try (WritableHdfFile hdf = HdfFile.write(noBehaviour)) {
            hdf.putAttribute("nwb_version", "2.6.0");
            WritableGroup units = hdf.putGroup("units");
            units.putDataset("spike_times", new double[] {0.1, 0.2});
            units.putDataset("spike_times_index", new long[] {2});
        }
        assertMessage(noBehaviour, "no behaviour");

        Path apart = dir.resolve("apart.nwb");
        writeFixture(apart, new double[][] {{10.1, 10.2}}, "processing/behavior/Position/hand", 0.0, 1.0, 0.01);
        IOException e = assertThrows(IOException.class, () -> NwbRecording.read(apart).bin(0.02));
        assertTrue(e.getMessage().contains("the clocks do not overlap"), e.getMessage());
    }

    private static void assertMessage(Path file, String reason) {
        IOException e = assertThrows(IOException.class, () -> NwbRecording.read(file));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    /** A minimal NWB 2.x layout: units as a ragged array, and a position series with timestamps. */
    static void writeFixture(Path file, double[][] units, String seriesPath, double from, double to, double dt)
            throws IOException {
        int total = 0;
        for (double[] u : units) {
            total += u.length;
        }
        double[] spikes = new double[total];
        long[] index = new long[units.length];
        int at = 0;
        for (int u = 0; u < units.length; u++) {
            System.arraycopy(units[u], 0, spikes, at, units[u].length);
            at += units[u].length;
            index[u] = at;
        }
        int samples = (int) Math.round((to - from) / dt) + 1;
        double[] times = new double[samples];
        double[][] position = new double[samples][2];
        for (int i = 0; i < samples; i++) {
            times[i] = from + i * dt;
            position[i][0] = 2 * times[i];
            position[i][1] = -times[i];
        }
        NwbFiles.Fixture fixture = new NwbFiles.Fixture(0);
        fixture.spikes = spikes;
        fixture.index = index;
        fixture.position = position;
        fixture.timestamps = times;
        fixture.seriesPath = seriesPath;
        fixture.write(file);
    }

    private static float[][] run(BciStream stream, int steps) {
        float[][] out = new float[steps][];
        float[] x = new float[stream.inputs()], y = new float[2];
        for (int t = 0; t < steps; t++) {
            stream.next(x, y);
            out[t] = x.clone();
        }
        return out;
    }
}
