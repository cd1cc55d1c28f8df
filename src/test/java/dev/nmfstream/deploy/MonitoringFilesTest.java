package dev.nmfstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and monitoring/ checked without an engine: docker-compose validates the
 * compose file, promtool the Prometheus configuration and the alert rules (and runs the rules'
 * unit tests, monitoring/alerts-test.yml); the dashboard's panels all query the provisioned data
 * source. Which metrics they read exist in a running instance: MonitoringIT.
 */
class MonitoringFilesTest {

    @Test
    void composeFileIsValidWithTheServicesAndVolumesItPromises() throws IOException {
        String compose = DeployTools.require("docker-compose", "docker-compose").toString();
        DeployTools.Result check = DeployTools.run(List.of(compose, "-f", "docker-compose.yml", "config", "-q"));
        assertEquals(0, check.exitCode(), check.output());
        DeployTools.Result services = DeployTools.run(List.of(compose, "-f", "docker-compose.yml", "config", "--services"));
        assertEquals(0, services.exitCode(), services.output());
        assertEquals(Set.of("kafka", "nmf-1", "nmf-2", "prometheus", "grafana"),
                new TreeSet<>(services.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()));
        DeployTools.Result volumes = DeployTools.run(List.of(compose, "-f", "docker-compose.yml", "config", "--volumes"));
        assertEquals(Set.of("kafka-data", "nmf-1-data", "nmf-2-data", "prometheus-data", "grafana-data"),
                new TreeSet<>(volumes.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()));
        // the resolved file: both instances are one application, each with a health check on /api/health
        DeployTools.Result resolved = DeployTools.run(List.of(compose, "-f", "docker-compose.yml", "config"));
        String text = resolved.output();
        assertEquals(2, count(text, "KAFKA_APPLICATION_ID: nmf-stream"), text);
        assertEquals(2, count(text, "http://127.0.0.1:8080/api/health"), text);
        assertEquals(2, count(text, "KAFKA_BOOTSTRAP_SERVERS: kafka:9092"), text);
        // the image the profile builds: nmf-stream tagged with the project version
        Properties version = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("target", "classes", "nmf-stream-version.properties"))) {
            version.load(in);
        }
        assertEquals(2, count(text, "image: nmf-stream:" + version.getProperty("version") + "\n"), text);
        // Kafka's image at the version of the Kafka libraries the service is built with
        assertEquals(1, count(text, "image: apache/kafka:" + AppInfoParser.getVersion() + "\n"), text);
    }

    private static int count(String text, String fragment) {
        int n = 0;
        for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void promtoolAcceptsTheConfigurationAndTheRules() {
        String promtool = DeployTools.require("promtool", "prometheus").toString();
        DeployTools.Result config = DeployTools.run(List.of(promtool, "check", "config", "monitoring/prometheus.yml"));
        assertEquals(0, config.exitCode(), config.output());
        DeployTools.Result rules = DeployTools.run(List.of(promtool, "check", "rules", "monitoring/alerts.yml"));
        assertEquals(0, rules.exitCode(), rules.output());
        assertTrue(rules.output().contains("SUCCESS: 9 rules found"), rules.output());
    }

    /** Each alert fires on a series that calls for it and stays quiet on one that does not. */
    @Test
    void alertRulesFireWhenTheyShould() {
        String promtool = DeployTools.require("promtool", "prometheus").toString();
        DeployTools.Result test = DeployTools.run(List.of(promtool, "test", "rules", "monitoring/alerts-test.yml"));
        assertEquals(0, test.exitCode(), test.output());
        assertTrue(test.output().contains("SUCCESS"), test.output());
    }

    @Test
    void everyPanelQueriesTheProvisionedPrometheus() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DeployTools.DASHBOARD.toFile());
        String datasources = Files.readString(DeployTools.MONITORING.resolve(
                "grafana/provisioning/datasources/prometheus.yml"), StandardCharsets.UTF_8);
        assertTrue(datasources.contains("uid: prometheus"), datasources);
        assertTrue(dashboard.path("panels").size() >= 10, "panels");
        Set<String> titles = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            titles.add(panel.path("title").asText());
            assertEquals("prometheus", panel.path("datasource").path("uid").asText(), panel.toString());
            assertTrue(panel.path("targets").size() > 0, panel.toString());
            for (JsonNode target : panel.path("targets")) {
                assertTrue(!target.path("expr").asText().isBlank(), panel.toString());
            }
        }
        assertTrue(titles.containsAll(Set.of("Throughput by instance and kind", "Consumer lag", "Projection latency",
                "Model version and running error", "Dead letters by reason", "JVM heap")), titles.toString());
    }

    /** The names the monitoring files read, as MonitoringIT compares them with a running instance's. */
    @Test
    void metricNamesAreFoundInExpressions() throws Exception {
        assertEquals(Set.of("nmf_projection_seconds_bucket"), DeployTools.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(nmf_projection_seconds_bucket[1m])))"));
        assertEquals(Set.of("kafka_consumer_fetch_manager_records_lag_max"), DeployTools.metricNames(
                "max by (nmf_instance) (delta(kafka_consumer_fetch_manager_records_lag_max"
                        + "{client_id=~\".*-StreamThread-[0-9]+-consumer\"}[10m])) > 0"));
        assertEquals(Set.of("nmf_model_version", "nmf_items_projected_total"), DeployTools.metricNames(
                "changes(max(nmf_model_version)[15m:1m]) == 0 and sum(rate(nmf_items_projected_total[15m])) > 0"));
        assertEquals(Set.of("nmf_running_error"), DeployTools.metricNames(
                "max(nmf_running_error) > 1.25 * max(avg_over_time(nmf_running_error[6h] offset 30m))"));
        Set<String> names = DeployTools.monitoredNames();
        assertTrue(names.containsAll(Set.of("nmf_items_projected_total", "nmf_dead_letters_total",
                "nmf_items_lost_total", "kafka_stream_failed_stream_threads_total", "jvm_memory_used_bytes", "up")),
                names.toString());
        assertEquals(9, DeployTools.alertExpressions().size(), DeployTools.alertExpressions().toString());
    }
}
