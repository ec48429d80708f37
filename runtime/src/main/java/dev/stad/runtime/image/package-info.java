/**
 * Images as float tensors: decoding any PNG/JPEG/BMP/TIFF/GIF/PNM raster without colour
 * surprises, resampling, and the one preprocessing training and inference both apply.
 */
package dev.stad.runtime.image;
