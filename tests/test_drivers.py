"""Tests of csmlib.stats.drivers (key-driver analysis) and csmlib.stats.subsets (all-subsets engine).

References:
- relaimpo 2.2-7 published values (method note drivers.md §8): swiss (R datasets) and pingouin's
  mediation data (asserted in pingouin's test_regression.py against relaimpo);
- tests/data/drivers_r_reference.csv: base R by brute force, one lm()/glm() per subset
  (tests/data/drivers_reference.R, R 4.2.2): LMG, conditional and complete dominance, relative
  weights, first/last/betasq/pratt, weighted (lm weights), pairwise correlations, logistic
  McFadden and Nagelkerke dominance, rwa_logit relative weights, penalty–reward lm;
- brute force in the tests (per-subset np.linalg.solve, permutation averages) for the engine.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from csmlib.stats import subsets as _subsets
from csmlib.stats import drivers as dr
from csmlib.stats import priorities
from csmlib.stats.importance_table import bootstrap_corr, bootstrap_counts
from csmlib.stats.logistic import subset_pseudo_r2

DATA = Path(__file__).parent / "data"
SWISS_X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
SURVEY_X = ["quality", "reliability", "speed", "price", "courtesy", "billing"]
BIN_X = ["quality", "reliability", "speed", "price", "courtesy"]


@pytest.fixture(scope="module")
def swiss():
    return pd.read_csv(DATA / "drivers_swiss.csv").drop(columns="rownames")


@pytest.fixture(scope="module")
def mediation():
    return pd.read_csv(DATA / "drivers_mediation.csv")


@pytest.fixture(scope="module")
def survey():
    return pd.read_csv(DATA / "drivers_survey.csv")


@pytest.fixture(scope="module")
def ref():
    r = pd.read_csv(DATA / "drivers_r_reference.csv")

    def get(case, metric, keys=None):
        sub = r[(r.case == case) & (r.metric == metric)].set_index("key")["value"]
        return sub if keys is None else sub.loc[list(keys)]

    return get


# ------------------------------------------------------------------------------------------
# Published relaimpo values
# ------------------------------------------------------------------------------------------


def test_swiss_relaimpo_published(swiss):
    lmg = dr.shapley(swiss, "Fertility", SWISS_X)
    rw = dr.relative_weights(swiss, "Fertility", SWISS_X)
    np.testing.assert_allclose(lmg.to_numpy(), [0.05709122, 0.17117303, 0.26013468, 0.10557015, 0.11276592], atol=1e-6)
    np.testing.assert_allclose(rw.to_numpy(), [0.04841690, 0.15470825, 0.27196410, 0.11468003, 0.11696572], atol=1e-6)
    assert lmg.attrs["r2"] == pytest.approx(0.7067350016, abs=1e-9)
    assert rw.attrs["r2"] == pytest.approx(0.7067350016, abs=1e-9)
    assert lmg.attrs["n"] == 47 and lmg.name == "shapley" and rw.name == "relative_weights"
    assert list(lmg.index) == SWISS_X


def test_pingouin_mediation_relaimpo(mediation):
    two = dr.shapley(mediation, "Y", ["X", "M"])
    np.testing.assert_allclose(two.to_numpy(), [0.05778011, 0.31521913], atol=1e-6)
    np.testing.assert_allclose((100 * two / two.sum()).to_numpy(), [15.49068, 84.50932], atol=1e-5)
    assert two.attrs["r2"] == pytest.approx(0.3729992413, abs=1e-9)
    three = dr.shapley(mediation, "Y", ["X", "M", "Ybin"])
    np.testing.assert_allclose(three.to_numpy(), [0.06010737, 0.31724368, 0.01217479], atol=1e-6)
    np.testing.assert_allclose((100 * three / three.sum()).to_numpy(), [15.43091, 81.44355, 3.12554], atol=1e-5)
    assert three.attrs["r2"] == pytest.approx(0.3895258342, abs=1e-9)
    assert three.attrs["n"] == 100


# ------------------------------------------------------------------------------------------
# Base-R brute-force references
# ------------------------------------------------------------------------------------------

CASES = [
    ("swiss", "Fertility", SWISS_X, None),
    ("swiss_w", "Fertility", SWISS_X, "w"),
    ("med3", "Y", ["X", "M", "Ybin"], None),
    ("survey", "overall", SURVEY_X, None),
    ("survey_w", "overall", SURVEY_X, "weight"),
]


def _case_data(case, swiss, mediation, survey):
    if case.startswith("swiss"):
        d = swiss.copy()
        d["w"] = 1 + np.arange(1, 48) % 4
        return d
    return mediation if case.startswith("med") else survey


@pytest.mark.parametrize("case,y,xs,w", CASES)
def test_linear_metrics_match_r(case, y, xs, w, swiss, mediation, survey, ref):
    d = _case_data(case, swiss, mediation, survey)
    funcs = {
        "lmg": dr.shapley,
        "rw": dr.relative_weights,
        "first": dr.first,
        "last": dr.last,
        "betasq": dr.beta_squared,
        "pratt": dr.pratt,
    }
    for metric, f in funcs.items():
        s = f(d, y, xs, weights=w)
        np.testing.assert_allclose(s.to_numpy(), ref(case, metric, xs).to_numpy(), atol=1e-9, err_msg=f"{case} {metric}")
        assert s.attrs["r2"] == pytest.approx(ref(case, "r2")["all"], abs=1e-10)
        assert s.attrs["n"] == len(d)


@pytest.mark.parametrize("case,y,xs,w", CASES)
def test_dominance_matches_r(case, y, xs, w, swiss, mediation, survey, ref):
    d = _case_data(case, swiss, mediation, survey)
    res = dr.dominance(d, y, xs, weights=w)
    p = len(xs)
    np.testing.assert_allclose(res.general.to_numpy(), ref(case, "lmg", xs).to_numpy(), atol=1e-9)
    for k in range(1, p + 1):
        np.testing.assert_allclose(res.conditional[k].to_numpy(), ref(case, f"cond{k}", xs).to_numpy(), atol=1e-9)
    for i, j in itertools.permutations(range(p), 2):
        expect = ref(case, f"complete_{xs[i]}")[xs[j]]
        assert res.complete.loc[xs[i], xs[j]] == expect, (xs[i], xs[j])
    assert res.r2 == pytest.approx(ref(case, "r2")["all"], abs=1e-10)
    assert res.fit == "r2" and res.n == len(d)


def test_pairwise_relative_weights_match_r(ref):
    d = pd.read_csv(DATA / "drivers_survey_missing.csv")
    rw = dr.relative_weights(d, "overall", SURVEY_X, missing="pairwise")
    np.testing.assert_allclose(rw.to_numpy(), ref("survey_pairwise", "rw", SURVEY_X).to_numpy(), atol=1e-9)
    assert rw.attrs["missing"] == "pairwise"
    assert rw.attrs["n"] == ref("survey_pairwise", "n")["all"]


@pytest.mark.parametrize("fit", ["mcfadden", "nagelkerke"])
def test_binary_dominance_matches_r_glm(fit, survey, ref):
    res = dr.dominance(survey, "repurchase", BIN_X, binary=True, fit=fit)
    case = f"binary_{fit}"
    np.testing.assert_allclose(res.general.to_numpy(), ref(case, "lmg", BIN_X).to_numpy(), atol=1e-7)
    for k in range(1, 6):
        np.testing.assert_allclose(res.conditional[k].to_numpy(), ref(case, f"cond{k}", BIN_X).to_numpy(), atol=1e-7)
    for i, j in itertools.permutations(range(5), 2):
        assert res.complete.loc[BIN_X[i], BIN_X[j]] == ref(case, f"complete_{BIN_X[i]}")[BIN_X[j]]
    assert res.r2 == pytest.approx(ref(case, "r2")["all"], abs=1e-7)
    assert res.binary and res.fit == fit


def test_binary_logit_loglik_matches_statsmodels(survey):
    import statsmodels.api as sm

    X = survey[BIN_X].to_numpy(float)
    y = survey["repurchase"].to_numpy(float)
    r2 = subset_pseudo_r2(X, y, None, "mcfadden", "t")
    for mask in (0b00001, 0b10110, 0b11111):
        cols = [j for j in range(5) if mask >> j & 1]
        m = sm.Logit(y, sm.add_constant(X[:, cols])).fit(disp=0)
        assert r2[mask] == pytest.approx(m.prsquared, abs=1e-9)


def test_binary_weighted_equals_replicated_rows(survey):
    d = survey.iloc[:120].copy()
    d["k"] = 1 + np.arange(120) % 3
    rep = d.loc[d.index.repeat(d["k"])]
    a = dr.dominance(d, "repurchase", BIN_X[:3], binary=True, weights="k")
    b = dr.dominance(rep, "repurchase", BIN_X[:3], binary=True)
    np.testing.assert_allclose(a.general.to_numpy(), b.general.to_numpy(), atol=1e-9)


def test_logistic_relative_weights_match_rwa_logit(survey, ref):
    t = dr.importance(survey, "repurchase", BIN_X, methods=("relative_weights",), n_boot=0)
    assert t.attrs["binary"]
    got = t.set_index("driver")["raw"].loc[BIN_X]
    np.testing.assert_allclose(got.to_numpy(), ref("binary_rw", "rw", BIN_X).to_numpy(), atol=1e-7)
    assert t.attrs["r2_by_method"]["relative_weights"] == pytest.approx(ref("binary_rw", "r2")["all"], abs=1e-7)


def test_importance_binary_detects_and_uses_mcfadden(survey, ref):
    t = dr.importance(survey, "repurchase", BIN_X, methods=("shapley",), n_boot=3, seed=1)
    got = t.set_index("driver")["raw"].loc[BIN_X]
    np.testing.assert_allclose(got.to_numpy(), ref("binary_mcfadden", "lmg", BIN_X).to_numpy(), atol=1e-7)
    assert t.attrs["fit"] == "mcfadden"
    assert t.attrs["r2"] == pytest.approx(ref("binary_mcfadden", "r2")["all"], abs=1e-7)
    with pytest.raises(ValueError, match="pratt"):
        dr.importance(survey, "repurchase", BIN_X, methods=("pratt",), n_boot=0)


@pytest.mark.parametrize("case,w", [("pr", None), ("pr_w", "weight")])
def test_penalty_reward_matches_r_lm(case, w, survey, ref):
    pr = priorities.penalty_reward(survey, "overall", SURVEY_X, low=2, high=4, weights=w, min_cell=0)
    np.testing.assert_allclose(pr["low_coef"], ref(case, "low_coef", SURVEY_X), atol=1e-10)
    np.testing.assert_allclose(pr["high_coef"], ref(case, "high_coef", SURVEY_X), atol=1e-10)
    np.testing.assert_allclose(pr["penalty_p"], ref(case, "penalty_p", SURVEY_X), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(pr["reward_p"], ref(case, "reward_p", SURVEY_X), rtol=1e-7, atol=1e-12)
    assert pr.attrs["r2"] == pytest.approx(ref(case, "r2")["all"], abs=1e-10)
    # impact asymmetry and class by hand from the R coefficients
    # wrong-signed coefficients count as no penalty / no reward (IA stays within [-1, 1])
    pen = (-ref(case, "low_coef", SURVEY_X)).clip(lower=0)
    rew = ref(case, "high_coef", SURVEY_X).clip(lower=0)
    ia = (rew - pen) / (rew + pen)
    assert ((ia >= -1) & (ia <= 1)).all()
    np.testing.assert_allclose(pr["impact_asymmetry"], ia, atol=1e-9)
    expect = np.where(ia > 0.2, "excitement", np.where(ia < -0.2, "basic", "performance"))
    # "low impact" reads the 12 penalty and reward tests together: Holm-adjusted (R p.adjust),
    # here by statsmodels from the R p-values (issue 14: the classes were from uncorrected tests)
    raw = np.concatenate([ref(case, "penalty_p", SURVEY_X), ref(case, "reward_p", SURVEY_X)])
    holm = multipletests(raw, method="holm")[1]
    noise = (holm[: len(SURVEY_X)] >= 0.05) & (holm[len(SURVEY_X) :] >= 0.05)
    expect = np.where(noise, "low impact", expect)
    assert list(pr["factor_class"]) == list(expect)


# ------------------------------------------------------------------------------------------
# Engine against brute force
# ------------------------------------------------------------------------------------------


def _random_corr(p, seed, n=60):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p + 1))
    X[:, 1:] += 0.7 * X[:, :-1]
    return np.corrcoef(X, rowvar=False)


def _brute_r2(R):
    p = R.shape[0] - 1
    out = np.zeros(1 << p)
    for s in range(1, 1 << p):
        idx = [j for j in range(p) if s >> j & 1]
        r = R[idx, p]
        out[s] = r @ np.linalg.solve(R[np.ix_(idx, idx)], r)
    return out


def test_engine_all_subsets_and_shapley_brute_force():
    for p, seed in ((1, 0), (4, 1), (7, 2), (10, 3)):
        R = _random_corr(p, seed)
        r2 = _subsets.subset_r2(R)
        np.testing.assert_allclose(r2, _brute_r2(R), atol=1e-13)
        lmg = _subsets.shapley_from_r2(r2, p)
        if p <= 7:  # average over all p! orderings
            ref_lmg = np.zeros(p)
            for perm in itertools.permutations(range(p)):
                s = 0
                for j in perm:
                    ref_lmg[j] += r2[s | 1 << j] - r2[s]
                    s |= 1 << j
            np.testing.assert_allclose(lmg, ref_lmg / math.factorial(p), atol=1e-14)
        cond = _subsets.conditional_from_r2(r2, p)
        np.testing.assert_allclose(cond.mean(axis=1), lmg, atol=1e-14)


def test_engine_blocked_path_and_batch():
    # p = 18 exceeds the cache block (2^16): the breadth-first head + blocked tail is used
    R = _random_corr(18, 7, n=80)
    r2 = _subsets.subset_r2(R)
    rng = np.random.default_rng(0)
    for s in rng.integers(1, 1 << 18, size=40):
        idx = [j for j in range(18) if int(s) >> j & 1]
        r = R[idx, 18]
        assert r2[s] == pytest.approx(r @ np.linalg.solve(R[np.ix_(idx, idx)], r), abs=1e-12)
    Rs = np.stack([_random_corr(5, k) for k in range(4)])
    batch = _subsets.subset_r2_batch(_subsets.pack(Rs), 6)
    for b in range(4):
        np.testing.assert_allclose(batch[:, b], _brute_r2(Rs[b]), atol=1e-13)


def test_bootstrap_correlations_equal_explicit_resample(survey):
    Z = survey[SURVEY_X + ["overall"]].to_numpy(float)
    rng = np.random.default_rng(5)
    counts = bootstrap_counts(rng, len(Z), 3)
    assert (counts.sum(axis=1) == len(Z)).all()
    R = bootstrap_corr((Z - Z.mean(0)) / Z.std(0), counts)
    noise = rng.standard_normal((3, len(Z)))
    Ra = bootstrap_corr((Z - Z.mean(0)) / Z.std(0), counts, noise)
    assert Ra.shape == (3, 8, 8)
    for b in range(3):
        rows = np.repeat(np.arange(len(Z)), counts[b].astype(int))
        np.testing.assert_allclose(R[b], np.corrcoef(Z[rows], rowvar=False), atol=1e-12)
        aug = np.column_stack([Z[:, :6], noise[b], Z[:, 6]])[rows]
        np.testing.assert_allclose(Ra[b], np.corrcoef(aug, rowvar=False), atol=1e-12)


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------


def _frame(seed, p, n=80):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ rng.uniform(-1, 1, (p, p)) + rng.standard_normal((n, p))
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    df["y"] = X @ rng.uniform(-1, 1, p) + rng.standard_normal(n)
    return df


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 8))
def test_decompositions_sum_to_r2(seed, p):
    df = _frame(seed, p)
    xs = [f"x{j}" for j in range(p)]
    for f in (dr.shapley, dr.relative_weights, dr.pratt):
        s = f(df, "y", xs)
        assert abs(s.sum() - s.attrs["r2"]) < 1e-12
    assert (dr.shapley(df, "y", xs) >= -1e-15).all()
    assert (dr.relative_weights(df, "y", xs) >= -1e-15).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(2, 7), scale=st.floats(0.01, 1000), shift=st.floats(-100, 100))
def test_invariance_to_order_rescaling_and_corr_input(seed, p, scale, shift):
    df = _frame(seed, p)
    xs = [f"x{j}" for j in range(p)]
    perm = list(np.random.default_rng(seed).permutation(xs))
    scaled = df.copy()
    scaled["x0"] = scale * df["x0"] + shift
    scaled["y"] = -2.5 * df["y"] + 3
    corr = df.corr()
    cov = df.cov()
    for f in (dr.shapley, dr.relative_weights, dr.first, dr.last, dr.beta_squared, dr.pratt):
        base = f(df, "y", xs)
        pd.testing.assert_series_equal(f(df, "y", perm).loc[xs], base, atol=1e-12, rtol=0, check_index=True)
        np.testing.assert_allclose(f(scaled, "y", xs).to_numpy(), base.to_numpy(), atol=1e-11)
        from_corr = f(corr=corr, outcome="y", drivers=xs, n=len(df))
        np.testing.assert_allclose(from_corr.to_numpy(), base.to_numpy(), atol=1e-12)
        np.testing.assert_allclose(f(corr=cov, outcome="y", drivers=xs).to_numpy(), base.to_numpy(), atol=1e-12)
        assert from_corr.attrs["n"] == len(df) and from_corr.attrs["missing"] == "corr"


def test_weights_equal_replicated_rows(survey):
    d = survey.copy()
    d["k"] = 1 + np.arange(len(d)) % 3
    rep = d.loc[d.index.repeat(d["k"])]
    for f in (dr.shapley, dr.relative_weights):
        np.testing.assert_allclose(
            f(d, "overall", SURVEY_X, weights="k").to_numpy(), f(rep, "overall", SURVEY_X).to_numpy(), atol=1e-12
        )
    s = dr.shapley(d, "overall", SURVEY_X, weights=d["k"].to_numpy())
    assert s.attrs["n"] == len(d)
    assert s.attrs["n_eff"] == pytest.approx(d.k.sum() ** 2 / (d.k**2).sum())


def test_duplicate_column_splits_equally_with_collinear_split(swiss):
    d = swiss.copy()
    d["Education2"] = d["Education"] * 2 + 1
    xs = SWISS_X + ["Education2"]
    s = dr.shapley(d, "Fertility", xs, collinear="split")
    base = dr.shapley(swiss, "Fertility", SWISS_X)
    assert s["Education"] == pytest.approx(s["Education2"], abs=1e-12)
    assert s.attrs["r2"] == pytest.approx(base.attrs["r2"], abs=1e-12)
    assert s.sum() == pytest.approx(base.attrs["r2"], abs=1e-12)
    # the other drivers' shares are those of the game where Education can be "played" twice
    assert s["Education"] + s["Education2"] > base["Education"]


# ------------------------------------------------------------------------------------------
# importance()
# ------------------------------------------------------------------------------------------


def test_importance_table(swiss):
    t = dr.importance(swiss, "Fertility", SWISS_X, n_boot=300, seed=11)
    assert list(t.columns) == ["method", "driver", "raw", "normalized", "ci_low", "ci_high", "rank", "p_value", "significant"]
    assert len(t) == 10 and set(t.method) == {"shapley", "relative_weights"}
    sh = t[t.method == "shapley"].set_index("driver")
    np.testing.assert_allclose(sh.loc[SWISS_X, "raw"], [0.05709122, 0.17117303, 0.26013468, 0.10557015, 0.11276592], atol=1e-6)
    assert sh["normalized"].sum() == pytest.approx(1.0)
    assert sh.loc["Education", "rank"] == 1 and sh.loc["Agriculture", "rank"] == 5
    assert ((sh.ci_low <= sh.raw) & (sh.raw <= sh.ci_high)).all()
    assert sh["p_value"].isna().all() and sh["significant"].isna().all()
    rw = t[t.method == "relative_weights"].set_index("driver")
    assert rw["p_value"].between(0, 1).all() and rw["significant"].notna().all()
    assert bool(rw.loc["Education", "significant"])
    assert t.attrs["r2"] == pytest.approx(0.7067350016, abs=1e-9) and t.attrs["n"] == 47
    again = dr.importance(swiss, "Fertility", SWISS_X, n_boot=300, seed=11)
    pd.testing.assert_frame_equal(t, again)


def test_importance_bootstrap_matches_explicit_resamples(swiss):
    """The batched bootstrap equals shapley() on explicitly resampled rows (same draws)."""
    t = dr.importance(swiss, "Fertility", SWISS_X, methods=("shapley", "first"), n_boot=5, seed=3, level=0.5)
    rng = np.random.default_rng(3)
    counts = bootstrap_counts(rng, len(swiss), 5)
    vals = {"shapley": [], "first": []}
    for b in range(5):
        rows = swiss.loc[swiss.index.repeat(counts[b].astype(int))]
        vals["shapley"].append(dr.shapley(rows, "Fertility", SWISS_X).to_numpy())
        vals["first"].append(dr.first(rows, "Fertility", SWISS_X).to_numpy())
    for m in vals:
        lo, hi = np.quantile(np.array(vals[m]), [0.25, 0.75], axis=0)
        got = t[t.method == m].set_index("driver").loc[SWISS_X]
        np.testing.assert_allclose(got.ci_low, lo, atol=1e-10)
        np.testing.assert_allclose(got.ci_high, hi, atol=1e-10)


def test_importance_random_variable_test_flags_noise():
    rng = np.random.default_rng(8)
    n = 400
    df = pd.DataFrame({"strong": rng.standard_normal(n), "noise": rng.standard_normal(n)})
    df["y"] = df.strong + rng.standard_normal(n)
    t = dr.importance(df, "y", ["strong", "noise"], methods=("relative_weights",), n_boot=300, seed=2).set_index("driver")
    assert bool(t.loc["strong", "significant"]) and t.loc["strong", "p_value"] < 0.01
    assert not bool(t.loc["noise", "significant"])


def test_importance_coverage_of_known_population_shapley():
    """95% percentile intervals cover the population LMG in most of 40 replications."""
    rho = np.array([[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]])
    beta = np.array([0.5, 0.3, 0.1])
    Sxy = rho @ beta
    R = np.block([[rho, Sxy[:, None]], [Sxy[None], np.array([[beta @ Sxy + 1.0]])]])
    R = R / np.sqrt(np.outer(np.diag(R), np.diag(R)))
    truth = _subsets.shapley_from_r2(_subsets.subset_r2(R), 3)
    L = np.linalg.cholesky(R)
    hits = 0
    for rep in range(40):
        Z = np.random.default_rng(100 + rep).standard_normal((300, 4)) @ L.T
        df = pd.DataFrame(Z, columns=["a", "b", "c", "y"])
        t = (
            dr.importance(df, "y", ["a", "b", "c"], methods=("shapley",), n_boot=200, seed=rep)
            .set_index("driver")
            .loc[["a", "b", "c"]]
        )
        hits += ((t.ci_low <= truth) & (truth <= t.ci_high)).sum()
    assert hits / 120 > 0.85


# ------------------------------------------------------------------------------------------
# ipa
# ------------------------------------------------------------------------------------------


def test_ipa_quadrants_by_hand():
    perf = pd.Series({"a": 4.5, "b": 3.0, "c": 2.0, "d": 4.0})
    imp = pd.Series({"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.05})
    # mean cut: performance 3.375, importance 0.2125
    out = priorities.ipa(perf, imp)
    assert out["quadrant"].to_dict() == {
        "a": "keep up the good work",
        "b": "concentrate here",
        "c": "low priority",
        "d": "possible overkill",
    }
    assert out.attrs["performance_cut"] == pytest.approx(3.375)
    assert out.attrs["importance_cut"] == pytest.approx(0.2125)
    med = priorities.ipa(perf, imp, split="median")  # cuts 3.5 and 0.2
    assert med.attrs["performance_cut"] == 3.5 and med.attrs["importance_cut"] == 0.2
    mid = priorities.ipa(perf, imp, split="midpoint", scale=(1, 5))  # cuts 3.0 and 0.225
    assert mid.loc["b", "quadrant"] == "keep up the good work"  # on the cross-hair → high
    exp = priorities.ipa(perf, imp, split=(5, 0.0))
    assert set(exp.quadrant) == {"concentrate here"}
    assert list(out.columns) == ["performance", "importance", "quadrant"]
    with pytest.raises(ValueError, match="scale"):
        priorities.ipa(perf, imp, split="midpoint")
    with pytest.raises(ValueError, match="d"):
        priorities.ipa(perf, imp.drop("d"))


# ------------------------------------------------------------------------------------------
# penalty–reward details
# ------------------------------------------------------------------------------------------


def test_penalty_reward_default_boxes_and_errors(survey):
    a = priorities.penalty_reward(survey, "overall", SURVEY_X, min_cell=0)
    b = priorities.penalty_reward(survey, "overall", SURVEY_X, low=2, high=4, min_cell=0)
    pd.testing.assert_frame_equal(a, b)  # 1–5 scale: bottom two / top two
    assert set(a.factor_class) <= set(priorities.FACTOR_CLASSES)
    assert ((a.n_low + a.n_mid + a.n_high) == len(survey)).all()
    with pytest.raises(ValueError, match="quality"):
        priorities.penalty_reward(survey, "overall", SURVEY_X, low={"reliability": 2}, high=4)
    with pytest.raises(ValueError, match="middle"):
        priorities.penalty_reward(survey, "overall", ["quality"], low=3, high=3)
    with pytest.warns(UserWarning, match="fewer than"):
        priorities.penalty_reward(survey, "overall", ["quality"], low=1, high=5, min_cell=100)


# ------------------------------------------------------------------------------------------
# Bad input and missing data
# ------------------------------------------------------------------------------------------


def test_bad_input_names_the_columns(swiss):
    d = swiss.copy()
    d["const"] = 3.0
    d["combo"] = d["Agriculture"] + d["Examination"]
    d["label"] = pd.Series(["a"] * 47, dtype="string")
    with pytest.raises(ValueError, match="const"):
        dr.shapley(d, "Fertility", SWISS_X + ["const"])
    with pytest.raises(ValueError, match="Agriculture.*Examination.*combo"):
        dr.relative_weights(d, "Fertility", SWISS_X + ["combo"])
    with pytest.raises(ValueError, match="combo"):
        dr.shapley(d, "Fertility", SWISS_X + ["combo"])
    with pytest.raises(ValueError, match="label"):
        dr.pratt(d, "Fertility", SWISS_X + ["label"])
    with pytest.raises(ValueError, match="Fertility"):
        dr.shapley(d, "Fertility", SWISS_X + ["Fertility"])
    with pytest.raises(ValueError, match="nope"):
        dr.first(d, "Fertility", ["nope"])
    with pytest.raises(ValueError, match="rows"):
        dr.shapley(d.iloc[:5], "Fertility", SWISS_X)
    with pytest.raises(ValueError, match="Fertility"):
        dr.shapley(d.assign(Fertility=1.0), "Fertility", SWISS_X)
    with pytest.raises(ValueError, match="relative_weights"):
        dr.shapley(d, "Fertility", SWISS_X, max_drivers=4)
    with pytest.raises(ValueError, match="either data or corr"):
        dr.shapley(d, "Fertility", SWISS_X, corr=d.corr(numeric_only=True))
    with pytest.raises(ValueError, match="missing"):
        dr.shapley(d, "Fertility", SWISS_X, missing="pairwize")
    corr = swiss.corr()
    corr.loc["Catholic", "Education"] = np.nan
    with pytest.raises(ValueError, match="Catholic"):
        dr.shapley(corr=corr, outcome="Fertility", drivers=SWISS_X)
    with pytest.raises(ValueError, match="repurchase"):
        dr.dominance(d.assign(repurchase=np.arange(47) % 3), "repurchase", SWISS_X, binary=True)


def test_shapley_limit_and_many_drivers():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.standard_normal((200, 27)), columns=[f"x{j}" for j in range(27)])
    df["y"] = df.sum(axis=1) + rng.standard_normal(200)
    with pytest.raises(ValueError, match="relative_weights"):
        dr.shapley(df, "y")
    rw = dr.relative_weights(df, "y")
    assert len(rw) == 27 and abs(rw.sum() - rw.attrs["r2"]) < 1e-12


# ------------------------------------------------------------------------------------------
# Choosing the methods for many drivers
# ------------------------------------------------------------------------------------------


def test_shapley_limit_rule():
    """k = 15 (+ ⌊log2(1000/n_boot)⌋) linear, 6 logistic; 25 / 14 without a bootstrap."""
    assert dr.shapley_limit() == 15 and dr.shapley_limit(binary=True) == 6
    assert dr.shapley_limit(n_boot=200) == 17 and dr.shapley_limit(n_boot=2000) == 14
    assert dr.shapley_limit(n_boot=1) == 24 and dr.shapley_limit(n_boot=0) == 25
    assert dr.shapley_limit(n_boot=0, binary=True) == 14
    assert dr.shapley_limit(n_boot=10**9) == 1
    assert dr.SHAPLEY_MAX_DRIVERS == 25
    with pytest.raises(ValueError, match="n_boot"):
        dr.shapley_limit(n_boot=-1)


def test_choose_methods():
    small = dr.choose_methods(15)
    assert small.methods == ("shapley", "relative_weights") and not small.replaced
    assert small.note == "" and small.note_fa == "" and small.limit == 15
    big = dr.choose_methods(27)
    assert big.methods == ("relative_weights",) and big.replaced and big.dropped == ("shapley",)
    assert "27 drivers" in big.note and "relative weights replace Shapley" in big.note
    assert "۲۷" in big.note_fa and "وزن‌های نسبی" in big.note_fa
    assert dr.choose_methods(20, n_boot=0).methods == ("shapley", "relative_weights")
    asked = dr.choose_methods(16, ("shapley", "first", "pratt"))
    assert asked.methods == ("relative_weights", "first", "pratt") and asked.replaced
    assert dr.choose_methods(16, "pratt").methods == ("pratt",)
    logit = dr.choose_methods(8, ("shapley", "first", "last", "relative_weights"), binary=True)
    assert logit.methods == ("relative_weights",)
    assert logit.dropped == ("shapley", "first", "last")
    with pytest.raises(ValueError, match="pratt"):
        dr.choose_methods(4, "pratt", binary=True)
    with pytest.raises(ValueError, match="positive integer"):
        dr.choose_methods(0)
    with pytest.raises(ValueError, match="unknown"):
        dr.choose_methods(4, ("lmg",))


def test_importance_auto_with_27_drivers():
    """The bank survey case: 27 candidate drivers. methods="auto" gives relative weights and a
    note instead of the 25-driver error; the weights add up to the OLS R² (numpy lstsq)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.standard_normal((250, 27)), columns=[f"x{j}" for j in range(27)])
    df["y"] = df.iloc[:, :5].sum(axis=1) + rng.standard_normal(250)
    with pytest.raises(ValueError, match="choose_methods"):
        dr.importance(df, "y", n_boot=0)
    choice = dr.choose_methods(27, n_boot=50)
    t = dr.importance(df, "y", methods=choice.methods, n_boot=50, seed=1)
    auto = dr.importance(df, "y", methods="auto", n_boot=50, seed=1)
    assert set(t["method"]) == set(auto["method"]) == {"relative_weights"}
    assert auto.attrs["methods"] == ("relative_weights",)
    assert auto.attrs["methods_note"] == choice.note and "27 drivers" in choice.note
    D = np.column_stack([np.ones(250), df.iloc[:, :27].to_numpy()])
    beta, *_ = np.linalg.lstsq(D, df["y"].to_numpy(), rcond=None)
    resid = df["y"].to_numpy() - D @ beta
    r2 = 1 - resid @ resid / np.sum((df["y"] - df["y"].mean()) ** 2)
    assert auto["raw"].sum() == pytest.approx(r2, abs=1e-10)
    few = dr.importance(df, "y", ["x0", "x1", "x2"], methods="auto", n_boot=0)
    assert list(dict.fromkeys(few["method"])) == ["shapley", "relative_weights"]
    assert few.attrs["methods_note"] == ""


