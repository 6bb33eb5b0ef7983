// Reads an interval log with the reference HdrHistogram library and prints,
// per tag, the total count and the p99 and max (in the log's units) of the
// merged histogram: "TAG COUNT P99 MAX". Used by tests/it/run_faults.sh to
// check that run.hlog and results.json agree.
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

public class HlogTagCounts {
    public static void main(String[] args) throws Exception {
        HistogramLogReader reader = new HistogramLogReader(args[0]);
        Map<String, Histogram> byTag = new TreeMap<>();
        EncodableHistogram e;
        while ((e = reader.nextIntervalHistogram()) != null) {
            Histogram h = (Histogram) e;
            String tag = h.getTag() == null ? "(untagged)" : h.getTag();
            Histogram acc = byTag.get(tag);
            if (acc == null) {
                acc = new Histogram(1, 3600000000L, 3);
                byTag.put(tag, acc);
            }
            acc.add(h);
        }
        for (Map.Entry<String, Histogram> m : byTag.entrySet()) {
            Histogram h = m.getValue();
            System.out.println(m.getKey() + " " + h.getTotalCount() + " "
                    + h.getValueAtPercentile(99) + " " + h.getMaxValue());
        }
    }
}
