package dev.stad.trainer.train;

import ai.djl.nn.Parameter;
import dev.stad.trainer.model.PatchNetwork;
import java.util.List;

/** The finiteness checks every training stage makes before it trusts a loss or saves weights. */
final class FiniteValues {
    private FiniteValues() {}

    /** Throws if any weight of the networks is NaN or infinite. */
    static void requireFinite(String what, List<PatchNetwork> networks) throws TrainingDivergedException {
        for (int i = 0; i < networks.size(); i++) {
            for (Parameter p : networks.get(i).parameterList()) {
                for (float v : p.getArray().toFloatArray()) {
                    if (!Float.isFinite(v)) {
                        throw new TrainingDivergedException(
                                what + ": network " + i + " has non-finite values in " + p.getName());
                    }
                }
            }
        }
    }

    static void requireFinite(String what, float loss) throws TrainingDivergedException {
        if (!Float.isFinite(loss)) {
            throw new TrainingDivergedException(what + ": loss became " + loss);
        }
    }
}
