package dev.nmfstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nmfstream.stream.NmfStreamConfig;
import dev.nmfstream.wire.ComponentMessage;
import dev.nmfstream.wire.SummaryMessage;
import dev.nmfstream.wire.TopFeature;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the page draws the components, as their data calls for, and the compact form it gets
 * them in (a page must stay quick with r = 100 components of m = 20,000: it gets each component's
 * top features and a curve of at most {@value #CURVE_POINTS} points, each the largest entry of its
 * run of rows, which keeps the peaks; the full W is {@code /api/factors}).
 *
 * <ul>
 *   <li>{@code image}: {@code nmf.image.shape} is set; pixels row-major, block means down to at
 *       most {@value #IMAGE_SIDE} × {@value #IMAGE_SIDE};
 *   <li>{@code spectrum}: the top features' labels are frequencies ("440.4 Hz A4"): a line over
 *       frequency, the rows' frequencies fitted from the labels (a least-squares line through
 *       (row, Hz)), with the component's peak and fundamental in Hz where it has them;
 *   <li>{@code words}: the labels are other text (words): the top words with bars;
 *   <li>{@code bars}: no labels: the curve as bars over the row index.
 * </ul>
 */
public final class ComponentDisplay {

    /** The most points of a component's curve on the page. */
    public static final int CURVE_POINTS = 256;
    /** The largest side of a component's image on the page. */
    public static final int IMAGE_SIDE = 64;
    private static final Pattern HZ = Pattern.compile("^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(k?)Hz\\b");

    private ComponentDisplay() {}

    /** The display kind for a configuration and its components: image, spectrum, words or bars. */
    public static String kindOf(NmfStreamConfig config, List<ComponentMessage> components) {
        if (config.imageHeight() > 0) {
            return "image";
        }
        int labels = 0;
        int hz = 0;
        for (ComponentMessage c : components) {
            if (c == null || c.topFeatures() == null) {
                continue;
            }
            for (TopFeature f : c.topFeatures()) {
                if (f.label() != null && !f.label().isBlank()) {
                    labels++;
                    if (!Double.isNaN(hertz(f.label()))) {
                        hz++;
                    }
                }
            }
        }
        if (labels == 0) {
            return "bars";
        }
        return 2 * hz >= labels ? "spectrum" : "words";
    }

    /** The frequency a label names ("440.4 Hz A4" → 440.4, "1.2 kHz" → 1200), or NaN. */
    static double hertz(String label) {
        Matcher m = HZ.matcher(label);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return m.group(2).isEmpty() ? v : v * 1000;
    }

    /**
     * Hz = offset + perRow · row, fitted by least squares to the labelled top features.
     *
     * @return {offset, perRow}, or null when fewer than one labelled row
     */
    static double[] frequencyAxis(List<ComponentMessage> components) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (ComponentMessage c : components) {
            if (c == null || c.topFeatures() == null) {
                continue;
            }
            for (TopFeature f : c.topFeatures()) {
                double y = f.label() == null ? Double.NaN : hertz(f.label());
                if (!Double.isNaN(y)) {
                    n++;
                    sx += f.index();
                    sy += y;
                    sxx += (double) f.index() * f.index();
                    sxy += f.index() * y;
                }
            }
        }
        if (n == 0) {
            return null;
        }
        double var = sxx - sx * sx / n;
        if (var <= 0) {
            return new double[] {0, sx > 0 ? sy / sx : 1};
        }
        double perRow = (sxy - sx * sy / n) / var;
        return new double[] {(sy - perRow * sx) / n, perRow};
    }

    /** The factors snapshot in the page's compact form. */
    public static ObjectNode compact(ObjectMapper json, NmfStreamConfig config, ModelView.Factors factors) {
        ObjectNode out = json.createObjectNode();
        SummaryMessage s = factors.summary();
        List<ComponentMessage> components = factors.components();
        String kind = kindOf(config, components);
        out.put("seq", factors.seq());
        out.put("version", s == null ? -1 : s.version());
        out.put("kind", kind);
        out.put("rank", config.rank());
        out.put("dim", config.dimension());
        if ("image".equals(kind)) {
            out.put("imageHeight", config.imageHeight());
            out.put("imageWidth", config.imageWidth());
        }
        int step = Math.max(1, (config.dimension() + CURVE_POINTS - 1) / CURVE_POINTS);
        out.put("rowsPerPoint", step);
        if ("spectrum".equals(kind)) {
            double[] axis = frequencyAxis(components);
            out.put("hzOffset", axis[0]);
            out.put("hzPerRow", axis[1]);
        }
        ArrayNode list = out.putArray("components");
        for (ComponentMessage c : components) {
            if (c == null) {
                list.addNull();
                continue;
            }
            ObjectNode node = list.addObject();
            node.put("component", c.component());
            node.put("version", c.version());
            if (c.peakHz() != null) {
                node.put("peakHz", round(c.peakHz()));
            }
            if (c.fundamentalHz() != null) {
                node.put("fundamentalHz", round(c.fundamentalHz()));
            }
            ArrayNode top = node.putArray("top");
            if (c.topFeatures() != null) {
                for (TopFeature f : c.topFeatures()) {
                    ObjectNode t = top.addObject();
                    t.put("index", f.index());
                    t.put("label", f.label());
                    t.put("weight", round(f.weight()));
                }
            }
            if ("image".equals(kind)) {
                image(node, c.vector(), config.imageHeight(), config.imageWidth());
            } else {
                ArrayNode curve = node.putArray("curve");
                double[] v = c.vector();
                for (int from = 0; from < v.length; from += step) {
                    double max = 0;
                    for (int i = from; i < Math.min(v.length, from + step); i++) {
                        max = Math.max(max, v[i]);
                    }
                    curve.add(round(max));
                }
            }
        }
        return out;
    }

    /** The image, block means down to at most {@link #IMAGE_SIDE} a side. */
    private static void image(ObjectNode node, double[] v, int h, int w) {
        int f = Math.max(1, Math.max((h + IMAGE_SIDE - 1) / IMAGE_SIDE, (w + IMAGE_SIDE - 1) / IMAGE_SIDE));
        int oh = (h + f - 1) / f;
        int ow = (w + f - 1) / f;
        node.put("height", oh);
        node.put("width", ow);
        ArrayNode pixels = node.putArray("pixels");
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                double sum = 0;
                int n = 0;
                for (int yy = y * f; yy < Math.min(h, (y + 1) * f); yy++) {
                    for (int xx = x * f; xx < Math.min(w, (x + 1) * f); xx++) {
                        sum += v[yy * w + xx];
                        n++;
                    }
                }
                pixels.add(round(sum / n));
            }
        }
    }

    /** Four significant digits are enough for a picture and shorten the JSON. */
    private static double round(double x) {
        return x == 0 || !Double.isFinite(x) ? 0 : Double.parseDouble(String.format(Locale.ROOT, "%.4g", x));
    }
}
