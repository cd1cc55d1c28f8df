#!/usr/bin/env -S /usr/bin/python3
"""The engine's speed against the one-pass peers, in one run (issue 15): learning rate of `fit` with
its defaults in a fresh JVM, on 1 and 2 threads, and of scikit-learn MiniBatchNMF (batch 256, 1024)
and gensim Nmf (chunk 1000 and 1024), one BLAS thread, on dense (.npy) or sparse (.npz) data sets.

  bench/engine_speed.py [--jar target/nmf-stream.jar] [--repeats 3] NAME=DATA.npy|DATA.npz:RANK ...

Each peer runs once per data set (bench/reference.py, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset),
each fit `--repeats` times per thread count; the fits' median is divided by the fastest peer's rate.
Prints one JSON line per data set and a Markdown table (stdout). Run it on a quiet machine: every
figure is a wall-clock rate.
"""
import argparse, json, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
PEERS = [("mb256", ["--method", "minibatch", "--batch-size", "256"]),
         ("mb1024", ["--method", "minibatch", "--batch-size", "1024"]),
         ("gensim1000", ["--method", "gensim", "--batch-size", "1000"]),
         ("gensim1024", ["--method", "gensim", "--batch-size", "1024"])]


def last_json(cmd, env=None):
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-3000:])
        raise SystemExit("failed: " + " ".join(cmd))
    return json.loads([x for x in r.stdout.splitlines() if x.startswith("{")][-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(ROOT, "target", "nmf-stream.jar"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-peers", action="store_true", help="only the fits (ratios then not computed)")
    ap.add_argument("sets", nargs="+", help="NAME=DATA.npy:RANK or NAME=DATA.npz:RANK")
    a = ap.parse_args()
    peer_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    rows = []
    for spec in a.sets:
        name, rest = spec.split("=", 1)
        path, rank = rest.rsplit(":", 1)
        row = {"set": name, "data": path, "rank": int(rank), "started": time.strftime("%H:%M:%S"),
               "load": os.getloadavg()[0]}
        if not a.no_peers:
            for peer, opts in PEERS:
                d = last_json([PY, "bench/reference.py", path, "--rank", rank] + opts, env=peer_env)
                row[peer] = d["columns"] / d["seconds"]
            row["fastestPeer"] = max(PEERS, key=lambda p: row[p[0]])[0]
        for threads in (1, 2):
            runs = []
            for _ in range(a.repeats):
                runs.append(last_json(["java", "-Xmx6g", "-jar", a.jar, "fit", path, "--rank", rank,
                                       "--threads", str(threads), "-o", "/tmp/engine_speed.W.npy"]))
            rates = [x["columnsPerSecond"] for x in runs]
            row["fit%dRuns" % threads] = rates
            row["fit%d" % threads] = statistics.median(rates)
            row["relativeError"] = runs[0]["relativeError"]
            row["prequentialError"] = runs[0]["prequentialError"]
            row["flopsPerColumn"] = runs[0].get("flopsPerColumn")
            if runs[0].get("flopsPerColumn"):
                row["gflops%d" % threads] = runs[0]["flopsPerColumn"] * row["fit%d" % threads] / 1e9
        row["threadSpeedup"] = row["fit2"] / row["fit1"]
        if not a.no_peers:
            row["ratio"] = row["fit1"] / row[row["fastestPeer"]]
        print(json.dumps(row), flush=True)
        rows.append(row)
    print()
    print("| data | r | MiniBatchNMF 256 | MiniBatchNMF 1024 | gensim 1000 | gensim 1024 | fit, 1 thread (runs) | ÷ fastest peer "
          "| fit, 2 threads | 2 ÷ 1 | flops/column | GFLOP/s (1 thread) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        peers = ["%.0f" % r[p] if p in r else "–" for p, _ in PEERS]
        print("| %s | %d | %s | %s | %s | %s | %.0f (%s) | %s | %.0f | %.2f | %s | %s | %.1f |" % (
            r["set"], r["rank"], *peers, r["fit1"], " / ".join("%.0f" % x for x in r["fit1Runs"]),
            "%.2f" % r["ratio"] if "ratio" in r else "–", r["fit2"], r["threadSpeedup"],
            "%.0f" % r["flopsPerColumn"] if r.get("flopsPerColumn") else "–",
            "%.1f" % r["gflops1"] if "gflops1" in r else "–", r["load"]))


if __name__ == "__main__":
    main()
