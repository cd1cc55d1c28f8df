package dev.nmfstream.nmf;

/** How W is updated from the sufficient statistics (A, B) once per mini-batch. */
public enum UpdateRule {
    /**
     * Lee–Seung multiplicative steps W ← max(floor, W ∘ B ⊘ (W A + ε)): each step minimises a
     * separable majorant of the surrogate, so the surrogate never increases.
     */
    MU,
    /**
     * HALS: exact coordinate minimisation of the surrogate, component after component,
     * w_ik ← max(floor, w_ik + (B_ik − (W A)_ik) / A_kk): also never increases the surrogate,
     * and converges in fewer sweeps than MU needs steps.
     */
    HALS
}
