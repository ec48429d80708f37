package dev.stad.runtime.engine.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a TensorRT session decides without a GPU. */
class TrtGraphSessionTest {
    @Test
    void aClosedSessionsContextsGoOnlyToASessionWithTheSameBindings() {
        String engine = "3f2a@cuda:0";
        String key = TrtGraphSession.spareKey(engine, "image", List.of("anomaly_map"));
        assertEquals(key, TrtGraphSession.spareKey(engine, "image", List.of("anomaly_map")));
        // The same engine opened for other outputs (a probe, e and v) binds other tensors.
        assertNotEquals(key, TrtGraphSession.spareKey(engine, "image", List.of("anomaly_map", "e_p17")));
        assertNotEquals(key, TrtGraphSession.spareKey(engine, "image", List.of("e_p17")));
        assertNotEquals(key, TrtGraphSession.spareKey(engine, "patch", List.of("anomaly_map")));
        assertNotEquals(key, TrtGraphSession.spareKey("3f2a@cuda:1", "image", List.of("anomaly_map")));
    }
}
