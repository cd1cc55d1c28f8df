#!/usr/bin/env -S /usr/bin/python3
"""Python peer NMF runs on an m x n nonnegative matrix V (columns are items).

Methods (rank R, V ~= W H with W: m x R, H: R x n):
  batch      scikit-learn NMF(solver='cd', init='nndsvda', beta_loss='frobenius',
             max_iter=1000, tol=1e-6) fitted on V.T (samples x features);
             the converged quality reference. Timed: fit_transform alone.
  minibatch  scikit-learn MiniBatchNMF, ONE pass: partial_fit on consecutive
             chunks of --batch-size items in file order. Timed: the partial_fit
             calls alone (the W snapshots for the prequential error are taken
             outside the timed region).
  gensim     gensim.models.Nmf, ONE pass (passes=1, chunksize=B, eval_every=0)
             over V given as a scipy CSC matrix (tokens x documents = m x n).
             Timed: model.update(V) alone (CSC conversion excluded).

Input: .npy (float32/float64, m x n, or n x m with --items-are-rows) or a
scipy sparse .npz (scipy.sparse.load_npz). Everything is converted to float64
(--dtype float32 keeps float32 for the learner; errors are always float64).
One BLAS thread: OMP/OPENBLAS/MKL_NUM_THREADS=1 are set before numpy is imported.

Reported (one JSON line on stdout):
  relativeError      ||V - W H||_F / ||V||_F with the method's own H
                     (batch: fit_transform; minibatch: transform, i.e. sklearn's
                     multiplicative-update solve with max_iter/tol; gensim: the
                     model's own _solveproj per chunk of B columns).
  relativeErrorNnls  the same with the exact NNLS optimum h_j = argmin_{h>=0}
                     ||v_j - W h|| for every column, given the learned W.
                     Solver: the m x r problem is reduced exactly to an r x r
                     one via the Gram matrix (G = W'W = Q L Q', A = L^1/2 Q',
                     b = L^-1/2 Q' W'v, so ||A h - b||^2 = ||v - W h||^2 - const)
                     and solved per column with scipy.optimize.nnls
                     (Lawson-Hanson active set, exact up to rounding). Checked by
                     a KKT test on all columns and against scipy nnls on the full
                     m x r problem for --nnls-check random columns.
  prequentialError   (minibatch, gensim) sqrt(sum_b ||V_b - W_(b-1) H_b||^2)/||V||,
                     H_b = exact NNLS weights of batch b for the W held BEFORE
                     learning from batch b. Batch 1 is scored with the initial W
                     (sklearn: nndsvda computed by partial_fit FROM batch 1 itself,
                     so not strictly prequential; gensim: its random half-normal
                     init). prequentialErrorSkipFirst leaves batch 1 out (numerator
                     and denominator). trace: the running sums after every scored
                     batch, [items seen, sum residual^2, sum ||v||^2].
  oneItemPerSecond   (--one-item N) the learned model projecting one item per call:
                     sklearn transform(X[j:j+1]), gensim model[bow] (get_document_topics).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import json
import logging
import sys
import time
import warnings

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.optimize import nnls

BLOCK = 4096  # columns per block when computing residuals (fewer when m is large: block_cols)


class Fail(Exception):
    pass


# ----------------------------------------------------------------------------- data

def load_matrix(path, items_are_rows, dtype):
    if not os.path.isfile(path):
        raise Fail("data file not found: %s" % path)
    if path.endswith(".npz"):
        try:
            X = sp.load_npz(path)
        except Exception as e:  # noqa: BLE001
            raise Fail("cannot read %s as a scipy sparse .npz: %s" % (path, e))
        X = X.astype(dtype)
        V = (X.T if items_are_rows else X).tocsc()
        V.sum_duplicates()
        if V.nnz and (V.data.min() < 0 or not np.isfinite(V.data).all()):
            raise Fail("matrix has negative or non-finite entries")
    else:
        try:
            X = np.load(path, mmap_mode="r")
        except Exception as e:  # noqa: BLE001
            raise Fail("cannot read %s as .npy: %s" % (path, e))
        if X.ndim != 2:
            raise Fail("expected a 2-D array, got shape %s" % (X.shape,))
        if X.dtype not in (np.float32, np.float64):
            raise Fail("expected float32 or float64, got %s" % X.dtype)
        V = np.ascontiguousarray(X.T if items_are_rows else X, dtype=dtype)
        if not np.isfinite(V).all():
            raise Fail("matrix has non-finite entries")
        if V.min() < 0:
            raise Fail("matrix has negative entries (min %g)" % V.min())
    return V


def block_cols(m):
    """Columns per dense block: BLOCK, or fewer so that a block stays under ~32 MB."""
    return max(16, min(BLOCK, 4_000_000 // max(1, m)))


def col_block(V, s, e):
    """Dense float64 m x (e-s) block of columns."""
    if sp.issparse(V):
        return V[:, s:e].toarray().astype(np.float64, copy=False)
    return np.asarray(V[:, s:e], dtype=np.float64)


def frob2(V):
    if sp.issparse(V):
        d = V.data.astype(np.float64)
        return float(d @ d)
    tot = 0.0
    blk = block_cols(V.shape[0])
    for s in range(0, V.shape[1], blk):
        b = col_block(V, s, s + blk)
        tot += float(np.einsum("ij,ij->", b, b))
    return tot


# ----------------------------------------------------------------------------- exact NNLS

class ExactNnls:
    """Exact per-column NNLS for a fixed W via an r x r reduction of the Gram system."""

    def __init__(self, W):
        self.W = np.asarray(W, dtype=np.float64)
        r = self.W.shape[1]
        self.G = self.W.T @ self.W
        lam, Q = np.linalg.eigh(self.G)
        lmax = lam.max() if lam.size else 0.0
        keep = lam > max(lmax, 0.0) * 1e-12 if lmax > 0 else np.zeros(r, bool)
        self.rankG = int(keep.sum())
        sq = np.sqrt(lam[keep])
        self.A = sq[:, None] * Q[:, keep].T            # k x r, A'A = G
        self.P = Q[:, keep].T / sq[:, None]            # k x r, b = P c
        self.fallbacks = 0

    def solve(self, Vb):
        """H (r x b) for a dense block Vb (m x b), plus C = W'Vb."""
        r = self.W.shape[1]
        C = self.W.T @ Vb
        H = np.zeros((r, Vb.shape[1]))
        if self.rankG == 0:
            return H, C
        B = self.P @ C
        A = self.A
        for j in range(Vb.shape[1]):
            c = C[:, j]
            if not (c > 0).any():      # all gradients at h=0 are >= 0 -> h = 0 is optimal
                continue
            try:
                H[:, j] = nnls(A, B[:, j])[0]
            except RuntimeError:       # iteration limit: fall back to the full problem
                self.fallbacks += 1
                H[:, j] = nnls(self.W, Vb[:, j], maxiter=50 * r)[0]
        return H, C

    def kkt(self, H, C):
        """Max over columns of the scaled KKT violation of h >= 0, grad >= 0, h * grad = 0."""
        g = self.G @ H - C
        viol = np.where(H > 0, np.abs(g), np.maximum(-g, 0.0))
        gnorm = np.linalg.norm(self.G, 2)
        scale = gnorm * np.linalg.norm(H, axis=0) + np.linalg.norm(C, axis=0)
        scale[scale == 0] = 1.0
        return float((viol.max(axis=0) / scale).max()) if H.shape[1] else 0.0


