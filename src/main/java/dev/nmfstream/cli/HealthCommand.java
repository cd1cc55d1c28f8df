package dev.nmfstream.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code health}: asks a running instance whether it is ready ({@code /api/health}) and exits 0
 * when it answers 200, 1 otherwise: the container's health check, which needs no curl in the
 * image (docker-compose.yml).
 */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = {"Exits 0 when a running instance answers 200 at its health URL, 1 otherwise (not ready, "
                + "not reachable): a health check for containers and supervisors."})
final class HealthCommand implements Callable<Integer> {

    @Parameters(index = "0", defaultValue = "http://127.0.0.1:8080/api/health", paramLabel = "URL",
            description = "The instance's health URL. Default: ${DEFAULT-VALUE}.")
    URI url;

    @Option(names = "--timeout", defaultValue = "5", paramLabel = "SECONDS",
            description = "How long to wait for the answer. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (timeoutSeconds < 1) {
            err.println("health: --timeout " + timeoutSeconds + ", expected at least 1 second");
            return 2;
        }
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            err.println("health: " + url + ", expected an http:// URL with a host");
            return 2;
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(url).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = answer.body().strip();
            String line = url + ": " + answer.statusCode() + (body.isEmpty() ? "" : " " + body);
            if (answer.statusCode() == 200) {
                out.println(line);
                return 0;
            }
            err.println("health: " + line);
            return 1;
        } catch (IOException e) {
            err.println("health: " + url + ": no answer (" + e + ")");
            return 1;
        }
    }
}
