package dev.stad.spark;

import dev.stad.runtime.detect.Detection;
import dev.stad.runtime.detect.Region;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The columns of the table the job writes, one row per image: what a station's results.json
 * holds for a file, plus where the file was, which bundle scored it and how it went.
 */
public final class ResultSchema {
    /** {@code ok}: the image was scored; {@code error}: it was not, {@code error} says why. */
    public static final String OK = "ok";

    public static final String ERROR = "error";

    /** A region of the map above the threshold (see {@link Region}). */
    public static final StructType REGION = new StructType(new StructField[] {
        DataTypes.createStructField("x", DataTypes.IntegerType, false),
        DataTypes.createStructField("y", DataTypes.IntegerType, false),
        DataTypes.createStructField("width", DataTypes.IntegerType, false),
        DataTypes.createStructField("height", DataTypes.IntegerType, false),
        DataTypes.createStructField("area", DataTypes.IntegerType, false),
        DataTypes.createStructField("peak", DataTypes.FloatType, false),
        DataTypes.createStructField("peak_x", DataTypes.IntegerType, false),
        DataTypes.createStructField("peak_y", DataTypes.IntegerType, false)
    });

    /** The input rows: what {@code binaryFile} lists, without the content. */
    public static final StructType INPUT = new StructType(new StructField[] {
        DataTypes.createStructField("path", DataTypes.StringType, false),
        DataTypes.createStructField("modification_time", DataTypes.TimestampType, true),
        DataTypes.createStructField("length", DataTypes.LongType, false)
    });

    /**
     * The table. Columns that only a scored image has ({@code score} to {@code map_path}) are null
     * on error rows; {@code path} and {@code modification_time} together with {@code bundle_sha256}
     * and {@code precision} are what {@code --resume} matches.
     */
    public static final StructType TABLE = new StructType(new StructField[] {
        DataTypes.createStructField("path", DataTypes.StringType, false),
        DataTypes.createStructField("modification_time", DataTypes.TimestampType, true),
        DataTypes.createStructField("length", DataTypes.LongType, false),
        DataTypes.createStructField("status", DataTypes.StringType, false),
        DataTypes.createStructField("error", DataTypes.StringType, true),
        DataTypes.createStructField("score", DataTypes.DoubleType, true),
        DataTypes.createStructField("threshold", DataTypes.DoubleType, true),
        DataTypes.createStructField("anomalous", DataTypes.BooleanType, true),
        DataTypes.createStructField("top_mean", DataTypes.DoubleType, true),
        DataTypes.createStructField("regions", DataTypes.createArrayType(REGION, false), true),
        DataTypes.createStructField("width", DataTypes.IntegerType, true),
        DataTypes.createStructField("height", DataTypes.IntegerType, true),
        DataTypes.createStructField("map_path", DataTypes.StringType, true),
        DataTypes.createStructField("bundle_name", DataTypes.StringType, false),
        DataTypes.createStructField("bundle_sha256", DataTypes.StringType, false),
        DataTypes.createStructField("precision", DataTypes.StringType, false),
        DataTypes.createStructField("millis", DataTypes.DoubleType, true)
    });

    private ResultSchema() {}

    /**
     * The table row of one listed image ({@link #INPUT}): scored when {@code d} is given, else an
     * error row with {@code error}, whose detection columns are null.
     */
    static Row row(Row input, Detection d, String error, String mapPath, JobSettings settings) {
        boolean ok = d != null;
        return RowFactory.create(
                input.get(0),
                input.get(1),
                input.get(2),
                ok ? OK : ERROR,
                error,
                ok ? d.score() : null,
                ok ? d.threshold() : null,
                ok ? d.anomalous() : null,
                ok ? d.topMean() : null,
                ok ? regions(d.regions()) : null,
                ok ? d.width() : null,
                ok ? d.height() : null,
                mapPath,
                settings.bundleName(),
                settings.bundleSha256(),
                settings.precision().id(),
                ok ? d.millis() : null);
    }

    /** The regions as rows of {@link #REGION}, in the Scala sequence a row's array column holds. */
    private static scala.collection.Seq<Row> regions(List<Region> regions) {
        List<Row> out = new ArrayList<>(regions.size());
        for (Region r : regions) {
            out.add(RowFactory.create(r.x(), r.y(), r.width(), r.height(), r.area(), r.peak(), r.peakX(), r.peakY()));
        }
        return CollectionConverters.asScala(out).toSeq();
    }
}
