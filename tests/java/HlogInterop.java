/*
 * HlogInterop — the reference side of tests/it/hlog_java_interop.sh.
 * Compiled at test time against the Debian HdrHistogram jar (2.1.11):
 *
 *   java HlogInterop write OUT.hlog relative|absolute|nostart
 *       writes the shared data set (tests/it/hlog_interop.c writes the same
 *       one) with HistogramLogWriter: several tags, empty intervals, single
 *       values, values at every bucket boundary, large spreads and counts,
 *       intervals of different ranges.
 *   java HlogInterop read IN.hlog
 *       reads a log with HistogramLogReader and prints, per interval and
 *       merged per tag, count, min, max, mean and standard deviation (as
 *       raw IEEE bits), and a set of percentiles, in the exact text form
 *       hlog_interop.c prints, so the two can be diffed.
 *   java HlogInterop format
 *       prints "decimals rawbits text" lines: String.format("%.Nf") of
 *       tricky and random doubles, which hlog_interop.c checks its
 *       Java-compatible formatter against.
 */
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

public class HlogInterop {
    static final long START_MS = 1700000000123L;
    static final long HOUR_US = 3600000000L;

    /* Percentiles printed for every histogram; 40 with N = 3 is where
     * Java and the HdrHistogram C library disagree. */
    static final double[] PCTS = {0.0, 25.0, 100.0 / 3, 40.0, 50.0, 200.0 / 3, 75.0, 90.0, 99.0,
                                  99.9, 99.99, 99.999, 100.0};

    /* splitmix64, same as hlog_interop.c */
    static long seed;

