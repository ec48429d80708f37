package dev.stad.trainer.train;

import ai.djl.ndarray.NDManager;
import dev.stad.checkpoint.RunDirectory;
import dev.stad.checkpoint.safetensors.FloatTensor;
import dev.stad.checkpoint.safetensors.Safetensors;
import dev.stad.checkpoint.spec.NetworkForm;
import dev.stad.runtime.spec.NetworkSpec;
import dev.stad.trainer.model.PatchNetwork;
import dev.stad.trainer.model.WeightInit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Networks being trained together with their optimisers, and how they go to and come back from
 * a checkpoint file: network {@code i}'s weights are stored as {@code net<i>.<weight name>}, its
 * Adam moments as {@code adam.net<i>.m.<weight name>} / {@code .v.}, and the progress counters as
 * metadata, all in one atomically written safetensors file.
 */
final class TrainedNetworks {
    static final String STEPS_KEY = "adamSteps";

    private final List<PatchNetwork> networks;
    private final List<Adam> optimisers;

    private TrainedNetworks(List<PatchNetwork> networks, List<Adam> optimisers) {
        this.networks = networks;
        this.optimisers = optimisers;
    }

    /** {@code count} dense networks, freshly initialised from seeds derived from {@code purpose}. */
    static TrainedNetworks fresh(
            NDManager manager, NetworkSpec spec, int count, long seed, String purpose, double lr, double wd) {
        List<PatchNetwork> nets = new ArrayList<>();
        List<Adam> opts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PatchNetwork net = PatchNetwork.create(spec, NetworkForm.DENSE);
            net.setParameters(manager, WeightInit.heUniform(spec, Seeds.derive(seed, purpose + "/" + i)), "");
            net.setTrainable(true);
            nets.add(net);
            opts.add(new Adam(manager, net.parameterList(), lr, wd));
        }
        return new TrainedNetworks(nets, opts);
    }

    /** Networks and optimiser state as saved by {@link #save}. */
    static TrainedNetworks restore(
            NDManager manager, NetworkSpec spec, int count, Safetensors.Contents saved, double lr, double wd) {
        long steps = Long.parseLong(saved.metadata().getOrDefault(STEPS_KEY, "0"));
        List<PatchNetwork> nets = new ArrayList<>();
        List<Adam> opts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PatchNetwork net = PatchNetwork.create(spec, NetworkForm.DENSE);
            net.setParameters(manager, saved.tensors(), prefix(i));
            net.setTrainable(true);
            Adam adam = new Adam(manager, net.parameterList(), lr, wd);
            adam.load(saved.tensors(), "adam." + prefix(i), steps);
            nets.add(net);
            opts.add(adam);
        }
        return new TrainedNetworks(nets, opts);
    }

    static String prefix(int i) {
        return RunDirectory.studentPrefix(i);
    }

    List<PatchNetwork> networks() {
        return networks;
    }

    Adam optimiser(int i) {
        return optimisers.get(i);
    }

    /** Weights of network {@code i} without prefix, as a teacher or student file stores them. */
    Map<String, FloatTensor> weights(int i) {
        return networks.get(i).parameterTensors("");
    }

    /** Writes weights, optimiser state and {@code metadata} atomically, after checking all are finite. */
    void save(Path file, String what, Map<String, String> metadata) throws IOException, TrainingDivergedException {
        save(file, what, Map.of(), metadata);
    }

    /** As {@link #save(Path, String, Map)}, with {@code extra} tensors (a training aid's state) in the same file. */
    void save(Path file, String what, Map<String, FloatTensor> extra, Map<String, String> metadata)
            throws IOException, TrainingDivergedException {
        FiniteValues.requireFinite(what, networks);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(extra);
        for (int i = 0; i < networks.size(); i++) {
            tensors.putAll(networks.get(i).parameterTensors(prefix(i)));
            tensors.putAll(optimisers.get(i).state("adam." + prefix(i)));
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(STEPS_KEY, Long.toString(optimisers.get(0).steps()));
        Safetensors.write(file, tensors, meta);
    }
}
