/**
 * Safetensors files of float32 tensors, read and written without any ML library, so a run
 * folder is readable from Java, Python or a hex editor.
 */
package dev.stad.checkpoint.safetensors;
