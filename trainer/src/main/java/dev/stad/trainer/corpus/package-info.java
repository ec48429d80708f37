/**
 * The broad image corpora a general teacher is pretrained on: procedural images generated
 * in-process, or crops cut from a folder of photos.
 */
package dev.stad.trainer.corpus;
