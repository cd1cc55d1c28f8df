package dev.nmfstream.cli;

import static dev.nmfstream.cli.MainTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code health} against a small HTTP server that answers 200 or 503, and against nothing. */
class HealthCommandTest {

    @Test
    void exitsZeroOnlyWhenTheInstanceIsReady() throws IOException {
        AtomicInteger status = new AtomicInteger(503);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/health", exchange -> {
            byte[] body = ("{\"ready\":" + (status.get() == 200) + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/health";
            MainTest.Run notReady = MainTest.run("health", url);
            assertEquals(1, notReady.exitCode(), notReady.describe());
            assertContains(notReady.err(), "health: " + url + ": 503 {\"ready\":false}");
            status.set(200);
            MainTest.Run ready = MainTest.run("health", url);
            assertEquals(0, ready.exitCode(), ready.describe());
            assertContains(ready.out(), url + ": 200 {\"ready\":true}");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void nothingListeningIsNotHealthy() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        MainTest.Run r = MainTest.run("health", "http://127.0.0.1:" + port + "/api/health", "--timeout", "2");
        assertEquals(1, r.exitCode(), r.describe());
        assertContains(r.err(), "no answer");
        assertEquals(2, MainTest.run("health", "ftp://x/").exitCode());
    }
}
