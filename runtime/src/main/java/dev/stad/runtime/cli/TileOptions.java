package dev.stad.runtime.cli;

import dev.stad.runtime.detect.DetectorOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --tile} and {@code --memory-budget}: how much of an image the detector computes at once.
 * The same two options in {@code runtime score} and {@code bench latency}, so the bench times
 * the tiles a station would use.
 */
public final class TileOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--tile",
            paramLabel = "PX",
            defaultValue = "0",
            description = "Compute the map in tiles of at most PX x PX pixels, each cut with its halo (a tile on"
                    + " the image's edge, with no halo beyond it, is longer by that halo; an image one such cut"
                    + " holds is computed whole); exact (default: 0, chosen per image size from --memory-budget).")
    int tile;

    @Option(
            names = "--memory-budget",
            paramLabel = "MB",
            defaultValue = "" + DetectorOptions.DEFAULT_MEMORY_BUDGET_MB,
            description = "Working memory the detector may use at once; larger inputs are computed in exact tiles"
                    + " (default: ${DEFAULT-VALUE}; 0: no limit).")
    long memoryBudgetMb;

    /** Largest tile side asked for; 0: from the budget. */
    public int tile() {
        requireValid();
        return tile;
    }

    /** The working-memory budget in MB; 0: no limit. */
    public long memoryBudgetMb() {
        requireValid();
        return memoryBudgetMb;
    }

    private void requireValid() {
        if (tile < 0 || memoryBudgetMb < 0) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--tile and --memory-budget must be >= 0 (0: chosen, no limit), found " + tile + " and "
                            + memoryBudgetMb);
        }
    }
}
