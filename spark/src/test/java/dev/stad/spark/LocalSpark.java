package dev.stad.spark;

import org.apache.spark.sql.SparkSession;

/**
 * One local Spark for the module's tests: two worker threads, as many as this machine has cores,
 * and up to four attempts per task ({@code local[2,4]}), so that a failed task is retried as on a
 * cluster. Started once per test JVM (a few seconds) and stopped at its exit.
 */
final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,4]")
                    .appName("stad spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            SparkSession s = session;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        }
        return session;
    }
}
