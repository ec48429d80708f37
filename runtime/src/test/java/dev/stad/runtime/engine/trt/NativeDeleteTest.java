package dev.stad.runtime.engine.trt;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The deletion TensorRT's objects get, on a JavaCPP class whose natives load without a GPU: a
 * byte array allocated by JavaCPP ({@code new signed char[n]}, freed by its generated {@code
 * delete[]}), handed over as a pointer without a deallocator, as TensorRT's objects are.
 */
class NativeDeleteTest {
    private static final long SIZE = 96L << 20;

    /** A native array nobody owns: allocated and written by JavaCPP, then its ownership dropped. */
    private static BytePointer unowned() {
        BytePointer owner = new BytePointer(SIZE);
        owner.fill(1); // touch every page, so the process's resident memory holds all of it
        BytePointer alias = new BytePointer(owner);
        owner.deallocate(false);
        return alias;
    }

    /** Deletes an {@link #unowned} array and checks that its pointer is nulled and its memory gone. */
    private static void deleteAndSeeItFreed(NativeDelete<BytePointer> delete, BytePointer array) {
        long before = Pointer.physicalBytes();
        delete.delete(array);
        long after = Pointer.physicalBytes();
        assertTrue(array.isNull(), "the pointer is nulled");
        // 96 MB is far above glibc's mmap threshold: freeing returns it to the system at once.
        assertTrue(
                before - after >= (SIZE * 3) / 4,
                "resident memory fell by " + ((before - after) >> 20) + " MB, expected about " + (SIZE >> 20));
    }

    @Test
    void deletesAnObjectTheProbesClassAllocatedAndLeavesItsPointerNull() {
        NativeDelete<BytePointer> delete = new NativeDelete<>(() -> new BytePointer(1L));
        BytePointer array = unowned();
        deleteAndSeeItFreed(delete, array);
        assertDoesNotThrow(() -> delete.delete(array), "a second delete of the nulled pointer does nothing");
        assertDoesNotThrow(() -> delete.delete(null));
    }

    @Test
    void objectsWhoseWrappersAreCollectedAreDeletedOnceWhileTheCollectorRuns() {
        NativeDelete<BytePointer> delete = new NativeDelete<>(() -> new BytePointer(1L));
        long before = Pointer.physicalBytes();
        for (int i = 0; i < 200; i++) {
            BytePointer owner = new BytePointer(1L << 20);
            owner.fill(i);
            BytePointer alias = new BytePointer(owner);
            owner.deallocate(false);
            owner = null;
            delete.delete(alias);
            if (i % 20 == 0) {
                System.gc(); // a second free by JavaCPP's collector thread would abort the JVM
            }
        }
        System.gc();
        long grown = Pointer.physicalBytes() - before;
        assertTrue(
                grown < 100L << 20, "200 MB allocated and deleted, resident memory grew by " + (grown >> 20) + " MB");
    }

    @Test
    void aProbeWithoutANativeDeallocatorIsRefusedByName() {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> new NativeDelete<>(() -> new BytePointer()));
        assertTrue(
                e.getMessage().startsWith("BytePointer allocated by JavaCPP carries no native deallocator"),
                e.getMessage());
    }

    /**
     * The parser's way, on an object given a vtable by the test: the array's first word points
     * to a table whose slot 3 holds the array's own {@code delete[]}, so reading the slot and
     * calling it frees exactly what C++ {@code delete} of such an object would.
     */
    @Test
    void deletesThroughTheFunctionInTheObjectsVtableSlot() {
        NativeDelete<BytePointer> arrays = new NativeDelete<>(() -> new BytePointer(1L));
        try (LongPointer vtable = new LongPointer(0L, 0L, 0L, arrays.function(), 0L)) {
            BytePointer object = unowned();
            new LongPointer(object).put(0, vtable.address());
            NativeDelete<BytePointer> delete = NativeDelete.throughVtable("BytePointer", 3);
            assertEquals(0, delete.function(), "the function comes from each object");
            deleteAndSeeItFreed(delete, object);
        }
    }

    @Test
    void anEmptyVtableSlotOrNoVtableIsRefusedAndTheObjectKept() {
        NativeDelete<BytePointer> arrays = new NativeDelete<>(() -> new BytePointer(1L));
        NativeDelete<BytePointer> delete = NativeDelete.throughVtable("Thing", 2);
        try (LongPointer vtable = new LongPointer(0L, 0L, 0L, arrays.function())) {
            BytePointer object = unowned();
            LongPointer first = new LongPointer(object);
            first.put(0, vtable.address());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> delete.delete(object));
            assertTrue(e.getMessage().matches("the Thing at 0x[0-9a-f]+ has an empty vtable slot 2"), e.getMessage());
            first.put(0, 0L);
            e = assertThrows(IllegalStateException.class, () -> delete.delete(object));
            assertTrue(e.getMessage().matches("the Thing at 0x[0-9a-f]+ has no vtable"), e.getMessage());
            assertFalse(object.isNull(), "a refused object keeps its pointer");
            arrays.delete(object);
        }
        assertThrows(IllegalArgumentException.class, () -> NativeDelete.throughVtable("Thing", 0));
    }
}
