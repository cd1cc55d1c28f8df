package dev.nmfstream.service;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Loads the service's properties: a properties file (optional), then environment variables,
 * then {@code --set key=value} options, each overriding the one before.
 *
 * <p>Environment variables: {@code NMF_BATCH_SIZE} sets {@code nmf.batch.size} (prefix
 * {@code NMF_}, underscores become dots, lower case); {@code KAFKA_BOOTSTRAP_SERVERS} sets
 * {@code bootstrap.servers} (prefix {@code KAFKA_} removed, likewise). Other variables are ignored.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    public static Properties load(Path file, Map<String, String> env, List<String> sets) throws IOException {
        Properties properties = new Properties();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--config " + file + ": no such file");
            }
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String key = keyOf(e.getKey());
            if (key != null) {
                properties.setProperty(key, e.getValue());
            }
        }
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set '" + set + "', expected key=value");
            }
            properties.setProperty(set.substring(0, eq).trim(), set.substring(eq + 1).trim());
        }
        return properties;
    }

    /** The property an environment variable sets, or null. */
    public static String keyOf(String variable) {
        if (variable.startsWith("NMF_") && variable.length() > 4) {
            return "nmf." + variable.substring(4).toLowerCase(Locale.ROOT).replace('_', '.');
        }
        if (variable.startsWith("KAFKA_") && variable.length() > 6) {
            return variable.substring(6).toLowerCase(Locale.ROOT).replace('_', '.');
        }
        return null;
    }
}
