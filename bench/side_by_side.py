#!/usr/bin/env -S /usr/bin/python3
"""nmf-stream side by side with scikit-learn and gensim on the same data, in one run (issue 5).

Run through bench/run.sh (which installs the Debian packages and builds the jar first):

  bench/run.sh            full size (planted 100,000 columns, 30 min of speech, all man-page sections, digits)
  bench/run.sh --quick    small versions of every data set, for trying the pipeline (a few minutes)

Steps: make the data sets that are missing (bench/data/, git-ignored), run every method on every
data set one after another (results as JSON in bench/out/side/<quick|full>/<data set>/), then
write the tables into BENCHMARKS.md between the lines <!-- side-by-side:begin --> and
<!-- side-by-side:end --> (nothing else in the file changes) and the plots into bench/plots/.
--report-only redoes the last step from the stored results.

Methods (see bench/README.md for what each figure means):
  batch         scikit-learn NMF, cd, nndsvda, tol 1e-6, up to 5,000 iterations: the quality reference
  mb256/mb1024  scikit-learn MiniBatchNMF, one pass of partial_fit, batch 256 / 1024
  gensim256/gensim1024  gensim Nmf, one pass, chunk 256 / 1024
  fit           nmf-stream fit, defaults (3 runs: the same W each time, median throughput)
  fit-tuned     nmf-stream fit with the options of TUNED, where a data set has them
  stream        nmf-stream on the embedded broker (bench-stream --data): records produced before the
                service starts (a backlog: the throughput ratio to a passthrough topology), then
                again at half that rate while it runs (a live stream: "stream live")
Peers run with one BLAS thread (reference.py sets OMP/OPENBLAS/MKL_NUM_THREADS=1).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
BEGIN, END = "<!-- side-by-side:begin -->", "<!-- side-by-side:end -->"

# name, file, rank, how to make it (full, quick; "maker": the script that takes --out and those arguments,
# else make_data.py NAME, or the jar's generate for planted)
DATASETS = [
    {"name": "planted", "file": "planted.npy", "rank": 20, "truth": "planted.truth.npy",
     "label": "planted model (m = 500, r = 20, 20% dense W, Dirichlet(0.1), 5% noise)",
     "full": ["generate", "--rows", "500", "--columns", "100000", "--rank", "20", "--density", "0.2",
              "--alpha", "0.1", "--noise", "0.05", "--seed", "0"],
     "quick": ["generate", "--rows", "500", "--columns", "10000", "--rank", "20", "--density", "0.2",
               "--alpha", "0.1", "--noise", "0.05", "--seed", "0"]},
    {"name": "speech", "file": "speech1800.npy", "rank": 20,
     "label": "speech (espeak-ng reading GPL-3 then GPL-2, magnitude STFT, 1025 bins)", "maker": "bench/make_speech.py",
     "full": ["--seconds", "1800"], "quick": ["--seconds", "120"]},
    {"name": "music", "file": "music.npy", "rank": 20,
     "label": "time-ordered music (Debian's hyperrogue-music and asc-music, piece after piece, magnitude STFT, 1025 bins)",
     "maker": "bench/make_music.py",
     "full": ["--seconds", "1800"], "quick": ["--seconds", "600"]},
    {"name": "music-shuffled", "file": "music_shuffled7.npy", "rank": 20,
     "label": "the same music pieces in another order (make_music.py --order shuffled --seed 7; no default was chosen on it)",
     "maker": "bench/make_music.py",
     "full": ["--seconds", "1800", "--order", "shuffled", "--seed", "7"],
     "quick": ["--seconds", "600", "--order", "shuffled", "--seed", "7"]},
    {"name": "documents", "file": "documents.npz", "rank": 20,
     "label": "documents (man-page sections, TF-IDF, shuffled)",
     "full": [], "quick": ["--max-documents", "10000"]},
    {"name": "paragraphs", "file": "paragraphs.npz", "rank": 50,
     "label": "paragraphs (man pages, licenses and copyright notices cut into paragraphs, TF-IDF, shuffled)",
     "full": ["--min-words", "25"], "quick": ["--min-words", "25", "--max-documents", "10000"]},
    {"name": "digits", "file": "digits.npy", "rank": 10,
     "label": "scikit-learn digits (8 × 8 images)", "full": [], "quick": []},
]

# nmf-stream fit options tried where the defaults miss a target (only options fit already has);
# the reasons are in BENCHMARKS.md. Empty: no tuned run.
TUNED = {
    "planted": ["--batch", "64", "--forget", "schedule:3"],  # chosen on planted itself (of 9 settings tried)
    # documents: none since issue 11 (fit's sparse default, now 4096, replaced the mini-batch of 1024 this row set)
    "digits": ["--batch", "16", "--bootstrap", "64"],       # chosen on digits itself (of 11 settings tried)
}

PEERS = [("batch", ["--method", "batch", "--max-iter", "5000"]),
         ("mb256", ["--method", "minibatch", "--batch-size", "256"]),
         ("mb1024", ["--method", "minibatch", "--batch-size", "1024"]),
         ("gensim256", ["--method", "gensim", "--batch-size", "256"]),
         ("gensim1024", ["--method", "gensim", "--batch-size", "1024"]),
         ("gensim1000", ["--method", "gensim", "--batch-size", "1000"])]
ONE_PASS_PEERS = ["mb256", "mb1024", "gensim256", "gensim1024", "gensim1000"]
# peers run only on some data sets (gensim's default chunk of 1000 for the document sets of issue 11)
PEER_SETS = {"gensim1000": {"documents", "paragraphs"}}
LABELS = {"batch": "scikit-learn NMF (batch, converged)", "mb256": "scikit-learn MiniBatchNMF, batch 256",
          "mb1024": "scikit-learn MiniBatchNMF, batch 1024", "gensim256": "gensim Nmf, chunk 256",
          "gensim1024": "gensim Nmf, chunk 1024", "gensim1000": "gensim Nmf, chunk 1000", "fit": "**nmf-stream `fit`, defaults**",
          "fit-tuned": "**nmf-stream `fit`, tuned**", "stream": "**nmf-stream on the broker, backlog**",
          "stream-live": "**nmf-stream on the broker, live (½ rate)**"}

PLOT_LABELS = {"mb256": "MiniBatchNMF 256", "mb1024": "MiniBatchNMF 1024", "gensim256": "gensim 256",
               "gensim1024": "gensim 1024", "gensim1000": "gensim 1000", "fit": "nmf-stream fit", "fit-tuned": "nmf-stream fit, tuned",
               "stream": "nmf-stream broker, backlog", "stream-live": "nmf-stream broker, live"}


def log(msg):
    print("[side-by-side %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def run(cmd, out_json=None):
    """Runs cmd; its last stdout line is JSON (saved to out_json). Returns (dict, seconds)."""
    log(" ".join(cmd))
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    secs = time.time() - t0
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit("failed (exit %d): %s" % (r.returncode, " ".join(cmd)))
    line = [x for x in r.stdout.splitlines() if x.startswith("{")][-1]
    d = json.loads(line)
    d["_wallSeconds"] = secs
    d["_command"] = " ".join(cmd)
    if out_json:
        with open(out_json, "w") as f:
            json.dump(d, f)
    return d, secs


# ----------------------------------------------------------------------------- data

def make_data(ds, quick, jar, data_dir):
    path = os.path.join(data_dir, ds["file"])
    if os.path.exists(path):
        return path
    args = ds["quick"] if quick else ds["full"]
    if ds["name"] == "planted":
        run(["java", "-jar", jar] + args[:1] + ["-o", path] + args[1:])
    elif "maker" in ds:
        run([PY, ds["maker"], "--out", path] + args)
    else:
        run([PY, "bench/make_data.py", ds["name"], "--out", path] + args)
    return path


# ----------------------------------------------------------------------------- runs

def run_all(args):
    mode = "quick" if args.quick else "full"
    data_dir = os.path.join(ROOT, "bench", "data", mode)
    out_dir = os.path.join(ROOT, "bench", "out", "side", mode)
    os.makedirs(data_dir, exist_ok=True)
    t_start = time.time()
    only = set(args.only.split(",")) if args.only else None
    methods = set(args.methods.split(",")) if args.methods else None
    for ds in DATASETS:
        if only and ds["name"] not in only:
            continue
        path = make_data(ds, args.quick, args.jar, data_dir)
        d_out = os.path.join(out_dir, ds["name"])
        os.makedirs(d_out, exist_ok=True)
        r = str(ds["rank"])
        for name, opts in PEERS:
            if methods and name not in methods or name in PEER_SETS and ds["name"] not in PEER_SETS[name]:
                continue
            run([PY, "bench/reference.py", path, "--rank", r] + opts +
                (["--one-item", "2000"] if name != "batch" else []) +
                ["--out-w", os.path.join(d_out, name + ".W.npy")], os.path.join(d_out, name + ".json"))
        fits = [("fit", [])] + ([("fit-tuned", TUNED[ds["name"]])] if ds["name"] in TUNED else [])
        for name, opts in fits:
            if methods and name not in methods:
                continue
            runs = []
            for rep in range(3):
                d, _ = run(["java", "-Xmx6g", "-jar", args.jar, "fit", path, "--rank", r, "-o",
                            os.path.join(d_out, name + ".W.npy"), "--trace", os.path.join(d_out, name + ".trace.csv")]
                           + opts)
                runs.append(d)
            d = dict(runs[0])
            d["options"] = opts
            d["columnsPerSecondRuns"] = [x["columnsPerSecond"] for x in runs]
            d["projectionsPerSecondRuns"] = [x["projectionsPerSecond"] for x in runs]
            d["columnsPerSecond"] = float(np.median(d["columnsPerSecondRuns"]))
            d["projectionsPerSecond"] = float(np.median(d["projectionsPerSecondRuns"]))
            assert all(x["relativeError"] == d["relativeError"] for x in runs), "fit is not reproducible"
            with open(os.path.join(d_out, name + ".json"), "w") as f:
                json.dump(d, f)
        if not args.skip_broker and (not methods or "stream" in methods):
            # a sparse data set goes in as sparse JSON (the service then takes its sparse defaults)
            fmt_opts = ["--format", "json"] if path.endswith(".npz") else []
            run(["java", "-Xmx6g", "-jar", args.jar, "bench-stream", "--data", path, "--rank", r, "--paced", "0.5"]
                + fmt_opts + [
                 "--out-w", os.path.join(d_out, "stream.W.npy"), "--trace", os.path.join(d_out, "stream.trace.csv")],
                os.path.join(d_out, "stream.json"))
    total = time.time() - t_start
    info_path = os.path.join(out_dir, "run.json")
    this = {"seconds": total, "finished": time.strftime("%Y-%m-%d %H:%M"), "mode": mode,
            "only": args.only, "methods": args.methods, "skipBroker": args.skip_broker}
    if only or methods or args.skip_broker:     # a partial run: recorded beside the last complete one
        info = json.load(open(info_path)) if os.path.exists(info_path) else {}
        info.setdefault("partialRuns", []).append(this)
    else:
        info = this
    with open(info_path, "w") as f:
        json.dump(info, f)
    log("runs done in %.0f s" % total)


# ----------------------------------------------------------------------------- report

def load(out_dir, ds, name):
    p = os.path.join(out_dir, ds, name + ".json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        d = json.load(f)
    return d


def recovery(truth, W):
    from scipy.optimize import linear_sum_assignment
    T = truth / np.maximum(np.linalg.norm(truth, axis=0), 1e-300)
    L = W / np.maximum(np.linalg.norm(W, axis=0), 1e-300)
    C = T.T @ L
    rows, cols = linear_sum_assignment(-C)
    c = C[rows, cols]
    return float(c.mean()), float(c.min())


def trace_curve(kind, d, path, n):
    """(items, windowed prequential error) from a method's running sums (peers: in the JSON; nmf-stream: a CSV)."""
    if kind == "peer":
        t = np.array(d.get("trace") or [], dtype=float)
    elif os.path.exists(path):
        t = np.genfromtxt(path, delimiter=",", skip_header=1, ndmin=2)
    else:
        return None
    if t.size == 0:
        return None
    return _curve(t[:, 0], t[:, 1], t[:, 2], n)


