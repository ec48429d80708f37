/**
 * Engines that run an ONNX graph: the {@link dev.stad.runtime.engine.GraphSession} interface
 * and its ONNX Runtime implementation (CPU or CUDA), with the session options every measurement
 * and the station share.
 */
package dev.stad.runtime.engine;
