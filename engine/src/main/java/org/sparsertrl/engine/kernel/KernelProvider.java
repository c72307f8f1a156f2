package org.sparsertrl.engine.kernel;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Picks the kernels once per process and says which, in one log line.
 *
 * <p>The system property {@value #PROPERTY} chooses: {@code vector} (the default) or {@code scalar}.
 * The vector kernels need the JVM flag {@code --add-modules jdk.incubator.vector}; without it asking
 * for them is an error that names the flag, never a silent fall back to scalar code.
 *
 * <p>The system property {@value #SPARSE_TILE_PROPERTY} sets the vector sparse step's column tile, in KiB
 * of J_{t-1} a tile spans over all rows (default {@value #DEFAULT_SPARSE_TILE_KIB}: a quarter of a 1 MiB
 * L2, so the tile's source rows stay there while its new rows are built; a sensitivity no larger is
 * not tiled). It changes speed only, never a bit of the result; a value that is not a positive whole
 * number is an error naming the property.
 *
 * <pre>{@code
 * Kernels kernels = KernelProvider.selected();   // what -Dsparsertrl.kernels chose
 * Kernels scalar  = KernelProvider.scalar();     // always available, e.g. to compare against
 * }</pre>
 */
public final class KernelProvider {

    /** The system property that selects the kernels: {@code vector} or {@code scalar}. */
    public static final String PROPERTY = "sparsertrl.kernels";

    /** The system property that sets the vector sparse step's column tile, in KiB of J_{t-1} (all rows). */
    public static final String SPARSE_TILE_PROPERTY = "sparsertrl.sparseTileKiB";

    /** The default of {@value #SPARSE_TILE_PROPERTY}. */
    public static final int DEFAULT_SPARSE_TILE_KIB = 256;

    /**
     * The JVM flag that keeps C2 from inlining the vector kernels into their callers, so that each is
     * compiled on its own (with {@code -XX:CompileCommand=quiet} before it, which keeps the JVM from
     * printing it). Inlined into a large method that the JIT had recompiled many times, a kernel's vector
     * operations were left as calls to the Vector API's allocating Java fallbacks (see the README's
     * "Using the engine"). Without it the engine logs a warning when it picks the vector kernels.
     */
    public static final String DONT_INLINE_FLAG = "-XX:CompileCommand=dontinline,org.sparsertrl.engine.kernel.VectorKernels::*";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final Kernels SCALAR = new ScalarKernels();

    private KernelProvider() {
    }

    /** The kernels chosen by {@value #PROPERTY}, decided and logged on first use. */
    public static Kernels selected() {
        return Selected.KERNELS;
    }

    /** The plain-Java kernels. */
    public static Kernels scalar() {
        return SCALAR;
    }

    /**
     * The Vector API kernels.
     *
     * @throws IllegalStateException if the JVM was started without {@code --add-modules jdk.incubator.vector}
     */
    public static Kernels vector() {
        requireVectorModule();
        sparseTileKiB(); // a bad value fails here, naming the property, not in the holder's initialiser
        return VectorHolder.KERNELS;
    }

    private static void requireVectorModule() {
        if (!vectorModulePresent()) {
            throw new IllegalStateException("The vector kernels need the incubator module: start the JVM with "
                    + "--add-modules jdk.incubator.vector (or choose the plain-Java kernels with -D"
                    + PROPERTY + "=scalar)");
        }
    }

    /**
     * Vector API kernels whose sparse step uses column tiles spanning {@code sparseTileKiB} KiB of
     * J_{t-1}, whatever {@value #SPARSE_TILE_PROPERTY} says: for tests that cross tile edges and for tuning.
     *
     * @throws IllegalArgumentException if {@code sparseTileKiB < 1}
     * @throws IllegalStateException without {@code --add-modules jdk.incubator.vector}
     */
    public static Kernels vector(int sparseTileKiB) {
        requireVectorModule();
        return new VectorKernels(1024L * checkedTile(sparseTileKiB, "sparseTileKiB", String.valueOf(sparseTileKiB)));
    }

    /** {@value #SPARSE_TILE_PROPERTY} as set (or its default), in KiB. */
    static int sparseTileKiB() {
        String value = System.getProperty(SPARSE_TILE_PROPERTY);
        if (value == null) {
            return DEFAULT_SPARSE_TILE_KIB;
        }
        try {
            return checkedTile(Integer.parseInt(value.trim()), SPARSE_TILE_PROPERTY, value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SPARSE_TILE_PROPERTY + " = '" + value + "' is not a whole number of KiB");
        }
    }

    private static int checkedTile(int kib, String name, String value) {
        if (kib < 1) {
            throw new IllegalArgumentException(name + " = '" + value + "' must be at least 1 (KiB)");
        }
        return kib;
    }

    /** The kernels named {@code vector} or {@code scalar}. */
    public static Kernels byName(String name) {
        return switch (name == null ? "" : name.trim().toLowerCase(Locale.ROOT)) {
            case "vector" -> vector();
            case "scalar" -> scalar();
            default -> throw new IllegalArgumentException(
                    PROPERTY + " = '" + name + "' is not one of: vector, scalar");
        };
    }

    /** True if the incubator Vector API module is in the boot layer. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** One line describing the CPU features the vector kernels rely on, for logs and reports. */
    public static String describe(Kernels kernels) {
        int bits = kernels.lanes() * Float.SIZE;
        return kernels.name() + " kernels, " + (kernels.lanes() == 1 ? "no vectors"
                : bits + "-bit vectors (" + kernels.lanes() + " floats)") + ", FMA " + fmaState();
    }

    /**
     * Whether a JVM started with {@code jvmArguments} (its input arguments) compiles the vector kernels on
     * their own: it has {@link #DONT_INLINE_FLAG}, or a {@code -XX:CompileCommandFile}, whose commands
     * cannot be seen from here and are given the benefit of the doubt.
     */
    public static boolean compilesVectorKernelsOnTheirOwn(List<String> jvmArguments) {
        return jvmArguments.contains(DONT_INLINE_FLAG)
                || jvmArguments.stream().anyMatch(a -> a.startsWith("-XX:CompileCommandFile="));
    }

    private static boolean thisJvmCompilesVectorKernelsOnTheirOwn() {
        try {
            return compilesVectorKernelsOnTheirOwn(ManagementFactory.getRuntimeMXBean().getInputArguments());
        } catch (RuntimeException | LinkageError e) {
            return true; // unknown: no warning
        }
    }

    private static String fmaState() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return "true".equals(hotspot.getVMOption("UseFMA").getValue()) ? "on" : "off";
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }

    private static final class VectorHolder {
        // A holder, so that VectorKernels (and the incubator classes) load only after the module check.
        static final Kernels KERNELS = new VectorKernels(1024L * sparseTileKiB());
    }

    private static final class Selected {
        static final Kernels KERNELS = choose();

        private static Kernels choose() {
            String requested = System.getProperty(PROPERTY);
            Kernels kernels = byName(requested == null ? "vector" : requested);
            System.Logger log = System.getLogger(KernelProvider.class.getName());
            log.log(System.Logger.Level.INFO, "sparse-rtrl: " + describe(kernels) + " (" + PROPERTY + "="
                    + (requested == null ? "vector, the default" : requested) + ")");
            if ("off".equals(fmaState())) {
                // Math.fma without the instruction is emulated with BigDecimal: slow, and it allocates.
                log.log(System.Logger.Level.WARNING, "sparse-rtrl: this CPU or JVM has no fused multiply-add "
                        + "(-XX:-UseFMA?); every kernel's scalar tail and the scalar kernels will be slow and allocate");
            }
            if ("vector".equals(kernels.name()) && !thisJvmCompilesVectorKernelsOnTheirOwn()) {
                log.log(System.Logger.Level.WARNING, "sparse-rtrl: add -XX:CompileCommand=quiet '" + DONT_INLINE_FLAG
                        + "' to the JVM's flags: without it the JIT may inline the vector kernels into large methods,"
                        + " where their vector operations can fall back to code that allocates (README, \"Using the engine\")");
            }
            return kernels;
        }
    }
}
