#!/usr/bin/python3
"""Writes known_answers.txt, the float64 reference answers KnownAnswersTest asserts.

Run with Debian's python, which has numpy and scipy (apt-get install python3-numpy python3-scipy):

    /usr/bin/python3 src/test/resources/known-answers/make_known_answers.py

Deterministic (fixed seeds); rerunning it rewrites the same file. Three parts:

- NNLS: min over h >= 0 of 1/2 h'Gh - c'h with G = W'W, c = W'v (what dev.nmfstream.nmf.NnlsSolver
  and Projector solve), by scipy.optimize.nnls, checked here against an exact enumeration of
  every support set (both in the variables D h, D = diag(||w_k||), so that columns of any scale
  solve alike). Degenerate problems too: a zero column of W, repeated and nearly repeated columns
  (h is then not unique or ill-conditioned; G h, the fit and the objective are compared), columns
  at scales 1e-6 to 1e6, v = 0, v living only on rows where W is zero (c = 0), c <= 0 (v = -W x),
  and one problem scaled by 1e-30 and 1e30.
- One HALS sweep, two HALS sweeps, one MU step and two MU steps of dev.nmfstream.nmf.BasisUpdater
  on statistics A = H H', B = V H' of a given V and H, from a given W0, followed by the column
  normalisation the engine does after every update (OnlineNmf.step):
    floor = 1e-8 * max W0;  W <- max(W0, floor)
    HALS, for k = 0 .. r-1 in order, skipping k with A_kk = 0 (each with the columns before it
      already updated):  w_k <- max(floor, w_k + (b_k - W a_k) / A_kk)
    MU, all columns at once:  W <- max(floor, W * B / (W A + eps)),
      eps = 1e-12 * (floor / 1e-8) * max_k sum_j A_kj   (the Java's bound on 1e-12 * max(W A);
      a row of W0 at zero makes eps visible at the 1e-4 level, so the test tells them apart)
    normalise: d_k = ||w_k||, w_k <- w_k / d_k, A <- D A D, B <- B D.
- NNDSVDa (dev.nmfstream.nmf.Initializer) from numpy's full SVD of the sample X (m x n): for the
  leading triplets (s_j, u_j, v_j), w_0 = sqrt(s_0) u0+ / ||u0+|| with u_0's sign chosen so that
  ||u0+|| >= ||u0-||, and for j >= 1 the larger by ||x+|| ||y+|| of the positive and negative parts
  of (u_j, v_j), scaled to sqrt(s_j ||x+|| ||y+||); exact zeros become mean(X). Both choices are
  independent of the SVD's signs, so no sign convention is needed; the script checks that every
  choice is clear (no near tie, no entry of u_j near zero, separated singular values) so that the
  Java's randomised SVD must make the same ones. "raw" is that W, "init" is it after
  Initializer's finish (floor at 1e-8 max W, unit columns).

Format of known_answers.txt: '#' comments, then one array per line:
    <case>.<name> <rows> <cols> <values, row-major, in repr precision>
A resource file rather than Java literals: about 60 KB of numbers that would bury the test's
logic, repr text that Double.parseDouble reads back bit for bit, and a regeneration that never
rewrites Java source.
"""
import os

import numpy as np
from scipy.optimize import nnls

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "known_answers.txt")

FLOOR = 1e-8
EPSILON = 1e-12


class Writer:
    def __init__(self):
        self.lines = []

    def comment(self, text):
        self.lines.append("# " + text)

    def put(self, case, name, value):
        a = np.atleast_2d(np.asarray(value, dtype=np.float64))
        if np.ndim(value) == 1:
            a = a.reshape(-1, 1)   # vectors as columns
        values = " ".join(repr(float(x)) for x in a.ravel())
        self.lines.append(f"{case}.{name} {a.shape[0]} {a.shape[1]} {values}")

    def write(self):
        with open(OUT, "w") as f:
            f.write("\n".join(self.lines) + "\n")


# ---------------------------------------------------------------------------------------------
# NNLS


def objective(g, c, h):
    return 0.5 * h @ g @ h - c @ h


