/**
 * The real-photo development set: MVTec-layout categories cut from photos that Debian packages
 * install (wallpapers, paper and canvas backgrounds), with defects painted into the test crops
 * and their exact masks; {@code bench real-set} writes it.
 */
package dev.stad.bench.realset;
