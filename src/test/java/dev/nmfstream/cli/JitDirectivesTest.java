package dev.nmfstream.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The JIT directive that {@code main} adds: HotSpot (the JVM the tests run on) takes it and lists it. */
class JitDirectivesTest {

    @Test
    void hotSpotTakesTheDirectiveAndListsIt() throws Exception {
        String before = directives("compilerDirectivesPrint");
        assertFalse(before.contains("-dev/nmfstream/nmf/NnlsSolver.*"), before);
        assertTrue(JitDirectives.install());
        try {
            String after = directives("compilerDirectivesPrint");
            // one directive for C1 and C2 alike: no method of the solver is inlined into another
            assertTrue(after.contains("matching: *.*"), after);
            assertTrue(after.contains("inline: -dev/nmfstream/nmf/NnlsSolver.*"), after);
        } finally {
            directives("compilerDirectivesRemove"); // the newest directive: the JVM as it was for the other tests
        }
        assertFalse(directives("compilerDirectivesPrint").contains("-dev/nmfstream/nmf/NnlsSolver.*"));
    }

    private static String directives(String command) throws Exception {
        return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), command, new Object[] {new String[0]},
                new String[] {String[].class.getName()}));
    }
}