def enumerate_nnls(g, c):
    """The exact minimum of 1/2 h'Gh - c'h over h >= 0: least squares on every support set."""
    r = len(c)
    best, best_h = 0.0, np.zeros(r)
    for mask in range(1, 1 << r):
        s = [k for k in range(r) if mask >> k & 1]
        gs = g[np.ix_(s, s)]
        x, *_ = np.linalg.lstsq(gs, c[s], rcond=1e-12)
        if np.any(x < 0):
            continue
        h = np.zeros(r)
        h[s] = x
        f = objective(g, c, h)
        if f < best:
            best, best_h = f, h
    return best, best_h


def nnls_case(out, name, w, v=None, c=None, determined=True):
    """Writes one NNLS problem and its answer; v given (c = W'v) or c given directly.

    determined: h is unique and well-conditioned, so the test compares h itself.
    """
    g = w.T @ w
    # solved in the variables y = D h with D = diag(||w_k||) (1 for a zero column), whose Gram
    # matrix has a unit diagonal: columns of any scale solve alike
    d = np.linalg.norm(w, axis=0)
    d = np.where(d > 0, d, 1.0)
    ws = w / d
    if v is not None:
        c = w.T @ v
        y, _ = nnls(ws, v, maxiter=1000)
    else:
        # min 1/2 y'G'y - c'y = 1/2 ||R y - R^-T c'||^2 + const with G' = R'R (positive definite)
        rr = np.linalg.cholesky(ws.T @ ws).T
        y, _ = nnls(rr, np.linalg.solve(rr.T, c / d), maxiter=1000)
    h = y / d
    f = objective(g, c, h)
    f_exact, y_exact = enumerate_nnls(ws.T @ ws, c / d)
    h_exact = y_exact / d
    scale = max(1.0, abs(f_exact))
    assert abs(f - f_exact) <= 1e-12 * scale, (name, f, f_exact)
    if determined:
        assert np.allclose(y, y_exact, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(y_exact).max())), (name, y, y_exact)
        h = h_exact
    out.comment(f"nnls {name}: positive weights at {[int(k) for k in np.flatnonzero(h > 0)]}"
                + ("" if determined else "; h not unique or ill-conditioned: G h, the fit and the objective are compared"))
    out.put(name, "W", w)
    if v is not None:
        out.put(name, "v", v)
        out.put(name, "residualSq", [[float((v - w @ h) @ (v - w @ h))]])
    out.put(name, "G", g)
    out.put(name, "c", c)
    out.put(name, "h", h)
    out.put(name, "Gh", g @ h)
    out.put(name, "objective", [[f_exact]])
    out.put(name, "determined", [[1.0 if determined else 0.0]])
    return h


