#!/usr/bin/env bash
# nmf-stream side by side with scikit-learn and gensim, reproducible from the repository (issue 5).
#
#   bench/run.sh [--quick] [--only planted,speech,documents,digits] [--skip-broker] [--report-only]
#
# 1. installs the Python peers and tools from Debian's packages if they are missing (apt-get, as root;
#    no pip): python3-sklearn python3-gensim python3-numpy python3-scipy python3-matplotlib espeak-ng,
#    and sox, libsox-fmt-all, hyperrogue-music and asc-music for the music sets
# 2. builds target/nmf-stream.jar if it is missing or older than the sources (NMF_JAR=… uses another jar)
# 3. bench/side_by_side.py: makes the data sets (bench/data/, git-ignored), runs every method on every
#    data set one after another under nice, writes BENCHMARKS.md's side-by-side block and bench/plots/*.png.
# Full size takes about an hour on 2 cores; --quick a few minutes. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3

if ! { [ -x "$PY" ] && "$PY" -c 'import sklearn, gensim, numpy, scipy, matplotlib' 2>/dev/null \
       && command -v espeak-ng >/dev/null && command -v sox >/dev/null \
       && [ -d /usr/share/hyperrogue/music ] && [ -d /usr/share/games/asc/music ]; }; then
  echo "bench/run.sh: installing the Debian packages of the peers (apt-get)" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-sklearn python3-gensim python3-numpy python3-scipy python3-matplotlib espeak-ng \
      sox libsox-fmt-all hyperrogue-music asc-music
fi

JAR=${NMF_JAR:-target/nmf-stream.jar}
if [ -z "${NMF_JAR:-}" ]; then
  if [ ! -f "$JAR" ] || [ -n "$(find src pom.xml -newer "$JAR" -print -quit)" ]; then
    echo "bench/run.sh: building $JAR" >&2
    mvn -q -B package -DskipTests
  fi
fi
[ -f "$JAR" ] || { echo "bench/run.sh: no jar at $JAR" >&2; exit 1; }

start=$(date +%s)
nice -n 10 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" bench/side_by_side.py --jar "$JAR" "$@"
echo "bench/run.sh: done in $(( $(date +%s) - start )) s" >&2
