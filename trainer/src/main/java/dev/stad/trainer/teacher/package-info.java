/**
 * The folder of pretrained teachers shared by runs: what a teacher file records, when it fits a
 * run, and pretraining one when it is missing.
 */
package dev.stad.trainer.teacher;
