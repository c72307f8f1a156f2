package org.sparsertrl.harness;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.kernel.KernelProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer's vector matrix kernels are never inlined by C2: every method of
 * VectorMatrixKernels that calls the Vector API is longer than {@code FreqInlineSize} bytes of
 * bytecode, C2's limit for inlining a hot call, so each is compiled on its own. Inlined into the
 * transformer's forward pass, a shorter kernel's vector calls were inlined past C2's node-count cutoff
 * and in some JVMs stayed boxed (720 bytes a step in ZeroAllocationTest); see that class's comment.
 * (The static initializer, which runs once, is not a kernel.) The engine's own VectorKernels are not
 * that long (twelve entry points are shorter); the project's JVMs keep C2 from inlining them with a
 * CompileCommand instead ({@link KernelProvider#DONT_INLINE_FLAG}, in the root pom's rtrl.jvm.flags),
 * which the engine looks for and warns without.
 */
class KernelInliningTest {

    static final String KERNELS = "org/sparsertrl/engine/transformer/kernel/VectorMatrixKernels.class";

    @Test
    void everyVectorMatrixKernelIsTooLongForC2ToInline() throws IOException {
        int limit = Integer.parseInt(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("FreqInlineSize").getValue());
        assertEquals(325, limit, "FreqInlineSize is not HotSpot's default: this JVM was started with another");
        List<String> checked = new ArrayList<>(), tooShort = new ArrayList<>();
        for (MethodModel method : kernels().methods()) {
            CodeAttribute code = method.findAttribute(Attributes.code()).orElse(null);
            if (code == null || method.methodName().equalsString("<clinit>") || code.elementStream().noneMatch(e -> e instanceof InvokeInstruction call
                    && call.owner().asInternalName().startsWith("jdk/incubator/vector/"))) {
                continue;
            }
            String name = method.methodName().stringValue() + " (" + code.codeLength() + " bytes)";
            checked.add(name);
            if (code.codeLength() <= limit) {
                tooShort.add(name);
            }
        }
        System.out.println("vector matrix kernels, each longer than " + limit + " bytes: " + checked);
        assertFalse(checked.isEmpty(), "no method of " + KERNELS + " calls the Vector API");
        assertEquals(List.of(), tooShort, "these methods call the Vector API and are short enough for C2 to inline"
                + " them into a caller (at most FreqInlineSize = " + limit + " bytes)");
    }

    @Test
    void theProjectsJvmsCompileTheVectorKernelsOnTheirOwn() {
        assertTrue(KernelProvider.compilesVectorKernelsOnTheirOwn(ManagementFactory.getRuntimeMXBean().getInputArguments()),
                "this JVM lacks " + KernelProvider.DONT_INLINE_FLAG + " (the root pom's rtrl.jvm.flags)");
        assertFalse(KernelProvider.compilesVectorKernelsOnTheirOwn(List.of("--add-modules", "jdk.incubator.vector")));
        assertFalse(KernelProvider.compilesVectorKernelsOnTheirOwn(
                List.of("-XX:CompileCommand=dontinline,org.sparsertrl.engine.kernel.ScalarKernels::*")));
        assertTrue(KernelProvider.compilesVectorKernelsOnTheirOwn(List.of("-XX:CompileCommandFile=/etc/compiler-commands")));
    }

    private static ClassModel kernels() throws IOException {
        try (InputStream in = KernelInliningTest.class.getClassLoader().getResourceAsStream(KERNELS)) {
            assertNotNull(in, KERNELS + " is not on the class path");
            return ClassFile.of().parse(in.readAllBytes());
        }
    }
}
