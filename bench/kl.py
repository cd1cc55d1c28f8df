#!/usr/bin/env -S /usr/bin/python3
"""KL one pass: nmf-stream `fit --loss kl` against scikit-learn on speech and time-ordered music.

  bench/kl.py [--seconds 120] [--runs 3] [--rank 20]

Data (bench/data/kl/, git-ignored; made when missing):
  speech  bench/make_speech.py (espeak-ng reading the GPL), --seconds of it
  music   the Ogg Vorbis tracks of Debian's hyperrogue-music (the game HyperRogue's soundtrack),
          decoded with sox to 22,050 Hz mono 16-bit in file-name order and concatenated
          (time-ordered: one track after another), trimmed to --seconds
  both: magnitude STFT exactly as make_speech.py makes it (periodic Hann 2048, hop 512, 1025 bins).

Methods, each on the same (1025 × n) matrix V, items are the frames in time order:
  batch      scikit-learn NMF(beta_loss='kullback-leibler', solver='mu', init='nndsvda',
             max_iter=1000, tol=1e-6): the converged quality reference (once, seed 0)
  minibatch  scikit-learn MiniBatchNMF(beta_loss='kullback-leibler', batch_size=256, init='nndsvda'):
             ONE pass of partial_fit over consecutive chunks; timed: the partial_fit calls
  fit        java -jar target/nmf-stream.jar fit V --rank 20 --loss kl (defaults); timed: its learning pass
Final divergence: D(V‖W H) = Σ v ln(v / (W H)) − v + W H with each method's final W and H from a
converged projection (batch: its own H; minibatch: model.transform; fit: its KL projection, certified
within 1e-4 · Σ v per item). Reported as ratio to batch. Throughput: columns per second of the
learning pass, as a ratio fit / minibatch. Peers run with one BLAS thread (OMP/OPENBLAS/MKL_NUM_THREADS=1,
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset). The medians over --runs seeds are printed as JSON and as a
Markdown table (for BENCHMARKS.md).
"""
import argparse
import glob
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
DATA = os.path.join(ROOT, "bench", "data", "kl")
OUT = os.path.join(ROOT, "bench", "out", "kl")
MUSIC = "/usr/share/hyperrogue/music"


def log(msg):
    sys.stderr.write("[kl] %s\n" % msg)
    sys.stderr.flush()


def peer_env():
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[v] = "1"
    for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(v, None)
    return env


def make_speech(seconds):
    path = os.path.join(DATA, "speech.npy")
    if not os.path.exists(path):
        subprocess.run([PY, os.path.join(ROOT, "bench", "make_speech.py"), "--out", path, "--seconds", str(seconds)],
                       check=True, env=peer_env(), stdout=subprocess.DEVNULL)
    return path


def make_music(seconds):
    import numpy as np
    path = os.path.join(DATA, "music.npy")
    if os.path.exists(path):
        return path
    spec = importlib.util.spec_from_file_location("make_speech", os.path.join(ROOT, "bench", "make_speech.py"))
    ms = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ms)
    tracks = sorted(glob.glob(os.path.join(MUSIC, "*.ogg")))
    if not tracks:
        raise SystemExit("no music: apt-get install hyperrogue-music sox libsox-fmt-all")
    parts, total = [], 0
    need = int(seconds * 22050)
    for t in tracks:
        wav = os.path.join(DATA, "track.wav")
        subprocess.run(["sox", "-R", "-V1", t, "-r", "22050", "-c", "1", "-b", "16", "-e", "signed-integer", wav],
                       check=True)
        _, _, _, raw = ms.read_wav(wav)
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
        os.remove(wav)
        parts.append(x)
        total += len(x)
        if total >= need:
            break
    x = np.concatenate(parts)[:need]
    V = ms.stft_magnitude(x).astype(np.float32)
    np.save(path, V)
    with open(path + ".json", "w") as f:
        json.dump({"tracks": [os.path.basename(t) for t in tracks[:len(parts)]], "seconds": seconds,
                   "shape": list(V.shape)}, f)
    return path


def divergence(V, WH):
    import numpy as np
    WH = np.maximum(WH, 1e-300)
    pos = V > 0
    return float(np.sum(V[pos] * np.log(V[pos] / WH[pos])) - V.sum() + WH.sum())


