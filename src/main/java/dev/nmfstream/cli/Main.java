package dev.nmfstream.cli;

import dev.nmfstream.bench.AudioStreamsBenchCommand;
import dev.nmfstream.bench.BenchCommand;
import dev.nmfstream.bench.ClusterBenchCommand;
import dev.nmfstream.bench.StreamBenchCommand;
import dev.nmfstream.bench.TextBenchCommand;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine;

/** The command line: {@code java -jar nmf-stream.jar <command> --help}. Wiring only. */
@Command(
        name = "nmf-stream",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Streaming online nonnegative matrix factorization.",
        subcommands = {DemoCommand.class, RunCommand.class, ProduceCommand.class, ConsumeCommand.class, FitCommand.class, BenchCommand.class, StreamBenchCommand.class, ClusterBenchCommand.class, TextBenchCommand.class,
            GenerateCommand.class, ProduceAudioCommand.class, SeparateCommand.class, SpectrogramCommand.class,
            JoinBasesCommand.class, AudioStreamsBenchCommand.class,
            HealthCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        JitDirectives.installInBackground();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by the tests). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        return cli;
    }

    /**
     * The command list of the top-level help: each command with its summary, the first sentence
     * of its description even when that runs over several description lines (picocli's own list
     * shows the first line only).
     */
    static String commandList(Help help) {
        Map<String, Help> commands = help.subcommands();
        if (commands.isEmpty()) {
            return "";
        }
        int nameWidth = 2;
        for (String name : commands.keySet()) {
            nameWidth = Math.max(nameWidth, name.length() + 4);
        }
        int width = help.commandSpec().usageMessage().width();
        Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(),
                new Help.Column(nameWidth, 2, Help.Column.Overflow.SPAN),
                new Help.Column(Math.max(20, width - nameWidth), 1, Help.Column.Overflow.WRAP));
        for (Map.Entry<String, Help> command : commands.entrySet()) {
            table.addRowValues(command.getKey(), summary(command.getValue().commandSpec().usageMessage()));
        }
        return table.toString();
    }

    /** The header, else the description's lines up to the first one that ends a sentence. */
    static String summary(UsageMessageSpec usage) {
        if (usage.header().length > 0) {
            return String.join(" ", usage.header());
        }
        StringBuilder summary = new StringBuilder();
        for (String line : usage.description()) {
            summary.append(summary.length() == 0 ? "" : " ").append(line.strip());
            if (!line.strip().endsWith(":")) {
                break;
            }
        }
        return summary.toString();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The resource the build fills in with the project version. */
    static final String VERSION_RESOURCE = "/nmf-stream-version.properties";

    /** The project version: from the resource the build filters, else the jar's manifest. */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "unknown (not built by Maven)" : v;
    }

    /** {@code nmf-stream <version>}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nmf-stream " + version()};
        }
    }

    /**
     * How to run this program again in the hints it prints: {@code java -jar} and the jar it runs
     * from (relative to the working directory when inside it), or the build's jar when it runs
     * from classes.
     */
    static String launcher() {
        try {
            Path code = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (code.toString().endsWith(".jar")) {
                Path cwd = Path.of("").toAbsolutePath();
                Path jar = code.toAbsolutePath();
                return "java -jar " + (jar.startsWith(cwd) ? cwd.relativize(jar) : jar);
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the build's jar
        }
        return "java -jar target/nmf-stream.jar";
    }
}
