package dev.stad.integration.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.integration.station.Cli;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.serve.ServeOptions;
import dev.stad.runtime.serve.StationServer;
import dev.stad.trainer.TinyModel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, failing to start and stopping: what an operator sees. */
class ServeLifecycleTest {
    @Test
    void shutdownFinishesTheRequestInFlightThenRefusesConnections() throws Exception {
        StationServer server = StationServer.start(
                TinyModel.bundle(),
                DetectorOptions.defaults(),
                ServeOptions.defaults().withPort(0).withQueue(2).withDrain(Duration.ofSeconds(30)));
        assertTrue(server.awaitReady(Duration.ofMinutes(2)));
        String url = server.url();
        byte[] png = Files.readAllBytes(TinyModel.testImages().get(0));
        Thread closer = new Thread(server::close, "closer");
        try (Http.SlowUpload held = new Http.SlowUpload(server.port(), png, null)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (ServeTest.metric(Http.text(Http.get(url + "/metrics", null)), "stad_requests_waiting") != 1) {
                assertTrue(System.nanoTime() < deadline, "the held request never arrived");
                Thread.sleep(20);
            }
            closer.start();
            // While it drains, every new request is told the station is stopping.
            deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                var health = Http.get(url + "/health", null);
                if (health.statusCode() == 503) {
                    assertEquals("stopping", Http.json(health).get("status").asText());
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "the station never said it was stopping");
                Thread.sleep(20);
            }
            var refused = Http.post(url + "/v1/score", png, null);
            assertEquals(503, refused.statusCode());
            assertTrue(Http.json(refused).get("error").asText().contains("shutting down"), Http.text(refused));
            assertTrue(closer.isAlive(), "close() returned while a request was in flight");
            String answer = held.finish();
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("\"score\""), answer);
        } finally {
            closer.join(Duration.ofSeconds(60).toMillis());
        }
        assertFalse(closer.isAlive(), "close() did not return after the request in flight finished");
        assertEquals(null, server.detector());
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", server.port()).close());
    }

    @Test
    void aBundleThatCannotBeOpenedIsReportedByHealthAndByAwaitReady(@TempDir Path dir) throws Exception {
        try (StationServer server = StationServer.start(
                dir.resolve("missing"),
                DetectorOptions.defaults(),
                ServeOptions.defaults().withPort(0))) {
            IOException e = assertThrows(IOException.class, () -> server.awaitReady(Duration.ofMinutes(1)));
            assertTrue(e.getMessage().contains("no such bundle"), e.getMessage());
            var health = Http.get(server.url() + "/health", null);
            assertEquals(503, health.statusCode());
            assertEquals("failed", Http.json(health).get("status").asText());
            var info = Http.get(server.url() + "/v1/info", null);
            assertEquals(503, info.statusCode());
            assertTrue(Http.json(info).get("error").asText().contains("no such bundle"), Http.text(info));
            var score = Http.post(server.url() + "/v1/score", new byte[] {1}, null);
            assertEquals(503, score.statusCode());
        }
    }

    @Test
    void withoutATokenALoopbackStationAnswersOnlyLoopbackHostNames() throws Exception {
        try (StationServer server = StationServer.start(
                TinyModel.bundle(),
                DetectorOptions.defaults(),
                ServeOptions.defaults().withPort(0))) {
            assertTrue(server.awaitReady(Duration.ofMinutes(2)));
            int port = server.port();
            for (String host : new String[] {"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "localhost"}) {
                String r = Http.getWithHost(port, "/v1/info", host);
                assertTrue(r.startsWith("HTTP/1.1 200"), host + ": " + r);
            }
            // A page elsewhere reaching the station through a DNS name of its own (DNS rebinding).
            String rebound = Http.getWithHost(port, "/v1/info", "attacker.example:" + port);
            assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
            assertTrue(rebound.contains("localhost, 127.0.0.1 or [::1] only"), rebound);
            assertTrue(Http.getWithHost(port, "/health", "attacker.example").startsWith("HTTP/1.1 200"));
            assertTrue(Http.getWithHost(port, "/metrics", "localhost").contains("stad_ready 1"));
        }
    }

    @Test
    void theCommandExitsOneNamingAMissingBundle(@TempDir Path dir) {
        Cli c = Cli.run("serve", "--bundle", dir.resolve("missing").toString(), "--port", "0");
        assertEquals(1, c.exit(), c.toString());
        assertTrue(c.err().contains("no such bundle"), c.toString());
    }

    @Test
    void theCommandRefusesABadPortAndAnEmptyTokenFileWithExitTwo(@TempDir Path dir) throws Exception {
        Cli port = Cli.run("serve", "--bundle", TinyModel.bundle().toString(), "--port", "70000");
        assertEquals(2, port.exit(), port.toString());
        assertTrue(port.err().contains("--port must be 0 to 65535"), port.toString());
        Path empty = Files.writeString(dir.resolve("token"), "\n");
        Cli token = Cli.run(
                "serve", "--bundle", TinyModel.bundle().toString(), "--port", "0", "--token-file", empty.toString());
        assertEquals(2, token.exit(), token.toString());
        assertTrue(token.err().contains("must hold one non-empty line"), token.toString());
    }
}
