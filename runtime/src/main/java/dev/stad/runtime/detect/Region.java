package dev.stad.runtime.detect;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One connected area (8-connectivity) of the anomaly map above the threshold, in pixels of the
 * scored image.
 *
 * @param x left column of the bounding box
 * @param y top row of the bounding box
 * @param width bounding box width
 * @param height bounding box height
 * @param area number of pixels in the region
 * @param peak highest map value in the region
 * @param peakX column of the peak
 * @param peakY row of the peak
 */
public record Region(
        @JsonProperty("x") int x,
        @JsonProperty("y") int y,
        @JsonProperty("width") int width,
        @JsonProperty("height") int height,
        @JsonProperty("area") int area,
        @JsonProperty("peak") float peak,
        @JsonProperty("peakX") int peakX,
        @JsonProperty("peakY") int peakY) {}
