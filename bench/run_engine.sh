#!/usr/bin/env bash
# The engine's figures in BENCHMARKS.md ("The engine"), reproducible from the repository.
# Needs: JDK 17+, Maven; for the speech comparison Debian's espeak-ng, python3-numpy,
# python3-scipy, python3-sklearn (apt-get install espeak-ng python3-numpy python3-scipy python3-sklearn).
# Run from the repository root. Writes bench/out/ (git-ignored).
set -euo pipefail
mkdir -p bench/out bench/data
mvn -q -B package -DskipTests
# 1. single-thread engine figures, medians of 5, SIMD and scalar kernels
java --add-modules jdk.incubator.vector -Xmx6g -jar target/nmf-stream.jar bench --repeats 5 --columns 50000 \
    --markdown bench/out/engine-vector.md > bench/out/engine-vector.jsonl
java -Xmx6g -jar target/nmf-stream.jar bench --repeats 5 --columns 50000 \
    --markdown bench/out/engine-scalar.md > bench/out/engine-scalar.jsonl
# 2. one pass of fit on spoken audio against converged batch NMF and scikit-learn's MiniBatchNMF
[ -f bench/data/speech.npy ] || bench/make_speech.py --out bench/data/speech.npy > bench/out/make_speech.json
for seed in 0 1 2; do
  java -Xmx4g -jar target/nmf-stream.jar fit bench/data/speech.npy --rank 20 --seed "$seed" -o "bench/out/fit_speech_s$seed.W.npy"
done > bench/out/fit_speech_defaults.jsonl
/usr/bin/python3 bench/reference.py bench/data/speech.npy --rank 20 --method batch --max-iter 5000 > bench/out/batch_r20_it5000.json
/usr/bin/python3 bench/reference.py bench/data/speech.npy --rank 20 --method minibatch --batch-size 256 > bench/out/minibatch_r20_b256.json
cat bench/out/engine-vector.md bench/out/engine-scalar.md bench/out/fit_speech_defaults.jsonl \
    bench/out/batch_r20_it5000.json bench/out/minibatch_r20_b256.json
