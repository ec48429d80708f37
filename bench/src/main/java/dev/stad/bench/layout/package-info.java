/**
 * {@code bench layout}: the fused and the separate detector layouts timed against each other.
 */
package dev.stad.bench.layout;