    static long next() {
        long z = (seed += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /* Log-uniform-ish value in 1 .. 2^31. */
    static long spreadValue() {
        long r = next();
        int mag = (int) ((r >>> 58) % 32);
        return 1 + ((r & 0x3FFFFFFFFFFL) % (1L << mag));
    }

    static class Interval {
        String tag;
        long startMs;
        long lengthMs;
        Histogram h;

        Interval(String tag, long startMs, long lengthMs, Histogram h) {
            this.tag = tag;
            this.startMs = startMs;
            this.lengthMs = lengthMs;
            this.h = h;
        }
    }

    static Histogram std() {
        return new Histogram(1, HOUR_US, 3);
    }

    /* The shared data set; hlog_interop.c builds the very same one. */
    static List<Interval> dataSet() {
        List<Interval> out = new ArrayList<>();
        seed = 42;
        long t = START_MS;
        Histogram h;

        /* 0: N = 3 (p40 differs between Java and the C library) */
        h = std();
        h.recordValue(1);
        h.recordValue(2);
        h.recordValue(3);
        out.add(new Interval(null, t, 1000, h));
        /* 1: empty, tagged */
        out.add(new Interval("empty", t, 1000, std()));
        /* 2: single value 1, tagged */
        h = std();
        h.recordValue(1);
        out.add(new Interval("single", t, 1000, h));
        t += 1000;
        /* 3: values around every power of two up to the range's end */
        h = std();
        for (int k = 1; k <= 31; k++) {
            long p = 1L << k;
            h.recordValue(p - 1);
            h.recordValue(p);
            h.recordValue(p + 1);
        }
        h.recordValue(2047);
        h.recordValue(2048);
        h.recordValue(2049);
        h.recordValue(4095);
        h.recordValue(4096);
        h.recordValue(HOUR_US);
        h.recordValue(0);
        out.add(new Interval("bounds", t, 1000, h));
        /* 4: large spread, untagged */
        h = std();
        for (int i = 0; i < 20000; i++)
            h.recordValue(spreadValue());
        out.add(new Interval(null, t, 1000, h));
        t += 1000;
        /* 5: big counts and a single zero value, untagged */
        h = std();
        h.recordValueWithCount(1000, 1L << 40);
        h.recordValueWithCount(1001, 3);
        h.recordValue(0);
        h.recordValueWithCount(123456789, 7);
        out.add(new Interval(null, t, 500, h));
        /* 6: empty, untagged */
        out.add(new Interval(null, t + 500, 500, std()));
        t += 1000;
        /* 7: a wider range (24 h) with a value beyond 1 h: the merged
         * histogram must grow like Java's auto-resize */
        h = new Histogram(1, 24 * HOUR_US, 3);
        h.recordValue(10 * HOUR_US);
        h.recordValue(5);
        out.add(new Interval(null, t, 1000, h));
        /* 8: 2 significant figures, lowest 1000, tagged */
        h = new Histogram(1000, 100000000000L, 2);
        for (int i = 0; i < 3000; i++)
            h.recordValue(1000 + (next() & 0xFFFFFFFL));
        out.add(new Interval("coarse", t, 1000, h));
        t += 1000;
        /* 9..14: a tagged series with spread and a single value */
        for (int i = 0; i < 6; i++) {
            h = std();
            int n = i == 3 ? 1 : 500 * (i + 1);
            for (int j = 0; j < n; j++)
                h.recordValue(spreadValue() % 100000 + 1);
            out.add(new Interval("series", t, 1000, h));
            t += 1000;
        }
        /* 15: dense small values, untagged */
        h = std();
        for (long v = 0; v < 5000; v++)
            h.recordValueWithCount(v, 1 + (v % 7));
        out.add(new Interval(null, t, 1000, h));
        return out;
    }

    static void write(String path, String style) throws Exception {
        HistogramLogWriter w = new HistogramLogWriter(new File(path));
        w.outputLogFormatVersion();
        if (!style.equals("nostart"))
            w.outputStartTime(START_MS);
        if (style.equals("relative")) {
            w.setBaseTime(START_MS);
            w.outputBaseTime(START_MS);
        }
        w.outputComment("[written by HlogInterop.java, style " + style + "]");
        w.outputLegend();
        for (Interval iv : dataSet()) {
            iv.h.setStartTimeStamp(iv.startMs);
            iv.h.setEndTimeStamp(iv.startMs + iv.lengthMs);
            iv.h.setTag(iv.tag);
            /* Java's default max unit ratio (ns -> ms) */
            w.outputIntervalHistogram(iv.h);
        }
        w.close();
    }

    static String line(String what, Histogram h) {
        StringBuilder sb = new StringBuilder();
        sb.append(what);
        sb.append(String.format(Locale.ROOT, " lowest=%d highest=%d digits=%d count=%d min=%d max=%d"
                        + " mean=%016x sd=%016x",
                h.getLowestDiscernibleValue(), h.getHighestTrackableValue(),
                h.getNumberOfSignificantValueDigits(), h.getTotalCount(), h.getMinValue(),
                h.getMaxValue(), Double.doubleToRawLongBits(h.getMean()),
                Double.doubleToRawLongBits(h.getStdDeviation())));
        for (double p : PCTS)
            sb.append(String.format(Locale.ROOT, " p%s=%d", pname(p), h.getValueAtPercentile(p)));
        return sb.toString();
    }

    /* Percentile names shared with the C side. */
    static String pname(double p) {
        if (p == 100.0 / 3)
            return "33.3";
        if (p == 200.0 / 3)
            return "66.7";
        String s = Double.toString(p);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    static void read(String path) throws Exception {
        HistogramLogReader r = new HistogramLogReader(path);
        PrintStream out = System.out;
        Map<String, Histogram> merged = new LinkedHashMap<>();
        EncodableHistogram e;
        int i = 0;
        while ((e = r.nextIntervalHistogram()) != null) {
            Histogram h = (Histogram) e;
            String tag = h.getTag() == null ? "-" : h.getTag();
            out.println(line(String.format(Locale.ROOT, "interval %d tag=%s start_ms=%d end_ms=%d",
                    i++, tag, h.getStartTimeStamp(), h.getEndTimeStamp()), h));
            Histogram m = merged.get(tag);
            if (m == null) {
                m = h.copy();
                m.reset();
                m.setAutoResize(true);
                merged.put(tag, m);
            }
            m.add(h);
        }
        out.println(String.format(Locale.ROOT, "start_time=%.3f", r.getStartTimeSec()));
        for (Map.Entry<String, Histogram> me : merged.entrySet())
            out.println(line("merged tag=" + me.getKey(), me.getValue()));
    }

    /* 1.0E23 is left out on purpose: JDK < 19 prints it from the digits
     * 9.999999999999999E22 (JDK-4511638), not the shortest ones. */
    static void format() {
        double[] tricky = {0.0, -0.0, 0.125, 0.375, 1.2345, 2.675, 0.0005, 0.0015, 0.9999995,
                           9.9995, 1e-7, 123456789.0005, 1.0E22, 2.0E-3, 0.5, 1.5, 2.5, 99.5,
                           1.0 / 3, 2.0 / 3, 1e300, 4.35, 0.045, 1.005, 1.0E-300, 5e-324,
                           100.0, 999.9995, 0.99999999999995, 0.9999999999995, 1.0 / (1 - 0.8),
                           1.0 / (1 - 0.975), 1.0 / (1 - 0.9999847412109375)};
        int[] decimals = {0, 1, 2, 3, 6, 12};
        double[] scale = {1e0, 1e1, 1e2, 1e3, 1e4, 1e6, 1e9, 1e12};
        seed = 7;
        PrintStream out = System.out;
        for (int d : decimals)
            for (double v : tricky)
                out.println(d + " " + Long.toHexString(Double.doubleToRawLongBits(v)) + " "
                        + String.format(Locale.US, "%." + d + "f", v));
        for (int i = 0; i < 20000; i++) {
            long r = next();
            double v = (r >>> 11) * 0x1.0p-53;
            int k = (int) ((r & 0xff) % 16);
            v = k < 8 ? v * scale[k] : v / scale[k - 8];
            if ((i & 1) == 1) /* values that end in a 5 right after the cut */
                v = (double) ((r >>> 20) % 1000000) / 1000.0 + 0.0005;
            int d = decimals[(int) ((r >>> 8) & 0xffff) % decimals.length];
            out.println(d + " " + Long.toHexString(Double.doubleToRawLongBits(v)) + " "
                    + String.format(Locale.US, "%." + d + "f", v));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("format")) {
            format();
            return;
        }
        if (args.length == 3 && args[0].equals("write")) {
            write(args[1], args[2]);
        } else if (args.length == 2 && args[0].equals("read")) {
            read(args[1]);
        } else {
            System.err.println("usage: HlogInterop write OUT relative|absolute|nostart | read IN | format");
            System.exit(2);
        }
    }
}
