package dev.stad.bench.latency;

import picocli.CommandLine;

/**
 * An image size to time: {@code 900} (square) or {@code 2448x2048} (width by height, as
 * cameras state theirs).
 */
public record ImageSize(int width, int height) {
    public ImageSize {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, found " + width + "x" + height);
        }
    }

    public static ImageSize square(int side) {
        return new ImageSize(side, side);
    }

    /** {@code N} or {@code WxH}. */
    public static ImageSize parse(String s) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        int x = t.indexOf('x');
        try {
            if (x < 0) {
                return square(Integer.parseInt(t));
            }
            return new ImageSize(Integer.parseInt(t.substring(0, x)), Integer.parseInt(t.substring(x + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an image size (N or WxH): '" + s + "'");
        }
    }

    /** {@code 900×900}, as the reports print sizes. */
    public String label() {
        return width + "×" + height;
    }

    /** picocli's converter for options of this type. */
    public static final class Converter implements CommandLine.ITypeConverter<ImageSize> {
        @Override
        public ImageSize convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