def nnls_cases(out):
    rng = np.random.default_rng(20261202)
    # all weights positive: v = W h* + small noise
    w = rng.random((6, 3))
    v = w @ np.array([0.7, 0.2, 1.3]) + 0.01 * rng.random(6)
    nnls_case(out, "nnls_interior", w, v)

    # some weights at zero: a v not in the cone of W
    while True:
        w = rng.random((8, 5))
        v = rng.random(8)
        h, _ = nnls(w, v)
        if 2 <= np.count_nonzero(h == 0) <= 3:
            break
    h = nnls_case(out, "nnls_active", w, v)
    # the same problem scaled: the weights scale with v
    for label, factor in (("tiny", 1e-30), ("huge", 1e30)):
        out.comment(f"nnls nnls_active scaled by {factor}")
        out.put("nnls_scaled_" + label, "W", w)
        out.put("nnls_scaled_" + label, "v", v * factor)
        out.put("nnls_scaled_" + label, "h", h * factor)

    # rank 8 with a mostly positive unconstrained solution: the solver's pivoting fast path
    while True:
        w = 0.2 + rng.random((20, 8))
        v = w @ rng.random(8) + 0.3 * rng.random(20)
        g = w.T @ w
        unconstrained = np.linalg.solve(g, w.T @ v)
        h, _ = nnls(w, v)
        if np.count_nonzero(unconstrained <= 0) == 2 and np.count_nonzero(h == 0) >= 2:
            break
    nnls_case(out, "nnls_pivoting", w, v)

    # rank 12, three active parts: few positive weights (the active-set path from empty)
    while True:
        w = rng.random((30, 12)) * (rng.random((30, 12)) < 0.5)
        h_true = np.zeros(12)
        h_true[[2, 7, 9]] = [1.5, 0.4, 0.9]
        v = np.maximum(w @ h_true + 0.05 * (rng.random(30) - 0.5), 0.0)
        h, _ = nnls(w, v)
        if np.count_nonzero(h) <= 4:
            break
    nnls_case(out, "nnls_few_positive", w, v)

    # columns of W at scales 1e-6 to 1e6: G's condition number is about 1e24, the scaled one small
    w = rng.random((8, 4)) * np.array([1e-6, 1.0, 1e6, 1e3])
    v = w @ np.array([2e5, 0.5, 3e-7, 0.0]) + 0.1 * rng.random(8)
    nnls_case(out, "nnls_column_scales", w, v)

    # nearly repeated columns (column 3 = column 1 + 1e-4 noise): h unique but ill-conditioned
    w = rng.random((7, 4))
    w[:, 3] = w[:, 1] + 1e-4 * rng.random(7)
    v = w @ np.array([0.5, 1.0, 0.25, 1.0]) + 0.05 * rng.random(7)
    nnls_case(out, "nnls_nearly_repeated", w, v, determined=False)

    # a zero column of W: its weight is 0
    w = rng.random((6, 4))
    w[:, 2] = 0.0
    v = rng.random(6)
    nnls_case(out, "nnls_zero_column", w, v)

    # repeated columns: column 3 = column 1; h not unique
    w = rng.random((7, 4))
    w[:, 3] = w[:, 1]
    v = w @ np.array([0.5, 1.0, 0.25, 1.0]) + 0.05 * rng.random(7)
    nnls_case(out, "nnls_repeated_columns", w, v, determined=False)

    # v = 0
    w = rng.random((5, 3))
    nnls_case(out, "nnls_v_zero", w, np.zeros(5))

    # v only on rows where W is zero: c = 0, h = 0
    w = rng.random((6, 3))
    w[4:, :] = 0.0
    v = np.zeros(6)
    v[4:] = rng.random(2) + 0.5
    nnls_case(out, "nnls_orthogonal_v", w, v)

    # c <= 0 (v = -W x, x > 0, as a bare quadratic program): h = 0
    w = rng.random((6, 3))
    c = -(w.T @ (w @ (rng.random(3) + 0.1)))
    nnls_case(out, "nnls_negative_c", w, c=c)

    # c of mixed signs in a bare quadratic program
    w = rng.random((6, 4))
    c = w.T @ (w @ np.array([1.0, -0.5, 0.8, 0.3]))
    nnls_case(out, "nnls_mixed_c", w, c=c)


# ---------------------------------------------------------------------------------------------
# HALS and MU


def hals(w, a, b, floor, sweeps):
    w = np.maximum(w, floor)
    r = w.shape[1]
    for _ in range(sweeps):
        for k in range(r):
            if not a[k, k] > 0:
                continue
            x = w[:, k] + (b[:, k] - w @ a[:, k]) / a[k, k]
            w[:, k] = np.maximum(x, floor)
    return w


def mu(w, a, b, floor, steps):
    w = np.maximum(w, floor)
    eps = EPSILON * (floor / FLOOR) * np.max(a.sum(axis=1))
    if not eps > 0:
        eps = np.finfo(np.float64).tiny
    for _ in range(steps):
        w = np.maximum(w * b / (w @ a + eps), floor)
    return w


def normalise(w, a, b):
    d = np.linalg.norm(w, axis=0)
    d = np.where((d > 0) & np.isfinite(d), d, 1.0)
    return w / d, a * np.outer(d, d), b * d, d


def update_case(out, name, v, h, w0, note):
    a = h @ h.T
    b = v @ h.T
    floor = FLOOR * (float(w0.max()) if w0.max() > 0 else 1.0)
    out.comment(f"update {name}: {note}; floor = 1e-8 max W0")
    out.put(name, "V", v)
    out.put(name, "H", h)
    out.put(name, "A", a)
    out.put(name, "B", b)
    out.put(name, "W0", w0)
    out.put(name, "floor", [[floor]])
    for rule, fn in (("hals", hals), ("mu", mu)):
        for steps in (1, 2):
            w = fn(w0.copy(), a, b, floor, steps)
            key = f"{rule}{steps}"
            out.put(name, key + ".W", w)
            wn, an, bn, d = normalise(w, a, b)
            out.put(name, key + ".norms", d)
            out.put(name, key + ".normalised.W", wn)
            out.put(name, key + ".normalised.A", an)
            out.put(name, key + ".normalised.B", bn)


