package dev.nmfstream.cli;

import dev.nmfstream.audio.AudioFileException;
import dev.nmfstream.audio.Sound;
import dev.nmfstream.audio.StftSettings;
import dev.nmfstream.io.Npy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spectrogram}: sound files to one spectrogram matrix (.npy), the data {@code fit} learns templates from. */
@Command(name = "spectrogram", mixinStandardHelpOptions = true,
        description = {"Writes the spectrogram of sound files (their frames one after another) as a .npy matrix "
                + "m × n (m = n_fft/2 + 1 bins, one column per frame, float64): the frames produce-audio would send, "
                + "for fit to learn templates from."})
final class SpectrogramCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Sound files (WAV, AIFF or AU), one sample rate.")
    List<Path> files;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "V.npy", description = "Where to write V.")
    Path output;

    @Mixin
    StftOptions stftOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        List<double[]> columns = new ArrayList<>();
        StftSettings settings = null;
        try {
            for (Path file : files) {
                Sound sound = Sound.read(file);
                StftSettings s = stftOptions.settings(sound.sampleRate());
                if (settings != null && settings.sampleRate() != s.sampleRate()) {
                    throw new IllegalArgumentException(file + " is at " + s.sampleRate() + " Hz and " + files.get(0)
                            + " at " + settings.sampleRate() + " Hz, expected one sample rate");
                }
                settings = s;
                AudioFrames frames = AudioFrames.of(file.toString(), s, sound.samples());
                for (double[] column = frames.next(); column != null; column = frames.next()) {
                    columns.add(column.clone());
                }
            }
        } catch (AudioFileException e) {
            err.println("spectrogram: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("spectrogram: " + e.getMessage());
            return 2;
        }
        int m = settings.bins();
        int n = columns.size();
        double[] rowMajor = new double[m * n];
        for (int j = 0; j < n; j++) {
            double[] c = columns.get(j);
            for (int i = 0; i < m; i++) {
                rowMajor[i * n + j] = c[i];
            }
        }
        Npy.writeMatrix(output, m, n, rowMajor);
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "{\"file\":\"%s\",\"rows\":%d,\"columns\":%d,\"settings\":\"%s\"}", output.toString().replace("\\", "\\\\")
                        .replace("\"", "\\\""), m, n, settings.asServiceSettings()));
        return 0;
    }
}
