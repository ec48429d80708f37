/**
 * What {@code runtime score} writes per image: float TIFF maps, heatmap and overlay PNGs, and
 * the results file.
 */
package dev.stad.runtime.output;
