/**
 * Model bundles: the manifest ({@link dev.stad.runtime.bundle.BundleManifest}), the verified
 * reader that checks every file's sha256, paths and ONNX operators before a session sees them
 * ({@link dev.stad.runtime.bundle.ModelBundle}, {@link dev.stad.runtime.bundle.OnnxInspector}),
 * and the operator set the exporter may write ({@link dev.stad.runtime.bundle.OnnxOperator}).
 */
package dev.stad.runtime.bundle;
