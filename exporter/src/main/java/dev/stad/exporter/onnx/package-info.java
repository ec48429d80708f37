/**
 * Writing ONNX graphs with the protobuf classes: a small graph builder restricted to the bundle
 * operators, each network in its patch and dense form, and the fused detector graph.
 */
package dev.stad.exporter.onnx;
