#!/usr/bin/env -S /usr/bin/python3
"""What a fresh `fit` pass has to fit into, and what HotSpot's compiler needs meanwhile (issues 11
and 15): for each data set, the pass a target rate allows, the pass `fit` takes in a fresh JVM, the
same learner's warm pass (compiled code only), and the C2 compiler's work during the fresh pass.

  bench/jit_budget.py [--jar target/nmf-stream.jar] [--repeats 3] NAME=DATA:RANK[:PEER_RATE:TARGET] ...

PEER_RATE is the fastest one-pass peer's columns/s (from bench/engine_speed.py in the same minutes)
and TARGET the issue's multiple of it (8 for audio frames, 5 for documents); the budget is then
n / (TARGET × PEER_RATE) seconds. Per data set:
- `fit DATA --rank RANK` under JFR (`jfr` from the JDK), `--repeats` times: the pass (`seconds`),
  the C2 compilations of the engine's code and of all code (seconds of compiling), how long the C2
  thread was compiling while the pass ran, and the CPU (in cores) of the C2 thread and of the main
  thread during the pass (JFR's jdk.ThreadCPULoad, every 100 ms); medians;
- bench/WarmPasses.java: six passes in one JVM; the warm pass is the median of passes 3-5.
Prints one JSON line per data set and a Markdown table.
"""
import argparse, datetime, json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ExecutionSample"><setting name="enabled">true</setting><setting name="period">2 ms</setting></event>
  <event name="jdk.Compilation"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
  <event name="jdk.ThreadCPULoad"><setting name="enabled">true</setting><setting name="period">100 ms</setting></event>
</configuration>
"""
LEARNING = ("learn", "partialFit")


def run(cmd):
    r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-3000:])
        raise SystemExit("failed: " + " ".join(cmd))
    return [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]


def events(recording, name):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "100", "--events", name, recording],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def seconds(duration):
    # JFR prints durations as ISO-8601 (PT0.0123S, PT1M2.5S)
    d = duration[2:]
    total = 0.0
    if "M" in d:
        minutes, d = d.split("M", 1)
        total += 60 * float(minutes)
    return total + (float(d[:-1]) if d.endswith("S") else 0.0)


def analyse(recording):
    """The pass's window (first to last main-thread sample inside OnlineNmf's learning), C2's work."""
    inside = []
    for e in events(recording, "jdk.ExecutionSample"):
        trace = e["values"]["stackTrace"]
        if trace and any(f["method"]["name"] in LEARNING and f["method"]["type"]["name"].endswith("/OnlineNmf")
                         for f in trace["frames"]):
            inside.append(instant(e["values"]["startTime"]))
    start, end = min(inside), max(inside)
    engine = every = busy = 0.0
    for e in events(recording, "jdk.Compilation"):
        v = e["values"]
        if v["compileLevel"] != 4:
            continue
        at, took = instant(v["startTime"]), seconds(v["duration"])
        every += took
        if v["method"]["type"]["name"].startswith("dev/nmfstream/"):
            engine += took
        busy += max(0.0, min(end, at + took) - max(start, at))
    cores = os.cpu_count()
    c2, main = [], []
    for e in events(recording, "jdk.ThreadCPULoad"):
        v = e["values"]
        if start <= instant(v["startTime"]) <= end:
            name = v["eventThread"]["javaName"] or ""
            load = (v["user"] + v["system"]) * cores
            if name.startswith("C2 "):
                c2.append(load)
            elif name == "main":
                main.append(load)
    mean = lambda x: sum(x) / len(x) if x else float("nan")
    return {"c2EngineSeconds": engine, "c2Seconds": every, "c2BusyInPass": busy,
            "c2Cores": mean(c2), "mainCores": mean(main)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(ROOT, "target", "nmf-stream.jar"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("sets", nargs="+", help="NAME=DATA:RANK or NAME=DATA:RANK:PEER_RATE:TARGET")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = os.path.join(tmp, "budget.jfc")
        with open(settings, "w") as f:
            f.write(SETTINGS)
        for spec in a.sets:
            name, rest = spec.split("=", 1)
            parts = rest.split(":")
            path, rank = parts[0], parts[1]
            row = {"set": name, "rank": int(rank), "load": os.getloadavg()[0]}
            fresh = []
            for i in range(a.repeats):
                recording = os.path.join(tmp, "fit%d.jfr" % i)
                out = run(["java", "-Xmx6g", "-XX:StartFlightRecording=filename=%s,settings=%s" % (recording, settings),
                           "-jar", a.jar, "fit", path, "--rank", rank, "-o", os.path.join(tmp, "W.npy")])[-1]
                fresh.append(dict(analyse(recording), seconds=out["seconds"], columns=out["columns"]))
            for key in fresh[0]:
                row[key] = statistics.median(x[key] for x in fresh)
            warm = run(["java", "-Xmx6g", "-cp", a.jar, os.path.join(ROOT, "bench", "WarmPasses.java"), path, rank, "6"])
            row["firstPassSeconds"] = warm[0]["seconds"]
            row["warmSeconds"] = statistics.median(p["seconds"] for p in warm[3:6])
            if len(parts) >= 4:
                row["peerRate"], row["target"] = float(parts[2]), float(parts[3])
                row["budgetSeconds"] = row["columns"] / (row["target"] * row["peerRate"])
            print(json.dumps(row), flush=True)
            rows.append(row)
    print()
    print("| data | r | columns | budget at target, s | fresh pass (fit), s | warm pass, s | C2 on the engine, s "
          "| C2 on everything, s | C2 compiling during the pass, s | C2 thread, cores | main thread, cores | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        budget = "%.2f (%g × %.0f/s)" % (r["budgetSeconds"], r["target"], r["peerRate"]) if "budgetSeconds" in r else "–"
        print("| %s | %d | %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |" % (
            r["set"], r["rank"], r["columns"], budget, r["seconds"], r["warmSeconds"], r["c2EngineSeconds"],
            r["c2Seconds"], r["c2BusyInPass"], r["c2Cores"], r["mainCores"], r["load"]))


if __name__ == "__main__":
    main()
