package dev.stad.runtime.cli;

import dev.stad.runtime.bundle.Precision;
import dev.stad.runtime.detect.DetectorOptions;
import dev.stad.runtime.engine.EngineKind;
import dev.stad.runtime.engine.EngineOptions;
import dev.stad.runtime.engine.trt.TrtOptions;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --engine}, {@code --precision} and {@code --threads}: which of a bundle's detectors runs,
 * on what. The same options, typed once, in {@code runtime score} and {@code bench accuracy}.
 */
public final class DetectorChoiceOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "auto",
            description = "ort (ONNX Runtime, CPU), ort-cuda (ONNX Runtime, CUDA; needs the cuda build), trt"
                    + " (TensorRT; needs an NVIDIA GPU), or auto: trt where it can run, else ort-cuda, else ort"
                    + " (default: ${DEFAULT-VALUE}).")
    EngineKind engine;

    @Option(
            names = "--precision",
            paramLabel = "P",
            description = "Detector to run: fp32 or int8 (int8 needs a bundle exported with --int8), or fp16 (the"
                    + " fp32 detector with TensorRT's networks in half precision; engine trt only). Default: fp32.")
    Precision precision;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "0",
            description = "Engine threads per image (default: one per physical core).")
    int threads;

    public EngineKind engine() {
        return engine;
    }

    /** The precision asked for; null: the bundle's default detector. */
    public Precision precision() {
        return precision;
    }

    /** Engine threads per image; 0: one per physical core. */
    public int threads() {
        if (threads < 0) {
            throw new ParameterException(
                    mixee.commandLine(), "--threads must be >= 0 (0: one per physical core), found " + threads);
        }
        return threads;
    }

    /**
     * Stops with a usage error (exit 2) when fp16 is asked for on an engine that is not TensorRT;
     * {@code chosen} is the engine {@link #engine()} resolved to on this machine.
     */
    public void requirePrecisionRunsOn(EngineKind chosen) {
        if (precision == Precision.FP16 && chosen != EngineKind.TRT) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--precision fp16 runs on TensorRT only (engine " + chosen.id()
                            + " here); use --engine trt on a machine with an NVIDIA GPU, or fp32 / int8");
        }
    }

    /**
     * The detector these choices open, with the other option blocks every station command has:
     * the GPU's device, {@code trt} (the TensorRT settings for the command's parallelism), tiles
     * and trusted keys. The threshold is the bundle's; a command with {@code --threshold} sets it.
     */
    public DetectorOptions detectorOptions(GpuOptions gpu, TrtOptions trt, TileOptions tiles, TrustOptions trust)
            throws IOException {
        return DetectorOptions.defaults()
                .withEngine(new EngineOptions(engine, threads(), gpu.device(), trt))
                .withTile(tiles.tile())
                .withMemoryBudgetMb(tiles.memoryBudgetMb())
                .withPrecision(precision)
                .withTrust(trust.publicKeys());
    }
}
