package dev.stad.spark;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.image.FloatImage;
import dev.stad.runtime.output.FloatTiff;
import java.io.Closeable;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Anomaly maps as float TIFFs in one folder of any Hadoop file system. A map is named by the
 * image's content and the bundle ({@code <sha256 of the image bytes, 32 hex>-<bundle sha256, 12
 * hex>.tiff}): a retried task, a re-run or the same image under two paths writes the same name
 * with the same bytes. Each is written to a hidden temporary file and renamed, so a reader never
 * sees half a map; the temporary files a killed task leaves are removed by {@link #removeTemporary}.
 */
final class MapStore implements Closeable {
    private final Path dir;
    private final FileSystem fs;
    private final String bundleTag;
    private final String tempTag;

    MapStore(String dir, Configuration conf, String bundleSha256, String tempTag) throws IOException {
        this.dir = new Path(dir);
        // An instance of its own: without checksums (a local file system would add a .crc file
        // next to every map), and closing it leaves the one Spark caches alone.
        this.fs = FileSystem.newInstance(this.dir.toUri(), conf);
        this.fs.setWriteChecksum(false);
        this.fs.mkdirs(this.dir);
        this.bundleTag = bundleSha256.substring(0, 12);
        this.tempTag = tempTag;
    }

    /** Writes the map of the image whose bytes are {@code image}, unless it is there; its full path. */
    String put(byte[] image, FloatImage map, String attempt) throws IOException {
        Path target = new Path(dir, ModelBundle.sha256(image).substring(0, 32) + "-" + bundleTag + ".tiff");
        if (fs.exists(target)) {
            return fs.makeQualified(target).toString();
        }
        Path temp = new Path(dir, "." + target.getName() + "." + tempTag + "-" + attempt + ".tmp");
        byte[] tiff = FloatTiff.bytes(map);
        try (FSDataOutputStream out = fs.create(temp, true)) {
            out.write(tiff);
        }
        // HDFS refuses to rename onto an existing file, a local file system replaces it; either
        // way the map there is this one, written by another task from the same bytes.
        if (!fs.rename(temp, target)) {
            fs.delete(temp, false);
            if (!fs.exists(target)) {
                throw new IOException("cannot rename " + temp + " to " + target);
            }
        }
        return fs.makeQualified(target).toString();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    /** Removes the temporary files of this run that killed tasks left behind; how many. */
    static int removeTemporary(String dir, Configuration conf, String tempTag) throws IOException {
        Path d = new Path(dir);
        FileSystem fs = d.getFileSystem(conf);
        if (!fs.exists(d)) {
            return 0;
        }
        int removed = 0;
        for (FileStatus s : fs.listStatus(d)) {
            String name = s.getPath().getName();
            if (name.startsWith(".") && name.endsWith(".tmp") && name.contains("." + tempTag + "-")) {
                if (fs.delete(s.getPath(), false)) {
                    removed++;
                }
            }
        }
        return removed;
    }
}
