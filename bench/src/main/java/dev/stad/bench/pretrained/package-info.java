/**
 * Pretrained networks brought to the trainer as ONNX files: {@code bench tfjs-import} converts a
 * TensorFlow.js Layers model (Keras topology and weight shards, the form npm packages ship) into
 * a graph that {@code teacher.source "onnx"} and {@code "distill"} read.
 */
package dev.stad.bench.pretrained;