def test_listwise_missing_is_reported(swiss):
    d = swiss.copy()
    d.loc[[0, 5], "Education"] = np.nan
    d.loc[9, "Fertility"] = np.nan
    with pytest.warns(UserWarning, match="3 of 47"):
        s = dr.shapley(d, "Fertility", SWISS_X)
    assert s.attrs["n"] == 44 and s.attrs["missing"] == "listwise"
    ref = dr.shapley(d.dropna(), "Fertility", SWISS_X)
    np.testing.assert_allclose(s.to_numpy(), ref.to_numpy(), atol=1e-15)


def test_pairwise_not_positive_definite_is_refused():
    # r12 ≈ 1 on rows A, r23 ≈ 1 on rows B, r13 ≈ −1 on rows C: no joint distribution has these
    n = 30
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal(n) for _ in range(3))
    e = lambda: 0.05 * rng.standard_normal(n)  # noqa: E731
    nan = np.full(n, np.nan)
    df = pd.DataFrame({"x1": np.r_[a, nan, c], "x2": np.r_[a + e(), b, nan], "x3": np.r_[nan, b + e(), -c + e()]})
    df["y"] = rng.standard_normal(3 * n)
    with pytest.raises(ValueError, match="positive semi-definite"):
        dr.relative_weights(df, "y", ["x1", "x2", "x3"], missing="pairwise")


