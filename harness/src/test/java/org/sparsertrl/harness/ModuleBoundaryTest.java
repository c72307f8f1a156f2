package org.sparsertrl.harness;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.train.OnlineTrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's module descriptor exports exactly the API packages: the kernels, the model memory and
 * the argument checks stay internal for a consumer on the module path.
 */
class ModuleBoundaryTest {

    @Test
    void theEngineExportsOnlyItsApiPackages() throws Exception {
        Path engine = Path.of(OnlineTrainer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor descriptor = ModuleFinder.of(engine).find("org.sparsertrl.engine")
                .orElseThrow(() -> new AssertionError("no module org.sparsertrl.engine in " + engine))
                .descriptor();
        Set<String> exported = new TreeSet<>();
        for (ModuleDescriptor.Exports e : descriptor.exports()) {
            assertTrue(e.targets().isEmpty(), "a qualified export: " + e);
            exported.add(e.source());
        }
        assertEquals(new TreeSet<>(Set.of("org.sparsertrl.engine.cell", "org.sparsertrl.engine.learn",
                "org.sparsertrl.engine.optim", "org.sparsertrl.engine.train", "org.sparsertrl.engine.runtime",
                "org.sparsertrl.engine.transformer")), exported);
        Set<String> internal = new TreeSet<>(descriptor.packages());
        internal.removeAll(exported);
        assertEquals(new TreeSet<>(Set.of("org.sparsertrl.engine", "org.sparsertrl.engine.kernel",
                "org.sparsertrl.engine.memory", "org.sparsertrl.engine.transformer.kernel")), internal);
        assertTrue(descriptor.opens().isEmpty() && !descriptor.isOpen(), "the engine opens nothing to reflection");
    }
}
