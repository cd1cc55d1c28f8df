package dev.nmfstream.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The JIT directive that {@code main} adds: HotSpot (the JVM the tests run on) takes it and lists it. */
class JitDirectivesTest {

    @Test
    void hotSpotTakesTheDirectiveAndListsIt() throws Exception {
        String before = JitDirectives.diagnosticCommand("compilerDirectivesPrint");
        assertFalse(before.contains("-dev/nmfstream/nmf/NnlsSolver.*"), before);
        assertTrue(JitDirectives.install());
        try {
            String after = JitDirectives.diagnosticCommand("compilerDirectivesPrint");
            // one directive for C1 and C2 alike: no method of the solver is inlined into another
            assertTrue(after.contains("matching: *.*"), after);
            assertTrue(after.contains("inline: -dev/nmfstream/nmf/NnlsSolver.*"), after);
        } finally {
            // removes the newest directive: the JVM as it was for the other tests
            JitDirectives.diagnosticCommand("compilerDirectivesRemove");
        }
        String afterwards = JitDirectives.diagnosticCommand("compilerDirectivesPrint");
        assertFalse(afterwards.contains("-dev/nmfstream/nmf/NnlsSolver.*"), afterwards);
    }
}
