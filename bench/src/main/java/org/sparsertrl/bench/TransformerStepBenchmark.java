package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.transformer.HeadSelection;
import org.sparsertrl.engine.transformer.HeadTransport;
import org.sparsertrl.engine.transformer.OnlineTransformer;
import org.sparsertrl.engine.transformer.TransformerInspection;

/**
 * Time of one online step of the transformer (the window's forward pass, the backward pass through
 * the window under the given head transport, Adam), of the forward pass alone ({@code evaluate}),
 * whose difference is the backward pass and the update, and of the step's backward pass through
 * attention alone ({@link TransformerInspection#attentionBackward()}: scores, softmax, the products with
 * Q, K, V and the Q, K, V projections of every layer, not WO), rerun over a full window. Each trial
 * starts from a full window (2T steps taken in the set-up), then runs its method until the JIT has
 * settled ({@link SteadyState}). The default size (d_model 24, 6 heads, 2 layers, window 32) and a wide
 * one: d_model 126, because 128 is no multiple of 6 heads and 126 = 6 x 21 pads to the same 128 floats
 * per row. One thread, m = 1 input, o = 1 output.
 */
public class TransformerStepBenchmark extends StepTiming {

    /** {@code dense}, or the fraction s of each layer's heads that transport to earlier steps. */
    @Param({"dense", "0", "1/6", "1/3", "1/2"})
    public String transport;

    @Param({"24", "126"})
    public int dModel;

    @Param({"32"})
    public int context;

    private OnlineTransformer model;
    private TransformerInspection inspection;
    private final float[] x = new float[1];
    private final float[] y = new float[1];
    private int t;

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole, BenchmarkParams params) {
        HeadTransport chosen = transport.equals("dense") ? HeadTransport.dense()
                : HeadTransport.sparse(fraction(transport), HeadSelection.randomFixed(7));
        model = OnlineTransformer.builder(1, 1).dModel(dModel).heads(6).layers(2).context(context).seed(1)
                .transport(chosen).optimizer(OptimizerSpec.adam(1e-4f)).build();
        for (int i = 0; i < 2 * context; i++) {
            next();
            model.step(x, y);
        }
        inspection = model.inspect();
        // Each benchmark method runs in a trial of its own: warm up the one JMH is about to time, on this thread (the
        // one that steps), its result handed to JMH's Blackhole as JMH's loop does (see SteadyState).
        SteppingThreadAllocation uncounted = new SteppingThreadAllocation();
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Runnable call = switch (method) {
            case "step" -> () -> blackhole.consume(step(uncounted));
            case "forward" -> () -> blackhole.consume(forward());
            case "attentionBackward" -> () -> attentionBackward(uncounted);
            default -> throw new IllegalStateException("no warm-up for benchmark " + params.getBenchmark());
        };
        SteadyState.reach(call, method + ", d_model = " + dModel + ", transport = " + transport);
    }

    static double fraction(String text) {
        int slash = text.indexOf('/');
        return slash < 0 ? Double.parseDouble(text)
                : Integer.parseInt(text.substring(0, slash)) / (double) Integer.parseInt(text.substring(slash + 1));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public float step(SteppingThreadAllocation allocation) {
        allocation.steps++;
        next();
        return model.step(x, y);
    }

    /** The forward pass over the window alone. */
    @Benchmark
    public float forward() {
        next();
        return model.evaluate(x, y);
    }

    /**
     * The backward pass through attention of the last set-up step, again: the window and its activations
     * stay those of that step, so every call does the same work as the attention part of a step.
     */
    @Benchmark
    public void attentionBackward(SteppingThreadAllocation allocation) {
        allocation.steps++;
        inspection.attentionBackward();
    }

    private void next() {
        t++;
        x[0] = (float) Math.sin(0.37 * t);
        y[0] = (float) Math.sin(0.37 * (t - 2));
    }
}
