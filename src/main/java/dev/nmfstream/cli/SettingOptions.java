package dev.nmfstream.cli;

import dev.nmfstream.service.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** {@code --set key=value}: service settings ({@code nmf.*} or Kafka's) that override the rest. */
public final class SettingOptions {

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A service setting, nmf.* or Kafka's, e.g. nmf.batch.size=1024 (repeatable); "
                    + "overrides the rest.")
    List<String> sets = new ArrayList<>();

    /** The {@code key=value} texts as given, in order. */
    public List<String> sets() {
        return sets;
    }

    /**
     * The settings as properties, parsed as {@link ConfigLoader} does.
     *
     * @throws IllegalArgumentException naming a {@code --set} that is not {@code key=value}
     */
    public Properties properties() {
        try {
            return ConfigLoader.load(null, Map.of(), sets);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // no file is read without a path
        }
    }
}
