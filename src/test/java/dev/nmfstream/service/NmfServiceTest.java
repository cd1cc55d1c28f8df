package dev.nmfstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nmfstream.stream.ConfigurationMismatchException;
import dev.nmfstream.stream.NmfStreamConfig;
import java.util.Properties;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class NmfServiceTest {

    @Test
    void aConfigurationMismatchStopsTheInstanceAtOnce() {
        NmfService.ThreadFailures failures = new NmfService.ThreadFailures();
        StreamsException wrapped = new StreamsException("Exception caught in process",
                new ConfigurationMismatchException("basis topic nmf-basis holds a model with nmf.rank = 5"));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(wrapped),
                "no thread replacement, even the first time");
    }

    @Test
    void otherFaultsReplaceTheThreadAFewTimesThenStop() {
        NmfService.ThreadFailures failures = new NmfService.ThreadFailures();
        StreamsException fault = new StreamsException("Exception caught in process",
                new IllegalStateException("broker went away"));
        for (int i = 0; i < NmfService.MAX_REPLACEMENTS; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, failures.handle(fault), "failure " + i);
        }
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(fault));
    }

    @Test
    void theRestoreConsumerWaitsBrieflyAtAChangelogsEndUnlessConfiguredOtherwise() {
        Properties p = new Properties();
        p.setProperty("nmf.rank", "20");
        p.setProperty("nmf.dimension", "1025");
        String key = "restore.consumer.fetch.max.wait.ms";
        assertEquals("50", NmfService.streamsProperties(NmfStreamConfig.from(p), "b:9092")
                .getProperty(key));
        p.setProperty(key, "300");
        assertEquals("300", NmfService.streamsProperties(NmfStreamConfig.from(p), "b:9092")
                .getProperty(key), "the configuration's value wins");
    }
}
