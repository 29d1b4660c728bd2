"""The model of a CFA: the ``{factor: [items]}`` specification, Σ(θ) and the starting values.

:func:`parse_model` checks the model dict of :func:`csmlib.stats.cfa.cfa` and lays out its free
parameters θ (free loadings, free factor (co)variances, residual variances, in that order);
:func:`unpack` turns θ into Λ, Φ and the residual variances, :func:`implied_covariance` gives
Σ = ΛΦΛᵀ + Θ and :func:`start_values` lavaan-like starting values. Identification (as in the
module docstring of :mod:`csmlib.stats.cfa`): marker variable (the first item of each factor has
its loading fixed to 1, all of Φ free) or, with ``std_lv``, free loadings and unit factor variances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ModelSpec", "parse_model", "unpack", "implied_covariance", "start_values"]


@dataclass(frozen=True)
class ModelSpec:
    """A parsed CFA model: its factors, items and where each free parameter sits (indices)."""

    factors: tuple[str, ...]
    items: tuple[str, ...]  # observed variables, in order of appearance
    pattern: tuple[tuple[int, int], ...]  # (item, factor) of every loading, model order
    free_load: tuple[tuple[int, int], ...]  # free loadings
    fixed_load: tuple[tuple[int, int], ...]  # loadings fixed to 1 (markers)
    free_phi: tuple[tuple[int, int], ...]  # (f, g), f ≥ g
    std_lv: bool

    @property
    def p(self) -> int:
        return len(self.items)

    @property
    def m(self) -> int:
        return len(self.factors)

    @property
    def q(self) -> int:
        return len(self.free_load) + len(self.free_phi) + self.p


def parse_model(model: dict[str, Sequence[str]], columns: Sequence[str], std_lv: bool) -> ModelSpec:
    """Check the model dict ``{factor: [items]}`` against the data's ``columns`` and lay out θ.

    Raises ``ValueError`` for an empty or malformed model, a factor with fewer than two items, an
    item listed twice under one factor, an item that is not a column and a factor named like an
    item. q = free loadings + free factor (co)variances + p residual variances.

    Examples
    --------
    >>> from csmlib.stats.cfa_model import parse_model
    >>> spec = parse_model({"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}, ["a1", "a2", "a3", "b1", "b2"], False)
    >>> spec.p, spec.m, spec.q, spec.fixed_load
    (5, 2, 11, ((0, 0), (3, 1)))
    """
    if not isinstance(model, dict) or not model:
        raise ValueError("cfa: model must be a non-empty dict {factor: [items]}")
    col_set = set(columns)
    factors: list[str] = []
    items: list[str] = []
    pattern_names: list[tuple[str, str]] = []
    for factor, its in model.items():
        if isinstance(its, str) or not hasattr(its, "__iter__"):
            raise ValueError(f"cfa: the items of factor '{factor}' must be a list of column names, not {its!r}")
        its = list(its)
        if len(its) < 2:
            raise ValueError(
                f"cfa: factor '{factor}' has {len(its)} item(s)"
                + (f" ('{its[0]}')" if its else "")
                + "; a factor needs at least two items"
            )
        dup = sorted({str(i) for i in its if its.count(i) > 1})
        if dup:
            raise ValueError(f"cfa: factor '{factor}' lists item(s) {', '.join(dup)} twice")
        unknown = [i for i in its if i not in col_set]
        if unknown:
            raise ValueError(f"cfa: item(s) {', '.join(map(str, unknown))} of factor '{factor}' are not columns of data")
        factors.append(factor)
        for it in its:
            if it not in items:
                items.append(it)
            pattern_names.append((it, factor))
    clash = [f for f in factors if f in items]
    if clash:
        raise ValueError(f"cfa: factor name(s) {', '.join(map(str, clash))} are also items; rename the factor")
    ii = {it: j for j, it in enumerate(items)}
    ff = {f: j for j, f in enumerate(factors)}
    pattern = tuple((ii[it], ff[f]) for it, f in pattern_names)
    free_load, fixed_load, seen = [], [], set()
    for i, f in pattern:
        if not std_lv and f not in seen:
            fixed_load.append((i, f))
        else:
            free_load.append((i, f))
        seen.add(f)
    m = len(factors)
    if std_lv:
        free_phi = [(f, g) for f in range(m) for g in range(f)]
    else:
        free_phi = [(f, g) for f in range(m) for g in range(f + 1)]
    return ModelSpec(tuple(factors), tuple(items), pattern, tuple(free_load), tuple(fixed_load), tuple(free_phi), std_lv)


def unpack(theta: np.ndarray, spec: ModelSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Λ (p×m, markers 1), Φ (m×m, unit diagonal when ``std_lv``) and the residual variances from θ."""
    p, m = spec.p, spec.m
    L = np.zeros((p, m))
    for i, f in spec.fixed_load:
        L[i, f] = 1.0
    nl = len(spec.free_load)
    for k, (i, f) in enumerate(spec.free_load):
        L[i, f] = theta[k]
    Phi = np.eye(m) if spec.std_lv else np.zeros((m, m))
    for k, (f, g) in enumerate(spec.free_phi):
        Phi[f, g] = Phi[g, f] = theta[nl + k]
    psi = theta[nl + len(spec.free_phi) :]
    return L, Phi, psi


def implied_covariance(L: np.ndarray, Phi: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """Σ = ΛΦΛᵀ + diag(ψ).

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.cfa_model import implied_covariance
    >>> implied_covariance(np.array([[1.0], [0.5]]), np.array([[2.0]]), np.array([1.0, 1.0])).tolist()
    [[3.0, 1.0], [1.0, 1.5]]
    """
    S = L @ Phi @ L.T
    S[np.diag_indices_from(S)] += psi
    return S


def start_values(S: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Starting values: residual variances s_ii/2 (lavaan); loadings from each factor's first
    principal axis (markers rescaled to 1); factor covariances 0."""
    p, m = spec.p, spec.m
    members: list[list[int]] = [[] for _ in range(m)]
    for i, f in spec.pattern:
        members[f].append(i)
    L = np.zeros((p, m))
    Phi = np.eye(m)
    for f, idx in enumerate(members):
        block = S[np.ix_(idx, idx)]
        d = np.sqrt(np.diag(block))
        vals, vecs = np.linalg.eigh(block / np.outer(d, d))
        v = vecs[:, -1] * np.sqrt(max(vals[-1] - 1 + 1 / len(idx), 0.1) * 0.9)
        if v[0] < 0:
            v = -v
        lam = v * d  # loadings with a unit-variance factor
        if not spec.std_lv:
            scale = lam[0] if abs(lam[0]) > 1e-3 * d[0] else d[0] * 0.5
            Phi[f, f] = scale**2
            lam = lam / scale
        L[idx, f] = lam
    theta = [L[i, f] for i, f in spec.free_load]
    theta += [Phi[f, g] if f == g else 0.0 for f, g in spec.free_phi]
    theta += list(0.5 * np.diag(S))
    return np.asarray(theta, dtype=float)
