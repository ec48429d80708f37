/**
 * Training data: MVTec AD categories, plain folders of good images, and the synthetic dataset
 * the default run generates.
 */
package dev.stad.trainer.data;