def residual2(V, W, H_fn, n):
    """sum over column blocks of ||V_b - W H_b||^2 (float64); H_fn(s, e, Vb) -> H_b."""
    W = np.asarray(W, dtype=np.float64)
    tot = 0.0
    blk = block_cols(V.shape[0])
    for s in range(0, n, blk):
        e = min(n, s + blk)
        Vb = col_block(V, s, e)
        R = Vb - W @ H_fn(s, e, Vb)
        tot += float(np.einsum("ij,ij->", R, R))
    return tot


def nnls_error(V, W, n, normV2, check_cols, seed):
    """Relative error with exact NNLS weights for every column, plus exactness checks."""
    solver = ExactNnls(W)
    kkt = [0.0]
    t0 = time.perf_counter()

    def h_fn(s, e, Vb):
        H, C = solver.solve(Vb)
        kkt[0] = max(kkt[0], solver.kkt(H, C))
        return H

    err2 = residual2(V, W, h_fn, n)
    secs = time.perf_counter() - t0
    # direct check on random non-zero columns: scipy nnls on the full m x r problem
    rng = np.random.default_rng(seed)
    cand = np.arange(n)
    check = {"columns": 0}
    if check_cols > 0 and n > 0:
        pick = np.sort(rng.choice(cand, size=min(check_cols, n), replace=False))
        Vc = np.column_stack([col_block(V, j, j + 1)[:, 0] for j in pick])
        Hg, _ = solver.solve(Vc)
        Wd = np.asarray(W, dtype=np.float64)
        dres, dh = 0.0, 0.0
        for k in range(len(pick)):
            v = Vc[:, k]
            nv = np.linalg.norm(v)
            if nv == 0:
                continue
            hd = nnls(Wd, v, maxiter=50 * Wd.shape[1])[0]
            rg = np.linalg.norm(v - Wd @ Hg[:, k])
            rd = np.linalg.norm(v - Wd @ hd)
            dres = max(dres, (rg - rd) / nv)   # > 0 would mean the reduced solver is worse
            dh = max(dh, np.linalg.norm(Hg[:, k] - hd) / max(np.linalg.norm(hd), 1e-300))
        check = {"columns": int(len(pick)),
                 "maxResidualExcessOverDirect": float(dres),
                 "maxRelativeWeightDiff": float(dh)}
    info = {"solver": "gram-eig reduction (r x r) + scipy.optimize.nnls per column",
            "rankGram": solver.rankG, "kktMaxScaledViolation": kkt[0],
            "fallbacksToDirect": solver.fallbacks, "seconds": secs, "directCheck": check}
    return float(np.sqrt(err2 / normV2)) if normV2 > 0 else 0.0, info


