/**
 * The preset architectures (p17, p33, p65) and the two forms of every network: one descriptor
 * per patch, or dense (fast dense feature extraction) with the same weights.
 */
package dev.stad.checkpoint.spec;
