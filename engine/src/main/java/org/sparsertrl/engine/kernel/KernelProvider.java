package org.sparsertrl.engine.kernel;

import java.lang.management.ManagementFactory;
import java.util.Locale;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Picks the kernels once per process and says which, in one log line.
 *
 * <p>The system property {@value #PROPERTY} chooses: {@code vector} (the default) or {@code scalar}.
 * The vector kernels need the JVM flag {@code --add-modules jdk.incubator.vector}; without it asking
 * for them is an error that names the flag, never a silent fall back to scalar code.
 *
 * <pre>{@code
 * Kernels kernels = KernelProvider.selected();   // what -Dsparsertrl.kernels chose
 * Kernels scalar  = KernelProvider.scalar();     // always available, e.g. to compare against
 * }</pre>
 */
public final class KernelProvider {

    /** The system property that selects the kernels: {@code vector} or {@code scalar}. */
    public static final String PROPERTY = "sparsertrl.kernels";

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
        if (!vectorModulePresent()) {
            throw new IllegalStateException("The vector kernels need the incubator module: start the JVM with "
                    + "--add-modules jdk.incubator.vector (or choose the plain-Java kernels with -D"
                    + PROPERTY + "=scalar)");
        }
        return VectorHolder.KERNELS;
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
        static final Kernels KERNELS = new VectorKernels();
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
            return kernels;
        }
    }
}