def prequential(V, snapshots, B, n, normV2):
    """snapshots[b] = W held before learning from batch b (None = not available)."""
    sq = []
    for b, Wb in enumerate(snapshots):
        s, e = b * B, min(n, (b + 1) * B)
        Vb = col_block(V, s, e)
        vb2 = float(np.einsum("ij,ij->", Vb, Vb))
        if Wb is None:
            sq.append((None, vb2))
            continue
        H, _ = ExactNnls(Wb).solve(Vb)
        R = Vb - Wb @ H
        sq.append((float(np.einsum("ij,ij->", R, R)), vb2))
    scored = [(r2, v2) for r2, v2 in sq if r2 is not None]
    tot_r = sum(r2 for r2, _ in scored)
    out = {"prequentialError": float(np.sqrt(tot_r / normV2)) if normV2 > 0 else 0.0}
    rest = [(r2, v2) for r2, v2 in sq[1:] if r2 is not None]
    rv = sum(v2 for _, v2 in rest)
    out["prequentialErrorSkipFirst"] = float(np.sqrt(sum(r2 for r2, _ in rest) / rv)) if rv > 0 else None
    out["prequentialBatchesScored"] = len(scored)
    # running sums after each scored batch: items seen, sum of residuals^2, sum of ||v||^2
    trace, items, r_cum, v_cum = [], 0, 0.0, 0.0
    for b, (r2, v2) in enumerate(sq):
        items = min(n, (b + 1) * B)
        if r2 is not None:
            r_cum += r2
            v_cum += v2
            trace.append([items, r_cum, v_cum])
    out["trace"] = trace
    if sq and sq[0][0] is not None:
        out["prequentialFirstBatchError"] = float(np.sqrt(sq[0][0] / sq[0][1])) if sq[0][1] > 0 else 0.0
    return out


