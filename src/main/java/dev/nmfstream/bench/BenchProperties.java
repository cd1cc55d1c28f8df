package dev.nmfstream.bench;

import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;

/** The settings every benchmark's service run shares: its own topics, application id and state folder. */
final class BenchProperties {

    private BenchProperties() {
    }

    /**
     * Settings for a service run reading {@code input}: the other topics named {@code input-weights},
     * {@code -factors}, {@code -dead}, {@code -stats} and {@code -basis}, a fresh application id
     * {@code application-<uuid>} and a fresh state folder under {@code dir}.
     */
    static Properties forInput(String input, String application, Path dir) {
        Properties p = new Properties();
        p.setProperty("nmf.topic.columns", input);
        p.setProperty("nmf.topic.weights", input + "-weights");
        p.setProperty("nmf.topic.factors", input + "-factors");
        p.setProperty("nmf.topic.dead.letters", input + "-dead");
        p.setProperty("nmf.topic.stats", input + "-stats");
        p.setProperty("nmf.topic.basis", input + "-basis");
        p.setProperty("application.id", application + "-" + UUID.randomUUID());
        p.setProperty("state.dir", dir.resolve("state-" + UUID.randomUUID()).toString());
        return p;
    }
}
