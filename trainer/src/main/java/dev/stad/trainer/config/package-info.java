/**
 * Run configs: the JSON records, their defaults and the checks that explain a config that
 * cannot work.
 */
package dev.stad.trainer.config;
