package dev.nmfstream.cli;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells HotSpot's JIT compilers not to inline the exact NNLS solver's methods into their callers,
 * through a compiler directive (HotSpot's "compiler control", the same as {@code jcmd <pid>
 * Compiler.directives_add}) added at start-up, so that a plain {@code java -jar} gets it without
 * JVM flags.
 *
 * <p>Why: in a fresh JVM the learner runs its first tens of thousands of columns before C2 has
 * compiled its hot methods. With the solver's dozen small methods inlined into
 * {@code NnlsSolver.solve}, C2 spent 190 ms on that one method (and 370 ms on the solver in all)
 * during a 1 s pass over speech frames; compiled one by one they take a fraction of that, and the
 * kernels are compiled sooner. A fresh {@code fit} learned 7–16 % faster on dense data and 2–3 %
 * on sparse (BENCHMARKS.md); a warm learner runs as fast either way. Inlining never changes a
 * result (Java's floating point is strict), only how soon code is fast.
 *
 * <p>Best effort: on a JVM without the diagnostic command (not HotSpot), or where no temporary
 * file can be written, nothing happens and nothing is said above debug level.
 */
final class JitDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(JitDirectives.class);

    /** The directive: in every compiled method, do not inline the solver's methods. */
    static final String DIRECTIVES = "[{ match: \"*.*\", inline: \"-dev/nmfstream/nmf/NnlsSolver.*\" }]";

    private JitDirectives() {}

    /**
     * Adds the directive on a daemon thread (starting the platform MBean server takes ~0.1 s,
     * which the command's own start-up overlaps).
     */
    static void installInBackground() {
        Thread t = new Thread(JitDirectives::install, "nmf-jit-directives");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Runs one of HotSpot's diagnostic commands (as {@code jcmd} names them, in camel case: e.g.
     * {@code compilerDirectivesPrint}) in this JVM and returns what it printed.
     *
     * @throws Exception if this JVM has no such command or it failed
     */
    static String diagnosticCommand(String command, String... arguments) throws Exception {
        return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), command, new Object[] {arguments},
                new String[] {String[].class.getName()}));
    }

    /** Adds the directive now; true if HotSpot took it. */
    static boolean install() {
        Path file = null;
        try {
            file = Files.createTempFile("nmf-stream-jit", ".json");
            Files.writeString(file, DIRECTIVES, StandardCharsets.UTF_8);
            String answer = diagnosticCommand("compilerDirectivesAdd", file.toString());
            boolean added = answer.contains("1 compiler directives added");
            LOG.debug("JIT directive {}: {}", added ? "added" : "not added", answer.strip());
            return added;
        } catch (Exception | LinkageError e) {
            LOG.debug("JIT directive not added: {}", e.toString());
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (Exception e) {
                    LOG.debug("could not delete {}: {}", file, e.toString());
                }
            }
        }
    }
}
