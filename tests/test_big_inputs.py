"""The fast paths for big waves (issue #17 goal 4) give exactly what the plain formulas give.

- straight-lining: the vectorised rule (row minimum = row maximum) against pandas
  ``nunique(axis=1) == 1`` on random answers with blanks, numeric and text;
- penalty–reward: the aliased-dummy check on the k × k triangular factor against the original
  Gram–Schmidt on the n × k design;
- bootstrap correlations: summed over row chunks against one pass over all rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from csmlib.stats import importance_table, priorities, quality, resampled_correlations


def straightlining_reference(data: pd.DataFrame, items: list[str], min_answers: int | None = None) -> pd.Series:
    """The rule as first written (pandas ``nunique``, a Python loop over the rows)."""
    block = data[items]
    need = min_answers if min_answers is not None else max(len(items) - 2, 2)
    same = block.nunique(axis=1, dropna=True) == 1
    return (same & (block.notna().sum(axis=1) >= need)).rename("straightliner")


answers = hnp.arrays(
    float,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12).map(lambda s: (s[0], s[1] + 2)),
    elements=st.sampled_from([np.nan, 1.0, 2.0, 3.0, 0.0, -0.0, 10.5, np.inf]),
)


@settings(max_examples=300, deadline=None)
@given(values=answers, min_answers=st.none() | st.integers(0, 15), as_int=st.booleans())
def test_straightlining_matches_nunique(values, min_answers, as_int):
    items = [f"q{j}" for j in range(values.shape[1])]
    df = pd.DataFrame(values, columns=items)
    if as_int:  # nullable integer columns, as read from a file with blanks
        df = df.replace([np.inf], np.nan).apply(lambda c: c.round().astype("Int64"))
    got = quality.straightlining(df, items, min_answers=min_answers)
    pd.testing.assert_series_equal(got, straightlining_reference(df, items, min_answers))


def test_straightlining_text_and_mixed_columns():
    df = pd.DataFrame({"a": ["x", "x", None, "y"], "b": ["x", "y", None, "y"], "c": ["x", None, "z", "y"], "d": [1, 1, 2, 3]})
    for items in (["a", "b", "c"], ["a", "b", "d"], ["d", "d", "d"]):
        pd.testing.assert_series_equal(quality.straightlining(df, items, min_answers=2), straightlining_reference(df, items, 2))


def estimable_reference(D: np.ndarray, candidates: list[int], tol: float = 1e-7) -> list[int]:
    """Modified Gram–Schmidt on the full n × k design (the rule as first written)."""
    kept: list[int] = []
    Q = np.zeros((D.shape[0], 0))
    for j in candidates:
        col = D[:, j]
        norm = np.linalg.norm(col)
        resid = col - Q @ (Q.T @ col) if Q.shape[1] else col
        resid = resid - Q @ (Q.T @ resid) if Q.shape[1] else resid
        rn = np.linalg.norm(resid)
        if norm > 0 and rn > tol * norm:
            kept.append(j)
            Q = np.column_stack([Q, resid / rn])
    return kept


@pytest.mark.parametrize("seed", range(12))
def test_estimable_columns_match_full_design(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300_000 if seed == 0 else 400))
    ratings = rng.integers(1, 6, size=(n, 6))
    ratings[:, 3] = ratings[:, 1]  # an exact copy: its dummies are aliased
    cols = [np.ones(n)]
    for j in range(ratings.shape[1]):
        cols += [(ratings[:, j] <= 2).astype(float), (ratings[:, j] >= 4).astype(float)]
    cols.append(cols[1] + cols[2])  # a sum of two dummies
    cols.append(np.zeros(n))  # an empty box
    D = np.column_stack(cols) * np.sqrt(rng.uniform(0.5, 2.0, n))[:, None]
    candidates = [0] + sorted(rng.choice(np.arange(1, D.shape[1]), size=D.shape[1] - 3, replace=False).tolist())
    assert priorities._estimable_columns(D, candidates) == estimable_reference(D, candidates)


def test_penalty_reward_reports_aliased_boxes():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.integers(1, 6, size=(400, 3)), columns=["a", "b", "c"])
    df["twin"] = df["a"]
    df["overall"] = df[["a", "b", "c"]].mean(axis=1) + rng.normal(0, 0.3, 400)
    with pytest.warns(UserWarning, match="not enough answers for twin"):
        pr = priorities.penalty_reward(df, "overall", ["a", "b", "c", "twin"], low=2, high=4)
    assert not pr.loc[["a", "b", "c"], "not_enough_answers"].any()
    assert pr.loc["twin", "not_enough_answers"] and "rank-deficient" in pr.loc["twin", "note"]


def bootstrap_corr_one_pass(Z: np.ndarray, Wb: np.ndarray) -> np.ndarray:
    """Weighted correlations from the products of all rows at once (the rule as first written)."""
    k = Z.shape[1]
    iu = np.triu_indices(k)
    S0 = Wb.sum(axis=1)
    S1 = Wb @ Z / S0[:, None]
    cov = Wb @ (Z[:, iu[0]] * Z[:, iu[1]]) / S0[:, None] - S1[:, iu[0]] * S1[:, iu[1]]
    C = np.zeros((Wb.shape[0], k, k))
    C[:, iu[0], iu[1]] = cov
    C[:, iu[1], iu[0]] = cov
    d = np.sqrt(np.diagonal(C, axis1=1, axis2=2))
    return C / (d[:, :, None] * d[:, None, :])


@pytest.mark.parametrize("n", [50, 70_000])
def test_bootstrap_corr_by_row_chunks_matches_one_pass(n, monkeypatch):
    monkeypatch.setattr(resampled_correlations, "CORR_CHUNK_CELLS", 45 * 997)  # 997 rows a chunk
    rng = np.random.default_rng(n)
    Z = rng.standard_normal((n, 9))
    Z[:, -1] += Z[:, 0]
    Wb = importance_table.bootstrap_counts(rng, n, 4) * rng.uniform(0.5, 2.0, n)
    np.testing.assert_allclose(importance_table.bootstrap_corr(Z, Wb), bootstrap_corr_one_pass(Z, Wb), rtol=0, atol=1e-12)


def test_bootstrap_counts_draws_as_before():
    n, B = 1000, 7
    counts = importance_table.bootstrap_counts(np.random.default_rng(5), n, B)
    idx = np.random.default_rng(5).integers(0, n, size=(B, n))
    expected = np.bincount((idx + (np.arange(B) * n)[:, None]).ravel(), minlength=B * n).reshape(B, n).astype(float)
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("weighted", [False, True])
def test_streamed_bootstrap_correlations_are_the_batch_ones(weighted, monkeypatch):
    """One pass over the rows, slices of 997 rows and resamples in groups of 3: the same counts
    (drawn resample after resample) and the same matrices as bootstrap_corr on the whole batch."""
    monkeypatch.setattr(resampled_correlations, "CORR_CHUNK_CELLS", 45 * 997)
    n, B = 5_000, 7
    monkeypatch.setattr(resampled_correlations, "COUNT_CELLS", 3 * n)
    rng = np.random.default_rng(11)
    Z = rng.standard_normal((n, 9))
    Z[:, -1] += Z[:, 0]
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    streamed = resampled_correlations.streamed_bootstrap_corr(Z, B, np.random.default_rng(3), w)
    counts = resampled_correlations.bootstrap_counts(np.random.default_rng(3), n, B)
    batch = resampled_correlations.bootstrap_corr(Z, counts * (1 if w is None else w))
    np.testing.assert_allclose(streamed, batch, rtol=0, atol=1e-12)


def test_streamed_noise_is_an_independent_standard_normal_variable(monkeypatch):
    """With noise: the drivers' block is the one without noise (the counts come first), and the
    noise variable, placed before the outcome, is uncorrelated with everything to sampling error."""
    monkeypatch.setattr(resampled_correlations, "CORR_CHUNK_CELLS", 45 * 997)
    n, B = 20_000, 5
    rng = np.random.default_rng(12)
    Z = rng.standard_normal((n, 9))
    Z[:, -1] += Z[:, 0]
    plain = resampled_correlations.streamed_bootstrap_corr(Z, B, np.random.default_rng(4))
    noisy = resampled_correlations.streamed_bootstrap_corr(Z, B, np.random.default_rng(4), noise=True)
    assert noisy.shape == (B, 10, 10)
    keep = [*range(8), 9]
    np.testing.assert_allclose(noisy[:, keep][:, :, keep], plain, rtol=0, atol=1e-12)
    noise_r = np.delete(noisy[:, 8, :], 8, axis=1)
    assert np.abs(noise_r).max() < 5 / np.sqrt(n)
    np.testing.assert_array_equal(noisy[:, 8, 8], 1.0)


def test_a_large_wave_gets_the_same_importance_through_the_streamed_bootstrap(monkeypatch):
    """importance() past the one-slice size: the same point estimates, and intervals and significance
    from the streamed resamples that agree with the batch ones to bootstrap error."""
    rng = np.random.default_rng(13)
    n = 4_000
    X = rng.normal(size=(n, 4))
    df = pd.DataFrame(X, columns=list("abcd"))
    df["y"] = X @ [0.6, 0.3, 0.1, 0.0] + rng.normal(size=n)
    batch = importance_table.importance(df, "y", methods=("relative_weights",), n_boot=300, seed=7)
    monkeypatch.setattr(resampled_correlations, "CORR_CHUNK_CELLS", 15 * 500)  # 500 rows a slice
    assert not resampled_correlations.products_fit_at_once(n, 5)
    streamed = importance_table.importance(df, "y", methods=("relative_weights",), n_boot=300, seed=7)
    cols = [c for c in batch.columns if not any(s in c for s in ("ci_", "p_value"))]
    pd.testing.assert_frame_equal(streamed[cols], batch[cols])
    low = [c for c in batch.columns if "ci_low" in c]
    np.testing.assert_allclose(streamed[low].to_numpy(float), batch[low].to_numpy(float), atol=0.01)
