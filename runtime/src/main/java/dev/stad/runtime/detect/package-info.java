/**
 * The embeddable detector: {@link dev.stad.runtime.detect.Detector} opens a bundle once and
 * scores images from any thread into a {@link dev.stad.runtime.detect.Detection} (map, score,
 * decision, regions); exact tiling for large inputs.
 */
package dev.stad.runtime.detect;