def fmt(x, spec="%.4f"):
    return "—" if x is None else spec % x


def report(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    mode = "quick" if args.quick else "full"
    out_dir = os.path.join(ROOT, "bench", "out", "side", mode)
    data_dir = os.path.join(ROOT, "bench", "data", mode)
    plots = os.path.join(ROOT, "bench", "plots")
    os.makedirs(plots, exist_ok=True)
    runinfo = {}
    if os.path.exists(os.path.join(out_dir, "run.json")):
        runinfo = json.load(open(os.path.join(out_dir, "run.json")))
    lines, summary, bars = [], [], {}
    for ds in DATASETS:
        name = ds["name"]
        res = {m: load(out_dir, name, m) for m in ["batch"] + ONE_PASS_PEERS + ["fit", "fit-tuned", "stream"]}
        if res["batch"] is None:
            continue
        meta_p = os.path.join(data_dir, ds["file"] + ".json")
        meta = json.load(open(meta_p)) if os.path.exists(meta_p) else {}
        b = res["batch"]
        m, n = b["rows"], b["columns"]
        ref = b["relativeError"]
        truth = None
        if ds.get("truth") and os.path.exists(os.path.join(data_dir, ds["truth"])):
            truth = np.load(os.path.join(data_dir, ds["truth"]))
        peers_rate = {k: res[k]["columnsPerSecond"] for k in ONE_PASS_PEERS if res[k]}
        fastest = max(peers_rate, key=peers_rate.get)
        fastest_rate = peers_rate[fastest]
        one_item = {k: res[k].get("oneItemPerSecond") for k in ONE_PASS_PEERS if res[k] and res[k].get("oneItemPerSecond")}
        fastest_one = max(one_item.values()) if one_item else None
        nnz = meta.get("nnzPerColumn")
        lines.append("### %s: %s, m = %s, n = %s, rank %d%s" % (
            name, ds["label"], "{:,}".format(m), "{:,}".format(n), ds["rank"],
            ", %.1f nonzeros per column" % nnz if nnz else ""))
        lines.append("")
        lines.append("Batch reference: %d iterations, %s, %.0f s, relative error %.6f." % (
            b["iterations"], "converged" if b["converged"] else "**not converged**", b["seconds"], ref))
        lines.append("")
        head = ("| method | error (own weights) | × batch | error (exact NNLS weights) | × batch | prequential | × batch "
                "| columns/s | × fastest peer | one-item /s | × fastest peer's |" + (" recovery mean / worst |" if truth is not None else ""))
        lines.append(head)
        lines.append("|" + "---|" * (head.count("|") - 1))
        rows = []
        for k in ["batch"] + ONE_PASS_PEERS + ["fit", "fit-tuned", "stream", "stream-live"]:
            d = res.get(k) if k != "stream-live" else (res["stream"] or {}).get("paced")
            if not d:
                continue
            if k in ("stream", "stream-live"):
                own = nnls = d.get("relativeError")
                rate = res["stream"]["nmfPerSecond"] if k == "stream" else None
                one = None
                wfile = os.path.join(out_dir, name, "stream.W.npy" if k == "stream" else "stream.W.paced.npy")
            elif k.startswith("fit"):
                own = nnls = d["relativeError"]
                rate, one = d["columnsPerSecond"], d["projectionsPerSecond"]
                wfile = os.path.join(out_dir, name, k + ".W.npy")
            else:
                own, nnls = d["relativeError"], d["relativeErrorNnls"]
                rate = None if k == "batch" else d["columnsPerSecond"]
                one = d.get("oneItemPerSecond")
                wfile = os.path.join(out_dir, name, k + ".W.npy")
            preq = d.get("prequentialError")
            rec = None
            if truth is not None and os.path.exists(wfile):
                rec = recovery(truth, np.load(wfile))
            label = LABELS[k] + (" (`%s`)" % " ".join(d.get("options", [])) if k == "fit-tuned" else "")
            row = {"k": k, "own": own, "nnls": nnls, "preq": preq, "rate": rate, "one": one, "rec": rec}
            rows.append(row)
            cells = [label, fmt(own), fmt(own / ref if own else None, "%.3f"), fmt(nnls),
                     fmt(nnls / ref if nnls else None, "%.3f"), fmt(preq),
                     fmt(preq / ref if preq else None, "%.3f"),
                     fmt(rate, "{:,.0f}") if rate is None else "{:,.0f}".format(rate),
                     fmt(rate / fastest_rate if rate else None, "%.2f"),
                     "—" if one is None else "{:,.0f}".format(one),
                     fmt(one / fastest_one if one and fastest_one else None, "%.1f")]
            if truth is not None:
                cells.append("—" if rec is None else "%.4f / %.4f" % rec)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        s = res["stream"]
        if s:
            pc = s.get("paced", {})
            lines.append(("On the broker (`bench-stream --data`, %s records of %s bytes, 4 partitions, exactly-once): "
                          "passthrough %s records/s, nmf-stream %s records/s, **ratio %.2f**. The backlog run projected "
                          "its items with basis version %.1f on average (the last: %s; its factors had learned from %s of the %s "
                          "items); the live run, produced at %s records/s, with version %.1f (the last: %s, from %s "
                          "items).%s") % (
                "{:,}".format(s["records"]), "{:,.0f}".format(s["bytesPerRecord"]),
                "{:,.0f}".format(s["passthroughPerSecond"]), "{:,.0f}".format(s["nmfPerSecond"]), s["ratio"],
                s["meanBasisVersion"], s.get("factorsVersion"), "{:,}".format(s.get("factorsItemsSeen", 0)),
                "{:,}".format(s["records"]), "{:,.0f}".format(pc.get("ratePerSecond", 0)),
                pc.get("meanBasisVersion", 0), pc.get("factorsVersion"), "{:,}".format(pc.get("factorsItemsSeen", 0)),
                "" if "internalBytesPer1000Items" not in s else
                " Internal topics (stats, basis, changelogs): %s bytes per 1,000 items (%s); heap used at the end %.0f MiB%s."
                % ("{:,.0f}".format(s["internalBytesPer1000Items"]),
                   ", ".join("%s %s" % (k, "{:,.0f}".format(v)) for k, v in sorted(s["internalBytesPer1000"].items())
                             if v >= 1),
                   s.get("heapUsedMiB", 0), ", sparse defaults" if s.get("inputSparse") else "")))
            lines.append("")
        lines.append("![error against items seen, %s](bench/plots/error_%s.png)" % (name, name))
        lines.append("")
        summary.append((name, rows, ref, fastest, fastest_rate, fastest_one, s))
        bars[name] = {"peers": peers_rate, "fit": res["fit"]["columnsPerSecond"] if res["fit"] else None,
                      "fit-tuned": res["fit-tuned"]["columnsPerSecond"] if res["fit-tuned"] else None,
                      "stream": s["nmfPerSecond"] if s else None}
        # error against items seen
        fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=80)
        for k in ONE_PASS_PEERS + ["fit", "fit-tuned", "stream", "stream-live"]:
            d = res.get(k) if k != "stream-live" else res.get("stream")
            if not d:
                continue
            trace_file = {"stream-live": "stream.trace.paced.csv"}.get(k, k + ".trace.csv")
            c = trace_curve("peer" if k in ONE_PASS_PEERS else "java", d, os.path.join(out_dir, name, trace_file), n)
            if c is not None and len(c[0]):
                ax.plot(c[0], c[1], label=PLOT_LABELS[k], lw=1.8 if k.startswith("fit") else 1.1,
                        ls="--" if k.startswith("stream") else "-")
        ax.axhline(ref, color="k", ls=":", lw=1, label="batch NMF, final")
        ax.set_xlabel("items seen")
        ax.set_ylabel("prequential relative error\n(per window of n/40 items)")
        ax.set_title(name, fontsize=10)
        ax.set_ylim(0, min(1.0, max(2.5 * ref, 0.05)))
        ax.legend(fontsize=6, loc="upper right")
        fig.tight_layout()
        fig.savefig(os.path.join(plots, "error_%s.png" % name))
        plt.close(fig)
    # throughput bars
    if bars:
        fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=80)
        keys = ONE_PASS_PEERS + ["fit", "fit-tuned", "stream"]
        width = 0.8 / len(keys)
        for i, k in enumerate(keys):
            xs, ys = [], []
            for j, name in enumerate(bars):
                v = bars[name]["peers"].get(k) if k in ONE_PASS_PEERS else bars[name].get(k)
                if v:
                    xs.append(j + (i - len(keys) / 2 + 0.5) * width)
                    ys.append(v)
            if xs:
                ax.bar(xs, ys, width, label=PLOT_LABELS[k])
        ax.set_yscale("log")
        ax.set_xticks(range(len(bars)))
        ax.set_xticklabels(list(bars))
        ax.set_ylabel("learning pass, columns/s")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(os.path.join(plots, "throughput.png"))
        plt.close(fig)
    block = targets_block(summary, runinfo, mode) + [""] + lines
    write_block(block)