# --------------------------------------------------------------------------------------------
# The shared keyword inputs (csmlib.stats.driver_inputs.DriverInputs)
# --------------------------------------------------------------------------------------------

_IMPORTANCE_FUNCTIONS = ["shapley", "first", "last", "beta_squared", "pratt", "relative_weights"]


@pytest.mark.parametrize("name", _IMPORTANCE_FUNCTIONS)
def test_driver_inputs_keep_the_call_syntax_and_defaults(swiss, name):
    fn = getattr(dr, name)
    positional = fn(swiss, "Fertility", SWISS_X)
    spelled_out = fn(data=swiss, outcome="Fertility", drivers=SWISS_X, corr=None, weights=None, missing="listwise", n=None)
    pd.testing.assert_series_equal(positional, spelled_out)
    assert positional.attrs == spelled_out.attrs
    from_corr = fn(corr=swiss.corr(), outcome="Fertility", drivers=SWISS_X, n=47)
    np.testing.assert_allclose(from_corr.to_numpy(), positional.to_numpy(), atol=1e-12)
    assert from_corr.attrs["n"] == 47 and from_corr.attrs["missing"] == "corr"
    weighted = fn(swiss, "Fertility", SWISS_X, weights=np.ones(len(swiss)), missing="pairwise")
    np.testing.assert_allclose(weighted.to_numpy(), positional.to_numpy(), atol=1e-12)


@pytest.mark.parametrize("name", [*_IMPORTANCE_FUNCTIONS, "dominance"])
@pytest.mark.parametrize("keyword", ["wieghts", "caller", "need_rows", "binary", "limit"])
def test_driver_inputs_refuse_an_unknown_keyword(swiss, name, keyword):
    if name == "dominance" and keyword == "binary":
        return  # one of dominance's own keywords
    with pytest.raises(TypeError, match=f"{name}\\(\\) got an unexpected keyword argument '{keyword}'"):
        getattr(dr, name)(swiss, "Fertility", SWISS_X, **{keyword: True})


@pytest.mark.parametrize("name", ["first", "last", "beta_squared", "pratt", "relative_weights"])
def test_driver_inputs_refuse_the_options_of_other_methods(swiss, name):
    for keyword in ("collinear", "max_drivers", "fit"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
            getattr(dr, name)(swiss, "Fertility", SWISS_X, **{keyword: "raise"})
    with pytest.raises(TypeError):
        getattr(dr, name)(swiss, "Fertility", SWISS_X, None)  # the inputs stay keyword-only
