package dev.stad.spark;

import dev.stad.runtime.bundle.ModelBundle;
import dev.stad.runtime.bundle.Precision;
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
 * Anomaly maps as float TIFFs under one folder of any Hadoop file system. A map is named by the
 * image's content, the bundle and the precision, {@code <h[0..2]>/<h[0..32]>-<bundle sha256, 12
 * hex>-<precision>.tiff} where {@code h} is the SHA-256 of the image's bytes: a retried task, a
 * re-run or the same image under two paths writes the same name with the same bytes, and the two
 * hex digits of the subfolder spread millions of maps over 256 folders, as file systems and their
 * listings want.
 *
 * <p>Each map is written to a temporary file in the run's own hidden folder ({@code
 * .stad-temporary-<tag>}) and renamed into place, so a reader never sees half a map; what killed
 * tasks leave there goes with the folder ({@link #removeTemporary}), and an attempt that writes
 * after the folder is gone fails rather than bringing it back.
 */
final class MapStore implements Closeable {
    /** Prefix of the hidden folder that holds one run's temporary maps. */
    static final String TEMPORARY_PREFIX = ".stad-temporary-";

    private final Path dir;
    private final Path temporary;
    private final FileSystem fs;
    private final String suffix;

    MapStore(String dir, Configuration conf, String bundleSha256, Precision precision, String tempTag)
            throws IOException {
        this.dir = new Path(dir);
        // An instance of its own: without checksums (a local file system would add a .crc file
        // next to every map), and closing it leaves the one Spark caches alone.
        this.fs = FileSystem.newInstance(this.dir.toUri(), conf);
        this.fs.setWriteChecksum(false);
        this.temporary = new Path(this.dir, TEMPORARY_PREFIX + tempTag);
        if (!fs.mkdirs(temporary)) {
            throw new IOException("cannot create " + temporary);
        }
        this.suffix = "-" + bundleSha256.substring(0, 12) + "-" + precision.id() + ".tiff";
    }

    /**
     * Writes the map of the image whose bytes are {@code image}, unless it is there; its qualified
     * path. {@code beforeRename} runs between writing the temporary file and renaming it (tests
     * fail there on purpose).
     */
    String put(byte[] image, FloatImage map, String attempt, Runnable beforeRename) throws IOException {
        String hash = ModelBundle.sha256(image).substring(0, 32);
        Path shard = new Path(dir, hash.substring(0, 2));
        Path target = new Path(shard, hash + suffix);
        if (fs.exists(target)) {
            return fs.makeQualified(target).toString();
        }
        Path temp = new Path(temporary, target.getName() + "." + attempt + ".tmp");
        byte[] tiff = FloatTiff.bytes(map);
        // Not recursive: a task attempt still running after the driver removed this run's folder
        // (a zombie of speculation or of a failed job) fails here instead of bringing the folder
        // back, where no later run would look for it.
        try (FSDataOutputStream out = fs.createFile(temp).overwrite(true).build()) {
            out.write(tiff);
        }
        beforeRename.run();
        fs.mkdirs(shard);
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

    /**
     * Removes this run's folder of temporary maps; how many files killed tasks had left in it.
     * Called by the driver once no task of the run is left.
     */
    static int removeTemporary(String dir, Configuration conf, String tempTag) throws IOException {
        Path temporary = new Path(dir, TEMPORARY_PREFIX + tempTag);
        FileSystem fs = temporary.getFileSystem(conf);
        if (!fs.exists(temporary)) {
            return 0;
        }
        int left = 0;
        for (FileStatus s : fs.listStatus(temporary)) {
            if (s.isFile()) {
                left++;
            }
        }
        if (!fs.delete(temporary, true)) {
            throw new IOException("cannot remove " + temporary);
        }
        return left;
    }
}
