/**
 * From a completed run folder to a verified model bundle: loading the trained networks, writing
 * every graph and the manifest, and proving the bundle on ONNX Runtime against the plain-Java
 * computation; the {@code export} command.
 */
package dev.stad.exporter;
