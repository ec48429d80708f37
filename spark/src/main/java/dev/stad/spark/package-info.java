/**
 * Scoring image archives on Apache Spark: {@link dev.stad.spark.ScoreJob} lists the images with
 * Spark's {@code binaryFile} source, scores them in {@code mapPartitions} with one {@link
 * dev.stad.runtime.detect.Detector} per executor JVM ({@link dev.stad.spark.ExecutorDetectors}) and
 * writes a Parquet table ({@link dev.stad.spark.ResultSchema}).
 */
package dev.stad.spark;