def _curve(items, r2, v2, n):
    step = max(1.0, n / 40.0)
    xs, ys, li, lr, lv = [], [], 0.0, 0.0, 0.0
    for i, r, v in zip(items, r2, v2):
        if i - li >= step or i == items[-1]:
            if v > lv:
                xs.append(i)
                ys.append(np.sqrt(max(r - lr, 0.0) / (v - lv)))
            li, lr, lv = i, r, v
    return np.array(xs), np.array(ys)


def targets_block(summary, runinfo, mode):
    out = []
    secs = runinfo.get("seconds")
    out.append("Generated by `bench/run.sh%s` on %s (%s; the whole command took %s). Every figure below comes from "
               "that one run; ratios compare methods measured in it. Peers: scikit-learn %s, gensim %s, one BLAS "
               "thread; nmf-stream: `java -jar` (scalar kernels), one thread for `fit`." % (
                   " --quick" if mode == "quick" else "", runinfo.get("finished", "?"), mode,
                   "%.0f min" % (secs / 60) if secs else "?", "1.2.1", "4.2.0"))
    for p in runinfo.get("partialRuns", []):
        out.append("")
        out.append("Added afterwards by `bench/run.sh%s%s%s` on %s (%.0f s): its results replace those methods' rows." % (
            " --only " + p["only"] if p.get("only") else "", " --methods " + p["methods"] if p.get("methods") else "",
            " --skip-broker" if p.get("skipBroker") else "", p["finished"], p["seconds"]))
    out.append("")
    out.append("| data set | final error ÷ batch (≤ 1.03) | prequential ÷ batch (≤ 1.10) | learning ÷ fastest one-pass "
               "peer (≥ 5) | one-item projection ÷ fastest peer's (≥ 50) | broker ÷ passthrough |")
    out.append("|---|---|---|---|---|---|")
    for name, rows, ref, fastest, fastest_rate, fastest_one, s in summary:
        byk = {r["k"]: r for r in rows}

        def cell(k, field, target, better_low, scale=1.0, spec="%.3f"):
            r = byk.get(k)
            if not r or r[field] is None:
                return "—"
            v = r[field] / scale
            ok = v <= target if better_low else v >= target
            return (spec % v) + (" yes" if ok else " **no**")

        parts = []
        for field, target, low, scale, spec in [("nnls", 1.03, True, ref, "%.3f"), ("preq", 1.10, True, ref, "%.3f"),
                                                 ("rate", 5, False, fastest_rate, "%.2f"),
                                                 ("one", 50, False, fastest_one or 1, "%.0f")]:
            c = cell("fit", field, target, low, scale, spec)
            if "fit-tuned" in byk:
                c += " (tuned: %s)" % cell("fit-tuned", field, target, low, scale, spec)
            parts.append(c)
        parts.append("%.2f" % s["ratio"] if s else "—")
        out.append("| %s | %s |" % (name, " | ".join(parts)))
    out.append("")
    out.append("The ratios are nmf-stream `fit` with its defaults (and, in brackets, with the options of a tuned "
               "run) against the references: batch NMF's error, the fastest one-pass peer's columns/s (the highest "
               "among MiniBatchNMF 256/1024 and gensim 256/1024 on that data set), the fastest peer's one-item "
               "rate (sklearn `transform(X[j:j+1])` or gensim `model[bow]`). The last column is the service on the "
               "embedded broker against a passthrough topology on the same records.")
    out.append("")
    out.append("How to read the tables below:")
    out.append("")
    out.append("- *error (own weights)* uses each method's own H, *exact NNLS* the optimum for its final W (the target "
               "uses this one); nmf-stream's own weights are exact, so the two agree.")
    out.append("- *prequential*: each mini-batch scored with the W from before it learned from that batch (on the "
               "broker: the published weights). The first batch is scored with the initial W.")
    out.append("- *on the broker, backlog*: every record is in the input topic before the service starts, as for the "
               "throughput ratio; the projectors then run ahead of the updater, so items are projected and learned "
               "from with older bases than in a live stream (the mean basis version is under each table), and the "
               "final factors are those of the newest snapshot within a minute after the last weights (under each "
               "table: how many items it had learned from). *live*: the same records produced at half that rate "
               "while a fresh service runs, as a stream arrives.")
    out.append("- Tuned options were chosen on the same data they are reported on (the defaults are what a user gets).")
    return out


def write_block(block):
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path, encoding="utf-8").read()
    body = BEGIN + "\n" + "\n".join(block).rstrip() + "\n" + END
    if BEGIN in text and END in text:
        a = text.index(BEGIN)
        b = text.index(END) + len(END)
        text = text[:a] + body + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n## Side by side with scikit-learn and gensim (issue 5)\n\n" + body + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    log("wrote %s (the side-by-side block) and bench/plots/" % path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default="target/nmf-stream.jar")
    ap.add_argument("--quick", action="store_true", help="small data sets (bench/data/quick, bench/out/side/quick)")
    ap.add_argument("--only", default=None, help="comma-separated data sets to run (default: all)")
    ap.add_argument("--methods", default=None,
                    help="comma-separated methods to run (batch, mb256, mb1024, gensim256, gensim1024, fit, fit-tuned, "
                         "stream; default: all)")
    ap.add_argument("--skip-broker", action="store_true", help="leave out the runs on the embedded broker")
    ap.add_argument("--report-only", action="store_true", help="only rewrite BENCHMARKS.md and the plots")
    args = ap.parse_args()
    if not args.report_only:
        run_all(args)
    report(args)


if __name__ == "__main__":
    main()
