#!/usr/bin/env -S /usr/bin/python3
"""Make a time-ordered music magnitude spectrogram for the NMF benchmarks.

Pieces of game music shipped by Debian (packages hyperrogue-music and asc-music)
are decoded with sox to mono 22,050 Hz 16-bit (sox -R: its dither repeatable, so the same
command makes the same file byte for byte) and concatenated piece after piece
in a fixed order (PIECES below: the three long asc-music pieces interleaved with the
hyperrogue-music ones), so the stream changes character whenever a new piece starts.
--order reversed or --order shuffled (with --seed) makes other streams of the same pieces,
for measuring on music that a setting was not chosen on.
Pieces are taken whole, in order, until --seconds is reached; the last one is cut.
Pieces whose file is missing are skipped (the sidecar lists the ones used).

The magnitude STFT is make_speech.py's (imported, not copied): int16 / 32768, periodic
Hann of 2048, hop 512, no centering, |rfft| -> 1025 bins, float32, shape (bins, frames),
C order. A sidecar JSON (OUT + ".json") records the pieces, their start frames and the
sha256 of the .npy and of the analysed WAV (stem + ".wav", kept next to OUT).

Prints a single JSON line (the sidecar content) on success; on failure prints a
message to stderr and exits non-zero.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_speech import HOP, SAMPLE_RATE, Fail, read_wav, save_spectrogram  # noqa: E402

HR = "/usr/share/hyperrogue/music/"
ASC = "/usr/share/games/asc/music/"
PIECES = [
    ASC + "frontiers.mp3",
    HR + "hr3-crossroads.ogg",
    HR + "hr3-desert.ogg",
    HR + "hr3-icyland.ogg",
    ASC + "machine_wars.mp3",
    HR + "hr-savino-caribbean.ogg",
    HR + "hr3-graveyard.ogg",
    HR + "hr-domina-mountain.ogg",
    ASC + "time_to_strike.mp3",
    HR + "hr3-hell.ogg",
    HR + "hr-savino-ivory.ogg",
    HR + "hr3-jungle.ogg",
    HR + "hr3-laboratory.ogg",
    HR + "hr3-rlyeh.ogg",
    HR + "hr-savino-ocean.ogg",
    HR + "hr3-caves.ogg",
    HR + "hr3-mirror.ogg",
    HR + "hr3-motion.ogg",
    HR + "hr-domina-hunting.ogg",
    HR + "hr-savino-palace.ogg",
]


def decode(path, tmpdir):
    """int16 mono 22,050 Hz samples of an audio file, decoded by sox."""
    wav = os.path.join(tmpdir, "piece.wav")
    r = subprocess.run(["sox", "-R", path, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", wav],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise Fail("sox could not decode %s: %s" % (path, r.stderr.strip()))
    ch, sw, sr, data = read_wav(wav)
    if (ch, sw, sr) != (1, 2, SAMPLE_RATE):
        raise Fail("sox wrote %d ch / %d bytes / %d Hz for %s" % (ch, sw, sr, path))
    return np.frombuffer(data, dtype="<i2").copy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output .npy path (e.g. bench/data/full/music.npy)")
    ap.add_argument("--seconds", type=float, default=1800.0,
                    help="audio length: whole pieces in order, the last one cut (default 1800)")
    ap.add_argument("--order", choices=("listed", "reversed", "shuffled"), default="listed",
                    help="the pieces in PIECES' order (default), reversed, or shuffled with --seed")
    ap.add_argument("--seed", type=int, default=0,
                    help="the shuffle's seed for --order shuffled (Python's random.Random(seed).shuffle)")
    args = ap.parse_args()

    if args.seconds <= 0:
        raise Fail("--seconds must be positive")
    if shutil.which("sox") is None:
        raise Fail("sox not found on PATH")
    out = args.out
    if not out.endswith(".npy"):
        raise Fail("--out must end with .npy")
    stem = out[:-4]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)

    pieces = list(PIECES)
    if args.order == "reversed":
        pieces.reverse()
    elif args.order == "shuffled":
        random.Random(args.seed).shuffle(pieces)
    need = int(round(args.seconds * SAMPLE_RATE))
    parts, used, have = [], [], 0
    with tempfile.TemporaryDirectory(prefix="make_music_") as tmp:
        for p in pieces:
            if have >= need:
                break
            if not os.path.isfile(p):
                continue
            s = decode(p, tmp)[:need - have]
            used.append({"file": p, "startSample": have, "startFrame": (have + HOP - 1) // HOP,
                         "seconds": len(s) / SAMPLE_RATE})
            parts.append(s)
            have += len(s)
    if not parts:
        raise Fail("no music found: install the Debian packages hyperrogue-music and asc-music")
    if have < need:
        raise Fail("the installed pieces give %.1f s < %.1f s requested" % (have / SAMPLE_RATE, args.seconds))
    samples = np.concatenate(parts)
    ver = subprocess.run(["sox", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    save_spectrogram(samples, out, stem + ".wav", {"pieces": used, "order": args.order, "orderSeed": args.seed, "decoder": ver}, {}, {})


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("make_music.py: error: %s" % e, file=sys.stderr)
        sys.exit(1)
