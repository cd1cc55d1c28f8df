#!/bin/sh
# Reproduces the reference runs in bench/out/ (run from the repository root).
# Sequential and niced: the machine is shared. Takes about 6 minutes (the two batch NMF fits dominate).
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
DATA=bench/data/speech.npy
OUT=bench/out
mkdir -p "$OUT"
[ -f "$DATA" ] || nice -n 10 $PY bench/make_speech.py --out "$DATA" > "$OUT/make_speech.json"

run() {  # run NAME ARGS...  -> $OUT/NAME.json (+ NAME.W.npy, NAME.time)
    name=$1; shift
    /usr/bin/time -f '%e s wall, %U s user, %M KB maxrss' -o "$OUT/$name.time" \
        nice -n 10 $PY bench/reference.py "$DATA" "$@" --out-w "$OUT/$name.W.npy" > "$OUT/$name.json"
}

run batch_r20            --rank 20 --method batch
run batch_r20_it5000     --rank 20 --method batch --max-iter 5000   # converges at 1505 iterations
run minibatch_r20_b256   --rank 20 --method minibatch --batch-size 256
run minibatch_r20_b1024  --rank 20 --method minibatch --batch-size 1024
# extras: partial_fit with the per-batch forgetting that fit() would use (0.7 ** (B/n)), and gensim
N=$($PY -c "import json;print(json.load(open('$DATA.json'))['n'])")
run minibatch_r20_b256_fitrho  --rank 20 --method minibatch --batch-size 256 \
    --forget-factor "$($PY -c "print(repr(0.7 ** (256 / $N)))")"
run minibatch_r20_b1024_fitrho --rank 20 --method minibatch --batch-size 1024 \
    --forget-factor "$($PY -c "print(repr(0.7 ** (1024 / $N)))")"
run gensim_r20_b256      --rank 20 --method gensim --batch-size 256
run gensim_r20_b1024     --rank 20 --method gensim --batch-size 1024
