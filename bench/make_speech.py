#!/usr/bin/env -S /usr/bin/python3
"""Make a speech magnitude spectrogram for the NMF benchmarks.

espeak-ng reads a long public plain text shipped with Debian (default: the GNU
GPL version 3 in /usr/share/common-licenses/GPL-3; further license texts are
appended only if the first one is too short for --seconds). The WAV is 22,050 Hz
mono 16-bit (espeak-ng's native format; sox is called only if a file is not in
that format). The audio is trimmed to exactly --seconds, and the magnitude STFT
is computed in numpy:

  * samples: int16 / 32768 (float64, range [-1, 1))
  * window: periodic Hann of length 2048, w[k] = 0.5 - 0.5 cos(2 pi k / 2048)
  * hop 512; NO centering/padding: frame t covers samples [512 t, 512 t + 2048),
    n = 1 + floor((L - 2048) / 512) frames (only whole frames)
  * |rfft| without any normalisation -> 1025 frequency bins

Saved with np.save as float32, shape (m, n) = (1025 bins, frames), C order:
rows are frequency bins, columns are items (frames). A sidecar JSON (OUT + ".json")
records the parameters; the spoken text (OUT stem + ".txt"), espeak-ng's raw WAV
(stem + ".raw.wav") and the trimmed WAV actually analysed (stem + ".wav") are kept
next to OUT.

Prints a single JSON line (the sidecar content) on success; on failure prints a
message to stderr and exits non-zero.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

SAMPLE_RATE = 22050
N_FFT = 2048
HOP = 512
DEFAULT_TEXTS = [
    "/usr/share/common-licenses/GPL-3",
    "/usr/share/common-licenses/GPL-2",
    "/usr/share/common-licenses/LGPL-2.1",
    "/usr/share/common-licenses/GFDL-1.3",
    "/usr/share/common-licenses/MPL-2.0",
    "/usr/share/common-licenses/Apache-2.0",
]


class Fail(Exception):
    pass


def clean_text(raw):
    """Strip a license text to plain words plus sentence punctuation.

    Paragraphs (blank-line separated) become one line each. URLs, e-mail
    addresses, digits, brackets and other symbols are dropped; "--" becomes a
    comma. Kept: ASCII words (with inner apostrophes/hyphens) and . , ; : ? !
    """
    paras = re.split(r"\n\s*\n", raw)
    out = []
    for p in paras:
        p = re.sub(r"<[^>]*>", " ", p)             # <https://...>, <name@host>
        p = re.sub(r"\b\w+://\S+", " ", p)           # bare URLs
        p = re.sub(r"\S+@\S+", " ", p)               # e-mail addresses
        p = p.replace("--", ", ")
        toks = re.findall(r"[A-Za-z]+(?:['-][A-Za-z]+)*|[.,;:?!]", p)
        # drop punctuation that does not follow a word (e.g. after removed numbers)
        clean = []
        for t in toks:
            if t in ".,;:?!":
                if clean and clean[-1] not in ".,;:?!":
                    clean.append(t)
            else:
                clean.append(t)
        if sum(1 for t in clean if t not in ".,;:?!") == 0:
            continue
        line = ""
        for t in clean:
            line += t if (t in ".,;:?!" or not line) else " " + t
        if line[-1] not in ".?!":
            line = line.rstrip(",;:") + "."
        out.append(line)
    return out


def truncate_paragraphs(paras, max_words):
    """Keep whole sentences until at least max_words words are kept."""
    kept, count = [], 0
    for p in paras:
        if count >= max_words:
            break
        words_in = len(p.split())
        if count + words_in <= max_words:
            kept.append(p)
            count += words_in
            continue
        # cut inside this paragraph at the first sentence end after the budget
        toks = p.split(" ")
        acc = []
        for t in toks:
            acc.append(t)
            count += 1
            if count >= max_words and t[-1] in ".?!":
                break
        line = " ".join(acc)
        if line[-1] not in ".?!":
            line = line.rstrip(",;:") + "."
        kept.append(line)
    return kept, count


def read_wav(path):
    with wave.open(path, "rb") as w:
        ch, sw, sr, nf = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        data = w.readframes(nf)
    return ch, sw, sr, data


def espeak(text_path, wav_path, voice, speed):
    cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-b", "1", "-w", wav_path, "-f", text_path]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0 or not os.path.exists(wav_path):
        raise Fail("espeak-ng failed (%s): %s" % (" ".join(cmd), r.stderr.strip()))


def ensure_format(wav_path, tmpdir):
    """Return int16 mono 22,050 Hz samples; convert with sox only if needed."""
    ch, sw, sr, data = read_wav(wav_path)
    converted = False
    if (ch, sw, sr) != (1, 2, SAMPLE_RATE):
        if shutil.which("sox") is None:
            raise Fail("WAV is %d ch / %d bytes / %d Hz and sox is not available to convert it" % (ch, sw, sr))
        conv = os.path.join(tmpdir, "conv.wav")
        r = subprocess.run(["sox", "-R", wav_path, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", conv],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise Fail("sox conversion failed: %s" % r.stderr.strip())
        shutil.move(conv, wav_path)
        ch, sw, sr, data = read_wav(wav_path)
        converted = True
    return np.frombuffer(data, dtype="<i2").copy(), converted


def write_wav(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(samples.astype("<i2").tobytes())


def stft_magnitude(x, n_fft=N_FFT, hop=HOP, block=2048):
    """|STFT| of float64 signal x, periodic Hann, no centering. Returns (n_fft//2+1, n) float32."""
    if len(x) < n_fft:
        raise Fail("signal shorter than one window (%d < %d samples)" % (len(x), n_fft))
    n = 1 + (len(x) - n_fft) // hop
    k = np.arange(n_fft)
    win = 0.5 - 0.5 * np.cos(2.0 * np.pi * k / n_fft)  # periodic Hann
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:n]
    out = np.empty((n_fft // 2 + 1, n), dtype=np.float32)
    for s in range(0, n, block):
        f = frames[s:s + block] * win
        out[:, s:s + block] = np.abs(np.fft.rfft(f, axis=1)).T
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output .npy path (e.g. bench/data/speech.npy)")
    ap.add_argument("--seconds", type=float, default=600.0, help="audio length after trimming (default 600)")
    ap.add_argument("--text", action="append", default=None,
                    help="plain text file to read aloud; repeatable, used in order (default: %s, "
                         "later ones only if needed)" % ", ".join(DEFAULT_TEXTS))
    ap.add_argument("--voice", default="en-us", help="espeak-ng voice (default en-us)")
    ap.add_argument("--speed", type=int, default=175, help="espeak-ng words per minute (default 175)")
    ap.add_argument("--seed", type=int, default=0,
                    help="unused (everything is deterministic); accepted for uniformity")
    args = ap.parse_args()

    if args.seconds <= 0:
        raise Fail("--seconds must be positive")
    if shutil.which("espeak-ng") is None:
        raise Fail("espeak-ng not found on PATH")
    out = args.out
    if not out.endswith(".npy"):
        raise Fail("--out must end with .npy")
    stem = out[:-4]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)

    sources = args.text if args.text else [p for p in DEFAULT_TEXTS if os.path.exists(p)]
    if not sources:
        raise Fail("no text source found")
    paras, para_src = [], []
    for p in sources:
        if not os.path.isfile(p):
            raise Fail("text file not found: %s" % p)
        with open(p, encoding="utf-8", errors="replace") as f:
            cl = clean_text(f.read())
        paras += cl
        para_src += [p] * len(cl)
    total_words = sum(len(p.split()) for p in paras)
    if total_words == 0:
        raise Fail("no words in the text source(s)")

    need = int(round(args.seconds * SAMPLE_RATE))
    # words budget: speed * minutes with 25 % margin; doubled until the audio is long enough
    budget = int(args.seconds / 60.0 * args.speed * 1.25) + 50
    with tempfile.TemporaryDirectory(prefix="make_speech_") as tmp:
        while True:
            kept, nwords = truncate_paragraphs(paras, budget)
            text_path = stem + ".txt"
            with open(text_path, "w", encoding="utf-8") as f:
                f.write("\n".join(kept) + "\n")
            raw_wav = stem + ".raw.wav"
            espeak(text_path, raw_wav, args.voice, args.speed)
            samples, converted = ensure_format(raw_wav, tmp)
            if len(samples) >= need:
                break
            if nwords >= total_words:
                raise Fail("text too short: %d words give %.1f s of speech < %.1f s requested; add --text files"
                           % (nwords, len(samples) / SAMPLE_RATE, args.seconds))
            budget *= 2

    used_sources = list(dict.fromkeys(para_src[:len(kept)]))
    raw_seconds = len(samples) / SAMPLE_RATE
    samples = samples[:need]
    wav_path = stem + ".wav"
    ver = subprocess.run(["espeak-ng", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    save_spectrogram(samples, out, wav_path, {
        "textSources": used_sources,
        "textFile": os.path.basename(text_path),
        "wordsSpoken": nwords,
        "tts": {"engine": ver, "voice": args.voice, "wordsPerMinute": args.speed,
                "rawSeconds": raw_seconds, "soxConversion": converted},
    }, {"rawWav": os.path.basename(raw_wav)}, {"text": sha256_file(text_path)})


def save_spectrogram(samples, out, wav_path, about, files, hashes):
    """Writes the samples as a WAV file and their magnitude STFT as OUT (.npy), then OUT.json with the
    common facts, `about` (what the sound is) after the STFT's, `files` after the WAV's name and
    `hashes` in sha256 beside the npy's and the WAV's; prints the JSON line. Shared with make_music.py."""
    write_wav(wav_path, samples)
    x = samples.astype(np.float64) / 32768.0
    V = stft_magnitude(x)
    np.save(out, np.ascontiguousarray(V))
    colnorm = np.sqrt((V.astype(np.float64) ** 2).sum(axis=0))
    meta = {
        "file": os.path.basename(out),
        "m": int(V.shape[0]),
        "n": int(V.shape[1]),
        "layout": "rows = frequency bins, columns = frames (items), float32, C order",
        "seconds": len(samples) / SAMPLE_RATE,
        "sampleRate": SAMPLE_RATE,
        "samples": int(len(samples)),
        "stft": {"window": "hann-periodic", "nFft": N_FFT, "hop": HOP, "center": False,
                 "padding": "none (whole frames only: n = 1 + floor((L - nFft) / hop))",
                 "scaling": "int16/32768 input, |rfft|, no normalisation", "bins": N_FFT // 2 + 1},
    }
    meta.update(about)
    meta["wav"] = os.path.basename(wav_path)
    meta.update(files)
    meta.update({
        "zeroColumns": int((colnorm == 0).sum()),
        "frobeniusNorm": float(np.sqrt((colnorm ** 2).sum())),
        "max": float(V.max()),
        "sha256": dict({"npy": sha256_file(out), "wav": sha256_file(wav_path)}, **hashes),
    })
    with open(out + ".json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("make_speech.py: error: %s" % e, file=sys.stderr)
        sys.exit(1)