# ----------------------------------------------------------------------------- methods

def items_as_rows(V):
    """samples x features for scikit-learn."""
    if sp.issparse(V):
        return V.T.tocsr()
    return np.ascontiguousarray(V.T)


def run_batch(V, args, res):
    from sklearn.decomposition import NMF
    X = items_as_rows(V)
    max_iter = 1000 if args.max_iter is None else args.max_iter
    tol = 1e-6 if args.tol is None else args.tol
    model = NMF(n_components=args.rank, solver="cd", init=args.init, beta_loss="frobenius",
                max_iter=max_iter, tol=tol, random_state=args.seed)
    t0, c0 = time.perf_counter(), time.process_time()
    Ht = model.fit_transform(X)            # n x r  (our H transposed)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    W = model.components_.T.astype(np.float64)  # m x r
    res.update({"seconds": secs, "cpuSeconds": cpu, "iterations": int(model.n_iter_),
                "converged": bool(model.n_iter_ < max_iter), "maxIter": max_iter, "tol": tol,
                "secondsPerIteration": secs / max(1, model.n_iter_),
                "sklearnReconstructionErr": float(model.reconstruction_err_)})
    Hown = np.asarray(Ht, dtype=np.float64).T
    return W, (lambda s, e, Vb: Hown[:, s:e]), None, (lambda j: model.transform(X[j:j + 1]))


def run_minibatch(V, args, res):
    from sklearn.decomposition import MiniBatchNMF
    X = items_as_rows(V)
    n, B = X.shape[0], args.batch_size
    kw = {}
    if args.max_iter is not None:
        kw["max_iter"] = args.max_iter
    if args.tol is not None:
        kw["tol"] = args.tol
    model = MiniBatchNMF(n_components=args.rank, init=args.init, batch_size=B, beta_loss="frobenius",
                         forget_factor=args.forget_factor, random_state=args.seed, **kw)
    init_H = []
    orig = model._check_w_h

    def spy(*a, **k):               # records the initial components (our W') at first partial_fit
        Wi, Hi = orig(*a, **k)
        init_H.append(np.array(Hi, dtype=np.float64, copy=True))
        return Wi, Hi

    model._check_w_h = spy
    snaps = []
    secs = cpu = 0.0
    for s in range(0, n, B):
        chunk = X[s:s + B]
        if hasattr(model, "components_"):
            snaps.append(model.components_.T.astype(np.float64, copy=True))
        else:
            snaps.append(None)
        t0, c0 = time.perf_counter(), time.process_time()
        model.partial_fit(chunk)
        secs += time.perf_counter() - t0
        cpu += time.process_time() - c0
    del model._check_w_h
    if snaps and snaps[0] is None and init_H:
        snaps[0] = init_H[0].T.copy()
    W = model.components_.T.astype(np.float64)
    res.update({"seconds": secs, "cpuSeconds": cpu, "batchSize": B, "batches": len(snaps),
                "forgetFactor": args.forget_factor, "rhoPerBatch": float(model._rho),
                "rhoFitWouldUse": float(args.forget_factor ** (min(B, n) / n)),
                "maxIter": model.max_iter, "tol": model.tol,
                "transformMaxIter": int(model._transform_max_iter),
                "firstBatchScoring": "nndsvda init computed by partial_fit from batch 1 itself"})
    t0 = time.perf_counter()
    Hown = np.asarray(model.transform(X), dtype=np.float64).T
    res["transformSeconds"] = time.perf_counter() - t0
    return W, (lambda s, e, Vb: Hown[:, s:e]), snaps, (lambda j: model.transform(X[j:j + 1]))