def peer(args):
    """Runs one scikit-learn method (in its own process, one BLAS thread); prints one JSON line."""
    import numpy as np
    from sklearn.decomposition import NMF, MiniBatchNMF
    V = np.load(args.data).astype(np.float64)
    X = np.ascontiguousarray(V.T)
    n = X.shape[0]
    res = {"method": args.peer, "seed": args.seed, "columns": n}
    if args.peer == "batch":
        model = NMF(n_components=args.rank, beta_loss="kullback-leibler", solver="mu", init="nndsvda",
                    max_iter=1000, tol=1e-6, random_state=args.seed)
        t0 = time.perf_counter()
        H = model.fit_transform(X)
        res["seconds"] = time.perf_counter() - t0
        res["iterations"] = int(model.n_iter_)
        W = model.components_
    else:
        model = MiniBatchNMF(n_components=args.rank, beta_loss="kullback-leibler", batch_size=args.batch,
                             init="nndsvda", random_state=args.seed)
        secs = 0.0
        for s in range(0, n, args.batch):
            t0 = time.perf_counter()
            model.partial_fit(X[s:s + args.batch])
            secs += time.perf_counter() - t0
        res["seconds"] = secs
        W = model.components_
        H = model.transform(X)
    res["columnsPerSecond"] = n / res["seconds"]
    d = divergence(X, H @ W)
    res["divergence"] = d
    res["relativeDivergence"] = d / float(X.sum())
    print(json.dumps(res))


def run_json(cmd, env=None):
    log(" ".join(cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit("failed: " + " ".join(cmd))
    return json.loads([x for x in r.stdout.splitlines() if x.startswith("{")][-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=120.0, help="audio per data set (default 120)")
    ap.add_argument("--runs", type=int, default=3, help="seeds of the one-pass methods (default 3)")
    ap.add_argument("--rank", type=int, default=20)
    ap.add_argument("--batch", type=int, default=256, help="MiniBatchNMF batch size (default 256)")
    ap.add_argument("--jar", default="target/nmf-stream.jar")
    ap.add_argument("--only", default="speech,music")
    ap.add_argument("--peer", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:
        peer(args)
        return
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    makers = {"speech": make_speech, "music": make_music}
    summary = {}
    for name in args.only.split(","):
        path = makers[name](args.seconds)
        runs = {"batch": [], "minibatch": [], "fit": []}
        runs["batch"].append(run_json([PY, __file__, "--peer", "batch", "--data", path, "--rank", str(args.rank),
                                       "--seed", "0"], peer_env()))
        for seed in range(args.runs):
            runs["minibatch"].append(run_json([PY, __file__, "--peer", "minibatch", "--data", path, "--rank",
                                               str(args.rank), "--batch", str(args.batch), "--seed", str(seed)],
                                              peer_env()))
            w = os.path.join(OUT, "%s-W-%d.npy" % (name, seed))
            runs["fit"].append(run_json(["java", "-jar", args.jar, "fit", path, "--rank", str(args.rank), "--loss",
                                         "kl", "--seed", str(seed), "-o", w]))
        ref = runs["batch"][0]["divergence"]
        s = {"columns": runs["batch"][0]["columns"], "batchRelativeDivergence": runs["batch"][0]["relativeDivergence"],
             "batchIterations": runs["batch"][0]["iterations"], "batchSeconds": runs["batch"][0]["seconds"]}
        for m in ("minibatch", "fit"):
            s[m + "Ratio"] = statistics.median(r["divergence"] / ref for r in runs[m])
            s[m + "Ratios"] = [r["divergence"] / ref for r in runs[m]]
            s[m + "ColumnsPerSecond"] = statistics.median(r["columnsPerSecond"] for r in runs[m])
        s["throughputRatio"] = statistics.median(
            f["columnsPerSecond"] / mb["columnsPerSecond"] for f, mb in zip(runs["fit"], runs["minibatch"]))
        summary[name] = s
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"summary": s, "runs": runs}, f, indent=1)
        log("%s: %s" % (name, json.dumps(s)))
    print(json.dumps(summary))
    print("| data | n | batch KL-NMF D/Σv | fit --loss kl ÷ batch | MiniBatchNMF ÷ batch | fit col/s | "
          "MiniBatchNMF col/s | throughput ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name, s in summary.items():
        print("| %s | %d | %.4f | %.3f | %.3f | %.0f | %.0f | %.1f× |" % (
            name, s["columns"], s["batchRelativeDivergence"], s["fitRatio"], s["minibatchRatio"],
            s["fitColumnsPerSecond"], s["minibatchColumnsPerSecond"], s["throughputRatio"]))


if __name__ == "__main__":
    main()
