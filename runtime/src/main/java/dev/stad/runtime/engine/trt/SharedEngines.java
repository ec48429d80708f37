package dev.stad.runtime.engine.trt;

import dev.stad.runtime.engine.EngineException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The engines open sessions use, one per key, counted: the first session of a key loads (or
 * builds) its engine, later ones share it, and the last one to close deletes it. Nothing is
 * kept once no session uses it. Loading holds only its own key, so a build of minutes never
 * holds up the sessions of other engines.
 *
 * @param <E> the engine type ({@code ICudaEngine}; tests use plain objects)
 */
final class SharedEngines<E> {
    /** Loads the engine of a key: from the plan cache or by a build. */
    @FunctionalInterface
    interface Loader<E> {
        E load() throws EngineException;
    }

    /** An engine and its users, including a user still waiting for it to load. */
    private static final class Entry<E> {
        E engine;
        int users;
    }

    private final Consumer<E> delete;
    private final Map<String, Entry<E>> entries = new HashMap<>();

    /** @param delete frees an engine no session uses any more */
    SharedEngines(Consumer<E> delete) {
        this.delete = delete;
    }

    /**
     * The engine of {@code key}, loaded by {@code loader} unless a session already holds it; each
     * call must be matched by one {@link #release}. A load that fails counts for nothing.
     *
     * @param loaded told {@code true} when this call loaded the engine, {@code false} when it was shared
     */
    E acquire(String key, Loader<E> loader, Consumer<Boolean> loaded) throws EngineException {
        Entry<E> entry;
        synchronized (this) {
            entry = entries.computeIfAbsent(key, k -> new Entry<>());
            entry.users++;
        }
        boolean ok = false;
        try {
            synchronized (entry) {
                boolean load = entry.engine == null;
                if (load) {
                    entry.engine = loader.load();
                }
                loaded.accept(load);
                ok = true;
                return entry.engine;
            }
        } finally {
            if (!ok) {
                release(key);
            }
        }
    }

    /** One user of {@code key} is done; the last one deletes the engine. */
    void release(String key) {
        Entry<E> gone;
        synchronized (this) {
            Entry<E> entry = entries.get(key);
            if (entry == null) {
                throw new IllegalStateException("no session holds the engine " + key);
            }
            if (--entry.users > 0) {
                return;
            }
            entries.remove(key);
            gone = entry;
        }
        synchronized (gone) {
            if (gone.engine != null) {
                delete.accept(gone.engine);
                gone.engine = null;
            }
        }
    }

    /** How many engines are held now. */
    synchronized int size() {
        return entries.size();
    }
}