def run_gensim(V, args, res):
    logging.getLogger("gensim").setLevel(logging.ERROR)
    from gensim.models import Nmf
    m, n = V.shape
    B = args.batch_size
    C = V.tocsc() if sp.issparse(V) else sp.csc_matrix(V)
    C = C.astype(np.float64)
    id2word = {i: str(i) for i in range(m)}
    kw = {}
    if args.max_iter is not None:
        kw["w_max_iter"] = args.max_iter
    model = Nmf(corpus=None, num_topics=args.rank, id2word=id2word, chunksize=B, passes=1,
                eval_every=0, normalize=False, random_state=args.seed, **kw)
    snaps = []
    orig = model._solveproj

    def spy(v, W, h=None, v_max=None):     # called once per chunk, before W is updated
        snaps.append(np.array(W, dtype=np.float64, copy=True))
        return orig(v, W, h=h, v_max=v_max)

    model._solveproj = spy
    t0, c0 = time.perf_counter(), time.process_time()
    model.update(C)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    del model._solveproj
    W = np.array(model._W, dtype=np.float64)
    res.update({"seconds": secs, "cpuSeconds": cpu, "batchSize": B, "batches": len(snaps),
                "snapshotOverheadIncluded": True, "wMaxIter": model._w_max_iter,
                "hMaxIter": model._h_max_iter, "vMax": float(model.v_max),
                "firstBatchScoring": "gensim's random half-normal init (scaled by batch-1 mean)"})
    t0 = time.perf_counter()
    H_parts = []
    for s in range(0, n, B):
        H_parts.append(np.asarray(model._solveproj(C[:, s:s + B], model._W, h=None, v_max=model.v_max)))
    Hown = np.hstack(H_parts) if H_parts else np.zeros((args.rank, 0))
    res["transformSeconds"] = time.perf_counter() - t0
    bows = {}

    def one_item(j):               # gensim's public per-document call: model[bow]
        return model[bows[j]]

    def prepare(js):
        for j in js:
            col = C[:, j]
            bows[j] = list(zip(col.indices.tolist(), col.data.tolist()))

    one_item.prepare = prepare
    return W, (lambda s, e, Vb: Hown[:, s:e]), snaps, one_item


# ----------------------------------------------------------------------------- main