def update_cases(out):
    rng = np.random.default_rng(777)
    m, r, n = 7, 3, 6
    v = rng.random((m, n))
    h = rng.random((r, n))
    h[h < 0.2] = 0.0
    w0 = rng.random((m, r))
    w0[w0 < 0.15] = 0.0
    w0[5, :] = 0.0            # a row at the floor: MU's eps shows there
    update_case(out, "update_general", v, h, w0, "random statistics, a zero row in W0")

    m, r, n = 6, 4, 5
    v = rng.random((m, n))
    h = rng.random((r, n))
    h[2, :] = 0.0             # component 2 unused: A_22 = 0, b_2 = 0; HALS skips it
    w0 = 0.1 + rng.random((m, r))
    update_case(out, "update_unused_component", v, h, w0, "component 2 has A_22 = 0")


# ---------------------------------------------------------------------------------------------
# NNDSVDa


def nndsvda(x, r):
    m, n = x.shape
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    gaps = s[:r] - s[1:r + 1]
    assert np.all(gaps > 1e-3 * s[0]), ("singular values too close", s)
    mean = x.sum() / (m * n)
    w = np.zeros((m, r))
    for j in range(r):
        uj, vj = u[:, j], vt[j, :]
        assert np.min(np.abs(uj)) > 1e-6, ("u entry near zero", j, uj)
        up = np.linalg.norm(np.maximum(uj, 0))
        un = np.linalg.norm(np.minimum(uj, 0))
        vp = np.linalg.norm(np.maximum(vj, 0))
        vn = np.linalg.norm(np.minimum(vj, 0))
        mp, mn = up * vp, un * vn
        if j == 0:
            assert abs(up - un) > 1e-3, ("u_0 sign tie", up, un)
            positive = up >= un
            weight = 1.0
        else:
            assert abs(mp - mn) > 1e-3 * max(mp, mn), ("positive/negative part tie", j, mp, mn)
            positive = mp >= mn
            weight = mp if positive else mn
        norm = up if positive else un
        x_j = uj if positive else -uj
        w[:, j] = np.where(x_j > 0, np.sqrt(s[j] * weight) / norm * x_j, 0.0)
    w[w == 0] = mean if mean > 0 else 1.0
    return w


def finish(w):
    mx = w.max()
    floor = FLOOR * (mx if mx > 0 else 1.0)
    w = np.where(w > floor, w, floor)
    return w / np.linalg.norm(w, axis=0)


def nndsvda_case(out, name, x, r, sparse, note):
    w = nndsvda(x, r)
    out.comment(f"nndsvda {name}: {note}; sample given as {'sparse' if sparse else 'dense'} columns")
    out.put(name, "X", x)
    out.put(name, "r", [[r]])
    out.put(name, "sparse", [[1.0 if sparse else 0.0]])
    out.put(name, "raw", w)
    out.put(name, "init", finish(w))


def nndsvda_cases(out):
    rng = np.random.default_rng(4242)
    # small: the randomised SVD's range is all of R^m, so its SVD is exact up to round-off
    x = rng.random((8, 12))
    nndsvda_case(out, "nndsvda_small", x, 3, False, "8 x 12 uniform, r = 3")
    # planted rank 3 plus noise, m = 30 > r + 10: the randomised SVD captures the leading subspace
    while True:
        w = rng.random((30, 3)) * (rng.random((30, 3)) < 0.6)
        h = rng.random((3, 40)) * (rng.random((3, 40)) < 0.7)
        x = w @ h
        x = x + 1e-4 * rng.random(x.shape) * (x > 0)
        try:
            nndsvda(x, 3)
            break
        except AssertionError:
            continue
    nndsvda_case(out, "nndsvda_planted", x, 3, True, "30 x 40 planted rank 3 + 1e-4 noise, with zeros, r = 3")


def main():
    out = Writer()
    out.comment("Known answers for KnownAnswersTest, written by make_known_answers.py (do not edit).")
    out.comment("Format: <case>.<name> <rows> <cols> <values row-major>; vectors are columns.")
    nnls_cases(out)
    update_cases(out)
    nndsvda_cases(out)
    out.write()


if __name__ == "__main__":
    main()
