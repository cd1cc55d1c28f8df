package dev.nmfstream.cli;

import dev.nmfstream.bench.BenchCommand;
import dev.nmfstream.bench.ClusterBenchCommand;
import dev.nmfstream.bench.StreamBenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The command line: {@code java -jar nmf-stream.jar <command> --help}. Wiring only. */
@Command(
        name = "nmf-stream",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Streaming online nonnegative matrix factorization.",
        subcommands = {DemoCommand.class, RunCommand.class, ProduceCommand.class, ConsumeCommand.class, FitCommand.class, BenchCommand.class, StreamBenchCommand.class, ClusterBenchCommand.class,
            GenerateCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by the tests). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nmf-stream " + (v == null ? "dev" : v)};
        }
    }
}