def one_item_rate(one_item, n, count, max_seconds):
    """Items projected per second, one item per call, on the learned model (items 0, 1, ... cyclic)."""
    js = [j % n for j in range(count)]
    if hasattr(one_item, "prepare"):
        one_item.prepare(sorted(set(js)))
    for j in js[:min(20, count)]:        # warm-up
        one_item(j)
    done, t0 = 0, time.perf_counter()
    for j in js:
        one_item(j)
        done += 1
        if done % 100 == 0 and time.perf_counter() - t0 > max_seconds:
            break
    secs = time.perf_counter() - t0
    return {"oneItemPerSecond": done / secs if secs > 0 else None, "oneItemCalls": done, "oneItemSeconds": secs}


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
        return sorted({int(d.get("num_threads", 0)) for d in threadpool_info()})
    except Exception:  # noqa: BLE001
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", help="m x n .npy (columns are items) or scipy sparse .npz")
    ap.add_argument("--rank", type=int, required=True, help="number of components R")
    ap.add_argument("--method", choices=["batch", "minibatch", "gensim"], default="batch")
    ap.add_argument("--batch-size", type=int, default=256, help="items per mini-batch / chunk (default 256)")
    ap.add_argument("--items-are-rows", action="store_true", help="the file is n x m (items are rows)")
    ap.add_argument("--max-iter", type=int, default=None,
                    help="batch: NMF max_iter (default 1000); minibatch: MiniBatchNMF max_iter, which "
                         "only bounds transform here (sklearn default 200); gensim: w_max_iter (default 200)")
    ap.add_argument("--tol", type=float, default=None,
                    help="batch: NMF tol (default 1e-6); minibatch: MiniBatchNMF tol (sklearn default 1e-4)")
    ap.add_argument("--init", default="nndsvda", help="sklearn init (default nndsvda)")
    ap.add_argument("--forget-factor", type=float, default=0.7,
                    help="minibatch: MiniBatchNMF forget_factor (sklearn default 0.7). NB with partial_fit "
                         "sklearn uses rho = forget_factor per batch, fit() uses forget_factor**(B/n)")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                    help="dtype handed to the learner (default float64); errors are always float64")
    ap.add_argument("--limit-columns", type=int, default=None, help="use only the first N columns (tests)")
    ap.add_argument("--nnls-check", type=int, default=200,
                    help="random columns to re-solve with scipy nnls on the full m x r problem (default 200)")
    ap.add_argument("--one-item", type=int, default=0,
                    help="then time this many one-item projections with the learned model, one item per call "
                         "(sklearn: transform(X[j:j+1]); gensim: model[bow]); 0 = off (default)")
    ap.add_argument("--one-item-seconds", type=float, default=10.0,
                    help="stop the one-item timing after about this many seconds (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-w", default=None, help="write the learned W (m x R, float64) here (.npy)")
    args = ap.parse_args()

    if args.rank < 1:
        raise Fail("--rank must be >= 1")
    if args.batch_size < 1:
        raise Fail("--batch-size must be >= 1")
    if not 0.0 <= args.forget_factor <= 1.0:
        raise Fail("--forget-factor must be in [0, 1]")
    np.random.seed(args.seed)
    wall0 = time.perf_counter()
    dtype = np.float64 if args.dtype == "float64" else np.float32
    V = load_matrix(args.data, args.items_are_rows, dtype)
    if args.limit_columns is not None:
        V = V[:, :args.limit_columns]
        V = V.tocsc() if sp.issparse(V) else np.ascontiguousarray(V)
    m, n = V.shape
    if n == 0 or m == 0:
        raise Fail("empty matrix %s" % (V.shape,))
    if args.rank > min(m, n) and args.init.startswith("nndsvd"):
        raise Fail("--rank %d > min(m, n) = %d is not possible with init %s" % (args.rank, min(m, n), args.init))
    normV2 = frob2(V)

    import sklearn
    res = {"method": args.method, "rank": args.rank, "rows": m, "columns": n,
           "data": os.path.abspath(args.data), "dtype": args.dtype, "seed": args.seed, "init": args.init}
    caught = []
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        runner = {"batch": run_batch, "minibatch": run_minibatch, "gensim": run_gensim}[args.method]
        W, Hown_fn, snaps, one_item = runner(V, args, res)
        caught = sorted({"%s: %s" % (w.category.__name__, str(w.message).splitlines()[0]) for w in wlist})
    res["columnsPerSecond"] = n / res["seconds"] if res["seconds"] > 0 else None
    res["relativeError"] = float(np.sqrt(residual2(V, W, Hown_fn, n) / normV2)) if normV2 > 0 else 0.0
    res["relativeErrorNnls"], res["nnls"] = nnls_error(V, W, n, normV2, args.nnls_check, args.seed)
    if snaps is not None:
        res.update(prequential(V, snaps, args.batch_size, n, normV2))
    if args.one_item > 0:
        res.update(one_item_rate(one_item, n, args.one_item, args.one_item_seconds))
    if args.out_w:
        d = os.path.dirname(os.path.abspath(args.out_w))
        os.makedirs(d, exist_ok=True)
        np.save(args.out_w, np.ascontiguousarray(W, dtype=np.float64))
        res["outW"] = os.path.abspath(args.out_w)
    res["warnings"] = caught
    res["blasThreads"] = blas_threads()
    res["versions"] = {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                       "sklearn": sklearn.__version__}
    if args.method == "gensim":
        import gensim
        res["versions"]["gensim"] = gensim.__version__
    res["wallSeconds"] = time.perf_counter() - wall0
    print(json.dumps(res))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("reference.py: error: %s" % e, file=sys.stderr)
        sys.exit(1)
