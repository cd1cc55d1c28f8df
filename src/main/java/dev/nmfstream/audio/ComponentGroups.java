package dev.nmfstream.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/** Groups of components, as a user names them: {@code 0-9,10-19} or {@code 0,2,4-6}. */
public final class ComponentGroups {

    private ComponentGroups() {}

    /**
     * Parses groups separated by commas, each a component or a range {@code a-b} (inclusive);
     * several ranges joined by {@code +} make one group ({@code 0-4+10-14}). Components named in
     * no group form one more group, last, so that the parts still sum to the input.
     *
     * @param spec the groups, or null or blank for one group per component
     * @param r the rank
     * @throws IllegalArgumentException naming the item that is out of range, repeated or not a number
     */
    public static int[][] parse(String spec, int r) {
        if (spec == null || spec.isBlank()) {
            int[][] each = new int[r][];
            for (int k = 0; k < r; k++) {
                each[k] = new int[] {k};
            }
            return each;
        }
        boolean[] seen = new boolean[r];
        List<int[]> groups = new ArrayList<>();
        for (String group : spec.split(",")) {
            List<Integer> members = new ArrayList<>();
            for (String item : group.split("\\+")) {
                String t = item.trim();
                int dash = t.indexOf('-', 1);
                int from;
                int to;
                try {
                    from = Integer.parseInt(dash < 0 ? t : t.substring(0, dash).trim());
                    to = dash < 0 ? from : Integer.parseInt(t.substring(dash + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("group '" + t + "', expected a component or a range a-b");
                }
                if (from < 0 || to >= r || from > to) {
                    throw new IllegalArgumentException("group '" + t + "', expected components in [0, " + (r - 1)
                            + "], a range from low to high");
                }
                for (int k = from; k <= to; k++) {
                    if (seen[k]) {
                        throw new IllegalArgumentException("component " + k + " is in two groups, expected one");
                    }
                    seen[k] = true;
                    members.add(k);
                }
            }
            groups.add(members.stream().mapToInt(Integer::intValue).toArray());
        }
        int[] rest = IntStream.range(0, r).filter(k -> !seen[k]).toArray();
        if (rest.length > 0) {
            groups.add(rest);
        }
        return groups.toArray(new int[0][]);
    }

    /** Checks that every component of [0, r) is in exactly one group; returns the groups. */
    static int[][] check(int[][] groups, int r) {
        int[] count = new int[r];
        for (int[] g : groups) {
            if (g.length == 0) {
                throw new IllegalArgumentException("an empty group, expected at least one component each");
            }
            for (int k : g) {
                if (k < 0 || k >= r) {
                    throw new IllegalArgumentException("component " + k + ", expected one in [0, " + (r - 1) + "]");
                }
                count[k]++;
            }
        }
        for (int k = 0; k < r; k++) {
            if (count[k] != 1) {
                throw new IllegalArgumentException("component " + k + " is in " + count[k] + " groups, expected 1 "
                        + "(groups " + Arrays.deepToString(groups) + ")");
            }
        }
        return groups;
    }
}
