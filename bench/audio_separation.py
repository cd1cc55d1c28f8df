#!/usr/bin/python3
"""Supervised speech + music separation at 0 dB: the service with a fixed basis against converged
batch NMF (scikit-learn) under the same templates and the same masks, in one run.

Templates: `fit` (r = 20 per source) on the spectrograms of clean recordings (speech: espeak-ng,
one text; music: two tracks of Debian's asc-music), joined by `join-bases` into W (1025 x 40).
Test: other recordings of the same kinds (another text; a third track), mixed at 0 dB.
Service path: `run` (embedded broker, nmf.learning=false, nmf.basis.file=W) <- `produce-audio`
mix, then `separate --weights topic --groups 0-19,20-39`. Peer: scikit-learn's
non_negative_factorization with H = W^T fixed (update_H=False), converged, on the same
spectrogram (`spectrogram` mix), its activations passed to `separate --weights-file`, so the
masks and the inverse STFT are the same code. Prints one JSON line per path with the SDR of each
source and its improvement over the mixture (SDR = 10 log10(|s|^2 / |s - s_hat|^2)).

Needs: espeak-ng, sox, libsox-fmt-mp3, asc-music, python3-numpy, python3-scipy, python3-sklearn
(apt-get install -y espeak-ng sox libsox-fmt-mp3 asc-music python3-sklearn) and the built jar.
  /usr/bin/python3 bench/audio_separation.py [--loss frobenius|kl] [--set KEY=VALUE ...] [--fit-arg ARG ...]
--loss kl passes `--loss kl` to fit, `--set nmf.loss=kl` to the service and beta_loss to scikit-learn.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

os.environ.pop("OPENBLAS_CORETYPE", None)
os.environ.pop("OPENBLAS_L2_SIZE", None)
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from scipy.io import wavfile  # noqa: E402
from sklearn.decomposition import non_negative_factorization  # noqa: E402

RATE = 22050
MUSIC = "/usr/share/games/asc/music"
TRAIN_TEXT = (
    "The north wind and the sun were disputing which was the stronger, when a traveler came along wrapped in a "
    "warm cloak. They agreed that the one who first succeeded in making the traveler take his cloak off should be "
    "considered stronger than the other. Then the north wind blew as hard as he could, but the more he blew the "
    "more closely did the traveler fold his cloak around him; and at last the north wind gave up the attempt. "
    "Then the sun shined out warmly, and immediately the traveler took off his cloak. And so the north wind was "
    "obliged to confess that the sun was the stronger of the two. Please call Stella. Ask her to bring these "
    "things with her from the store: six spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a "
    "snack for her brother Bob.")
TEST_TEXT = (
    "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow. The rainbow is a "
    "division of white light into many beautiful colors. These take the shape of a long round arch, with its path "
    "high above, and its two ends apparently beyond the horizon. There is, according to legend, a boiling pot of "
    "gold at one end. People look, but no one ever finds it. When a man looks for something beyond his reach, his "
    "friends say he is looking for the pot of gold at the end of the rainbow.")


def sh(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, **kw)


def java(jar, *args):
    r = subprocess.run(["java", "-jar", jar] + [str(a) for a in args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("nmf-stream %s failed (%d):\n%s%s" % (args[0], r.returncode, r.stdout, r.stderr))
    return r.stdout


def read(path):
    rate, x = wavfile.read(path)
    assert rate == RATE, (path, rate)
    x = x.astype(np.float64)
    if x.dtype.kind == "i":
        x /= 32768.0
    return x if x.ndim == 1 else x.mean(axis=1)


def make_data(work):
    os.makedirs(work, exist_ok=True)
    done = os.path.join(work, "mix.wav")
    if os.path.exists(done):
        return
    for name, text in (("speech-train", TRAIN_TEXT), ("speech-test", TEST_TEXT)):
        raw = os.path.join(work, name + "-raw.wav")
        sh("espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, text)
        sh("sox", "-R", raw, "-r", RATE, "-c", "1", "-b", "16", os.path.join(work, name + ".wav"))
    # music: two tracks to learn from, a third to test on
    sh("sox", "-R", os.path.join(MUSIC, "frontiers.mp3"), "-r", RATE, "-c", "1", "-b", "16",
       os.path.join(work, "music-train-1.wav"), "trim", "10", "45")
    sh("sox", "-R", os.path.join(MUSIC, "machine_wars.mp3"), "-r", RATE, "-c", "1", "-b", "16",
       os.path.join(work, "music-train-2.wav"), "trim", "10", "45")
    sh("sox", "-R", os.path.join(MUSIC, "time_to_strike.mp3"), "-r", RATE, "-c", "1", "-b", "16",
       os.path.join(work, "music-test.wav"), "trim", "20", "40")
    s = read(os.path.join(work, "speech-test.wav"))
    m = read(os.path.join(work, "music-test.wav"))
    n = min(len(s), len(m))
    s, m = s[:n], m[:n]
    m = m * np.sqrt(np.sum(s ** 2) / np.sum(m ** 2))  # 0 dB
    peak = np.max(np.abs(s + m))
    s, m = 0.9 * s / peak, 0.9 * m / peak
    wavfile.write(os.path.join(work, "s-speech.wav"), RATE, s.astype(np.float32))
    wavfile.write(os.path.join(work, "s-music.wav"), RATE, m.astype(np.float32))
    wavfile.write(done, RATE, (s + m).astype(np.float32))


def sdr(s, est):
    return 10 * np.log10(np.sum(s ** 2) / np.sum((s - est) ** 2))


def free_port():
    with socket.socket() as k:
        k.bind(("127.0.0.1", 0))
        return k.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default="target/nmf-stream.jar")
    ap.add_argument("--work", default="target/bench-audio/separation")
    ap.add_argument("--loss", default="frobenius", choices=["frobenius", "kl"])
    ap.add_argument("--rank", type=int, default=20, help="components per source")
    ap.add_argument("--set", action="append", default=[], help="a service setting KEY=VALUE (repeatable)")
    ap.add_argument("--fit-arg", action="append", default=[], help="an extra argument for fit (repeatable)")
    a = ap.parse_args()
    work = a.work
    make_data(work)
    r = a.rank
    fit_extra = list(a.fit_arg) + (["--loss", "kl"] if a.loss == "kl" else [])
    tag = a.loss
    # templates
    for src, files in (("speech", ["speech-train.wav"]), ("music", ["music-train-1.wav", "music-train-2.wav"])):
        v = os.path.join(work, "V-%s.npy" % src)
        java(a.jar, "spectrogram", *[os.path.join(work, f) for f in files], "-o", v)
        java(a.jar, "fit", v, "--rank", r, "--seed", "0", "-o", os.path.join(work, "W-%s-%s.npy" % (src, tag)),
             *fit_extra)
    w = os.path.join(work, "W-%s.npy" % tag)
    java(a.jar, "join-bases", os.path.join(work, "W-speech-%s.npy" % tag), os.path.join(work, "W-music-%s.npy" % tag),
         "-o", w)
    groups = "0-%d,%d-%d" % (r - 1, r, 2 * r - 1)
    mix = os.path.join(work, "mix.wav")
    s = read(os.path.join(work, "s-speech.wav"))
    m = read(os.path.join(work, "s-music.wav"))
    x = read(mix)
    rows = []

    def score(path, parts_dir, seconds):
        est_s = read(os.path.join(parts_dir, "mix.part0.wav"))
        est_m = read(os.path.join(parts_dir, "mix.part1.wav"))
        row = {"path": path, "loss": a.loss, "rankPerSource": r,
               "sdrSpeech": sdr(s, est_s), "sdrMusic": sdr(m, est_m),
               "sdriSpeech": sdr(s, est_s) - sdr(s, x), "sdriMusic": sdr(m, est_m) - sdr(m, x),
               "seconds": seconds}
        rows.append(row)
        print(json.dumps(row), flush=True)

    # the service with the fixed basis
    port = free_port()
    settings = ["nmf.rank=%d" % (2 * r), "nmf.dimension=1025", "nmf.learning=false", "nmf.basis.file=" + w,
                "nmf.audio.sample.rate=%d" % RATE, "nmf.audio.n.fft=2048", "nmf.embedded.port=%d" % port,
                "nmf.partitions=2"] + (["nmf.loss=kl"] if a.loss == "kl" else []) + a.set
    run_args = ["java", "-jar", a.jar, "run", "--data-dir", os.path.join(work, "service-" + tag)]
    for kv in settings:
        run_args += ["--set", kv]
    log = open(os.path.join(work, "service-%s.log" % tag), "w")
    service = subprocess.Popen(run_args, stdout=log, stderr=subprocess.STDOUT)
    try:
        bootstrap = "localhost:%d" % port
        t0 = time.time()
        java(a.jar, "produce-audio", mix, "-b", bootstrap, "--timeout", "120")
        parts = os.path.join(work, "parts-service-" + tag)
        java(a.jar, "separate", mix, "--basis", w, "--weights", "topic", "-b", bootstrap, "--groups", groups,
             "-o", parts, "--idle-seconds", "60")
        score("service", parts, time.time() - t0)
    finally:
        service.terminate()
        service.wait(60)
        log.close()
    # converged batch NMF, same templates, same spectrogram, same masks
    vmix = os.path.join(work, "V-mix.npy")
    java(a.jar, "spectrogram", mix, "-o", vmix)
    V = np.load(vmix)
    Wt = np.load(w)
    t0 = time.time()
    beta = "kullback-leibler" if a.loss == "kl" else "frobenius"
    solver = "mu" if a.loss == "kl" else "cd"
    H0 = np.full((V.shape[1], 2 * r), 1e-2)
    acts, _, iters = non_negative_factorization(V.T, W=H0, H=np.ascontiguousarray(Wt.T), n_components=2 * r,
                                                init="custom", update_H=False, solver=solver, beta_loss=beta,
                                                tol=1e-10, max_iter=20000)
    hfile = os.path.join(work, "H-batch-%s.npy" % tag)
    np.save(hfile, np.ascontiguousarray(acts.T))
    parts = os.path.join(work, "parts-batch-" + tag)
    java(a.jar, "separate", mix, "--basis", w, "--weights-file", hfile, "--groups", groups, "-o", parts)
    score("batch-sklearn (%s, %d iterations)" % (solver, iters), parts, time.time() - t0)
    svc, bat = rows
    print(json.dumps({"loss": a.loss,
                      "serviceMinusBatchSpeechDb": svc["sdriSpeech"] - bat["sdriSpeech"],
                      "serviceMinusBatchMusicDb": svc["sdriMusic"] - bat["sdriMusic"]}), flush=True)


if __name__ == "__main__":
    main()
