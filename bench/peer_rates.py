#!/usr/bin/env -S /usr/bin/python3
"""Learning rate alone of the one-pass peers (gensim Nmf chunk 1000, MiniBatchNMF 1024/256) on a .npz, wall and CPU time.

  bench/peer_rates.py DATA.npz RANK   (run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)
"""
import os, sys, time, json
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
import logging
import numpy as np, scipy.sparse as sp
path, rank = sys.argv[1], int(sys.argv[2])
V = sp.load_npz(path).tocsc().astype(np.float64)
m, n = V.shape
out = {}
from gensim.models import Nmf
logging.getLogger("gensim").setLevel(logging.ERROR)
model = Nmf(corpus=None, num_topics=rank, id2word={i: str(i) for i in range(m)}, chunksize=1000, passes=1,
            eval_every=0, normalize=False, random_state=0)
t0, c0 = time.perf_counter(), time.process_time()
model.update(V)
out["gensim1000"] = {"wall": n / (time.perf_counter() - t0), "cpu": n / (time.process_time() - c0)}
print(json.dumps(out), flush=True)
from sklearn.decomposition import MiniBatchNMF
X = V.T.tocsr()
for b in (1024, 256):
    est = MiniBatchNMF(n_components=rank, batch_size=b, random_state=0, init="nndsvda")
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(0, n, b):
        est.partial_fit(X[s:s + b])
    out["mb%d" % b] = {"wall": n / (time.perf_counter() - t0), "cpu": n / (time.process_time() - c0)}
    print(json.dumps(out), flush=True)
