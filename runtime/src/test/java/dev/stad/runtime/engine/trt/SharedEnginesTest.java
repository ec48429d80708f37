package dev.stad.runtime.engine.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stad.runtime.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When TensorRT engines are loaded, shared and deleted, with plain objects for engines. */
class SharedEnginesTest {
    private final List<Object> deleted = new ArrayList<>();
    private final SharedEngines<Object> engines = new SharedEngines<>(deleted::add);
    private final AtomicInteger loads = new AtomicInteger();

    private Object load() {
        loads.incrementAndGet();
        return new Object();
    }

    @Test
    void sessionsOfOneKeyShareOneEngineAndTheLastToCloseDeletesIt() throws Exception {
        List<Boolean> fresh = new ArrayList<>();
        Object a = engines.acquire("plan@cuda:0", this::load, fresh::add);
        Object b = engines.acquire("plan@cuda:0", this::load, fresh::add);
        assertSame(a, b);
        assertEquals(List.of(true, false), fresh);
        engines.release("plan@cuda:0");
        assertEquals(List.of(), deleted, "one session still uses it");
        engines.release("plan@cuda:0");
        assertEquals(List.of(a), deleted);
        assertEquals(0, engines.size(), "nothing is kept once no session uses it");

        Object c = engines.acquire("plan@cuda:0", this::load, fresh::add);
        assertTrue(c != a, "opened again after the last close: loaded again");
        assertEquals(2, loads.get());
        engines.release("plan@cuda:0");
        assertEquals(List.of(a, c), deleted);
    }

    @Test
    void aFailedLoadLeavesNothingAndTheNextSessionLoadsAgain() throws Exception {
        EngineException e = assertThrows(
                EngineException.class,
                () -> engines.acquire(
                        "plan@cuda:0",
                        () -> {
                            throw new EngineException("the parser rejected the graph");
                        },
                        x -> {}));
        assertEquals("the parser rejected the graph", e.getMessage());
        assertEquals(0, engines.size());
        Object a = engines.acquire("plan@cuda:0", this::load, x -> {});
        engines.release("plan@cuda:0");
        assertEquals(List.of(a), deleted);
    }

    @Test
    void aLongBuildHoldsUpOnlyItsOwnKey() throws Exception {
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Object> slow = pool.submit(() -> engines.acquire(
                    "slow@cuda:0",
                    () -> {
                        building.countDown();
                        try {
                            finish.await();
                        } catch (InterruptedException ie) {
                            throw new EngineException("interrupted");
                        }
                        return "slow engine";
                    },
                    x -> {}));
            assertTrue(building.await(10, TimeUnit.SECONDS));
            // Another engine opens and closes while the first is still building.
            Object other = engines.acquire("other@cuda:0", this::load, x -> {});
            engines.release("other@cuda:0");
            assertEquals(List.of(other), deleted);
            finish.countDown();
            assertEquals("slow engine", slow.get(10, TimeUnit.SECONDS));
            engines.release("slow@cuda:0");
            assertEquals(List.of(other, "slow engine"), deleted);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void releasingAnEngineNobodyHoldsIsAnError() {
        assertThrows(IllegalStateException.class, () -> engines.release("plan@cuda:0"));
    }
}
