/**
 * Atomic file writes: a temporary file, forced to disk, then renamed, so a kill leaves the old
 * file or the new one, never half of either.
 */
package dev.stad.runtime.io;
