package dev.stad.checkpoint.spec;

/** The two forms of one patch network; see {@link NetworkSpec}. */
public enum NetworkForm {
    /** Receptive-field sized patch in, one descriptor out; layers as written. */
    PATCH,
    /** Any image in, one descriptor per valid position out: pools at stride 1, dilations instead. */
    DENSE
}
