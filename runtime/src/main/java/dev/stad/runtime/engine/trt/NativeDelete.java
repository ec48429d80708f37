package dev.stad.runtime.engine.trt;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Method;
import java.util.function.Supplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * C++ {@code delete} for objects of one class that native code created and handed to Java.
 *
 * <p>TensorRT 10 frees what it creates (builders, networks, configs, engines, contexts,
 * serialized plans) only through {@code delete}; {@code destroy()} is gone. The JavaCPP presets
 * attach no deallocator to the objects TensorRT returns, so their {@code close()} frees nothing.
 * The generated code does hold the right function for each class, {@code delete (T*) p} through
 * the virtual destructor, and registers it for objects JavaCPP allocates itself (the class's
 * public no-argument constructor). This class allocates one such probe, takes that function's
 * address from the probe's JavaCPP {@code NativeDeallocator}, frees the probe with it, and later
 * calls the same function on the objects it is given, through that deallocator's own native
 * method ({@code deallocate(owner, function)}, which calls {@code function(owner)}). No
 * reference object is made per call, so JavaCPP's collector thread never sees these objects.
 *
 * <p>For TensorRT 10.15 and JavaCPP 1.5.13 the deallocator of each class used here was read in
 * {@code libjninvinfer.so}: it loads slot 1 of the object's vtable (the deleting destructor) and
 * calls it, and the classes' own destructors are empty, so deleting a probe releases only its
 * few bytes. Reaching the deallocator takes reflection into non-public JavaCPP members (written
 * against 1.5.13); if a JavaCPP version removes or renames them, loading this class fails with a
 * message and the TensorRT engine is refused.
 *
 * <p>A class JavaCPP cannot allocate (an abstract one, such as the ONNX parser) has no generated
 * deallocator to borrow. For such a class {@link #throughVtable} does what C++ {@code delete p}
 * compiles to under the Itanium C++ ABI that Linux compilers follow: it reads the object's vtable
 * pointer (the object's first word), takes the deleting destructor from the slot the class's
 * header gives it, and calls it with the object, through the same native method.
 */
final class NativeDelete<P extends Pointer> {
    /** JavaCPP's {@code Pointer.NativeDeallocator}, a protected nested class. */
    private static final Class<?> NATIVE_DEALLOCATOR;
    /** {@code NativeDeallocator.deallocatorAddress()}: the function it calls. */
    private static final Method FUNCTION_ADDRESS;
    /** {@code NativeDeallocator.deallocate(long owner, long function)}, private native. */
    private static final Method CALL;
    /** {@code Pointer.deallocator()}, protected. */
    private static final Method DEALLOCATOR_OF;

    static {
        try {
            NATIVE_DEALLOCATOR = Class.forName("org.bytedeco.javacpp.Pointer$NativeDeallocator");
            FUNCTION_ADDRESS = NATIVE_DEALLOCATOR.getDeclaredMethod("deallocatorAddress");
            CALL = NATIVE_DEALLOCATOR.getDeclaredMethod("deallocate", long.class, long.class);
            DEALLOCATOR_OF = Pointer.class.getDeclaredMethod("deallocator");
            for (AccessibleObject o : new AccessibleObject[] {FUNCTION_ADDRESS, CALL, DEALLOCATOR_OF}) {
                o.setAccessible(true);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "this JavaCPP does not expose its native deallocators as 1.5.13 does"
                            + " (Pointer.deallocator(), NativeDeallocator.deallocate(long, long)): " + e,
                    e);
        }
    }

    private final String type;
    /** The function to call, or 0 when each object's own vtable gives it (slot {@link #slot}). */
    private final long function;

    private final int slot;
    /** The probe's deallocator, spent: only the receiver of {@link #CALL}, whose native code ignores it. */
    private final Object receiver;

    /**
     * @param probe allocates one object of the class through JavaCPP (for TensorRT's classes,
     *     their no-argument constructor), freed here
     * @throws IllegalStateException when the probe carries no native deallocator
     */
    NativeDelete(Supplier<P> probe) {
        P p = probe.get();
        this.type = p.getClass().getSimpleName();
        try {
            Object d;
            long f;
            try {
                d = DEALLOCATOR_OF.invoke(p);
                f = NATIVE_DEALLOCATOR.isInstance(d) ? (long) FUNCTION_ADDRESS.invoke(d) : 0;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read JavaCPP's deallocator of " + type + ": " + e, e);
            }
            if (f == 0) {
                throw new IllegalStateException(type + " allocated by JavaCPP carries no native deallocator (" + d
                        + "); its objects cannot be deleted from Java");
            }
            this.function = f;
            this.slot = -1;
            this.receiver = d;
        } finally {
            p.close();
        }
    }

    private NativeDelete(String type, int slot, Object receiver) {
        this.type = type;
        this.function = 0;
        this.slot = slot;
        this.receiver = receiver;
    }

    /**
     * Deletion through each object's deleting destructor, found at {@code slot} of its vtable
     * (counting from 0, in pointers). Under the Itanium C++ ABI a virtual destructor takes two
     * consecutive slots where the class declares it, after the virtual methods declared before
     * it: the complete-object destructor first, then the deleting one, which frees the object.
     * The caller must have read the slot off the header of the exact library version loaded;
     * a wrong slot calls some other method. Other ABIs differ (Microsoft's has one destructor
     * slot, taking a flag), so callers use this on Linux only.
     */
    static <P extends Pointer> NativeDelete<P> throughVtable(String type, int slot) {
        if (slot < 1) {
            throw new IllegalArgumentException("a deleting destructor's vtable slot is at least 1, got " + slot);
        }
        // Any NativeDeallocator serves as the receiver of CALL (its native code ignores it): a
        // byte array's, taken as for any probe.
        return new NativeDelete<>(type, slot, new NativeDelete<>(() -> new BytePointer(1L)).receiver);
    }

    /** The function the probe's deallocator calls, 0 for deletion through the vtable. */
    long function() {
        return function;
    }

    /**
     * Deletes {@code p}'s object and sets {@code p} to null, so a second call does nothing. The
     * caller guarantees that {@code p} was created by native code as this class's type, that
     * nothing uses it any more, and that nothing else deletes it.
     */
    void delete(P p) {
        if (p == null || p.isNull()) {
            return;
        }
        long address = p.address();
        long f = function != 0 ? function : deletingDestructor(address);
        p.setNull();
        try {
            CALL.invoke(receiver, address, f);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot delete a " + type + ": " + e, e);
        }
    }

    /** Slot {@link #slot} of the vtable of the object at {@code address}. */
    private long deletingDestructor(long address) {
        long vtable = new LongPointer(new At(address)).get(0);
        if (vtable == 0) {
            throw new IllegalStateException(String.format("the %s at 0x%x has no vtable", type, address));
        }
        long f = new LongPointer(new At(vtable)).get(slot);
        if (f == 0) {
            throw new IllegalStateException(
                    String.format("the %s at 0x%x has an empty vtable slot %d", type, address, slot));
        }
        return f;
    }

    /** An address to read, owned by nobody. */
    private static final class At extends Pointer {
        At(long address) {
            this.address = address;
        }
    }

    @Override
    public String toString() {
        return "delete " + type;
    }
}
