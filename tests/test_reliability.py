"""csmlib.stats.reliability against R psych: public case C (Holzinger–Swineford) and derived cases.

Reference values
----------------
* ``CASE_C``: the method note ``reliability.md`` §3 (psych 2.5.3), with the note's tolerances:
  1e-6 closed form, 1e-4 minres-based ω.
* ``SMALL``: a small B2B unit, ``tests/data/reliability_small_unit.csv`` — 11 items on 0–10,
  9 complete rows plus 3 rows with one missing answer each (generated once with numpy, seed
  20240911: one common factor plus noise, rounded and clipped to 0–10). Reference values from
  R 4.2.2 / psych 2.2.9: ``alpha(na.omit(x))$total``, ``alpha.ci(raw_alpha, 9, 11)`` (Feldt,
  also ``p.val = .10``), raw_alpha ± 1.96·ase (Duhachek), ``alpha.drop``, ``item.stats``,
  ``splitHalf(na.omit(x), check.keys=FALSE)``; pairwise: ``alpha(x)`` (12 input rows); the
  script is ``tests/data/stats_realsurveys_reference.R``.
* Derived cases (missing values, Likert recoding, a reverse-keyed item) are built below from the
  same fixture without any random numbers. Their reference values were computed with
  R 4.2.2 / psych 2.2.9 / GPArotation 2022.10-2 (Debian bookworm) on exactly these data. Where
  psych ≥ 2.4 changed a convention (standardized α from the pairwise ``cor()`` rather than
  ``cov2cor(C)``) the reference is the psych formula evaluated in R with ``cor(x, use="pairwise")``.
"""

from __future__ import annotations

import math
from pathlib import Path
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csmlib.stats.reliability import (
    cronbach_alpha,
    efa,
    guttman,
    is_small_sample,
    item_statistics,
    omega,
    ordinal_alpha,
    reverse_items,
    reverse_keying_flags,
)

from tests.holzinger import ITEMS, likert, load_items, with_missing

CLOSED = 1e-6  # closed-form statistics (note §3)
ITER = 1e-4  # minres-based ω (note §3)


# --------------------------------------------------------------------------------------------
# Data: case C and deterministic derivations of it
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_items()


@pytest.fixture(scope="module")
def hs_missing(hs) -> pd.DataFrame:
    return with_missing(hs)


@pytest.fixture(scope="module")
def hs_likert(hs) -> pd.DataFrame:
    return likert(hs)


# --------------------------------------------------------------------------------------------
# Case C: whole scale
# --------------------------------------------------------------------------------------------


def test_case_c_alpha_feldt(hs):
    res = cronbach_alpha(hs)
    assert res.alpha == pytest.approx(0.7604885958, abs=CLOSED)
    assert res.std_alpha == pytest.approx(0.7604022190, abs=CLOSED)
    assert res.average_r == pytest.approx(0.2606990013, abs=CLOSED)
    assert res.g6 == pytest.approx(0.8084867408, abs=CLOSED)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.7177168660, 0.7990788326), abs=CLOSED)
    assert (res.n, res.k, res.missing, res.ci_method) == (301, 9, "pairwise", "feldt")
    assert res.n_complete == res.n_rows == 301 and res.negative_items == ()


def test_case_c_alpha_duhachek(hs):
    res = cronbach_alpha(hs, ci="duhachek")
    assert res.ase == pytest.approx(0.02083427076, abs=CLOSED)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.7196534251, 0.8013237665), abs=CLOSED)
    # psych uses exactly 1.96 at 95%
    assert res.ci_high - res.alpha == pytest.approx(1.96 * res.ase, abs=1e-12)


def test_case_c_guttman(hs):
    g = guttman(hs)
    assert g.lambda2 == pytest.approx(0.7793595234, abs=CLOSED)
    assert g.lambda6 == pytest.approx(0.8084867408, abs=CLOSED)
    assert g.lambda3 == pytest.approx(0.7604022190, abs=CLOSED)
    assert (g.lambda4, g.beta, g.mean_split_half) == pytest.approx((0.8489566713, 0.5126953443, 0.7510145373), abs=CLOSED)
    assert g.n_splits == 126 and g.exhaustive
    assert len(g.best_split) == 4 and len(g.worst_split) == 4


def test_case_c_omega(hs):
    assert omega(hs).omega_total == pytest.approx(0.7706982837, abs=ITER)
    sl = omega(hs, n_factors=3)
    assert sl.omega_hierarchical == pytest.approx(0.4492424341, abs=ITER)
    assert sl.omega_total == pytest.approx(0.8508350734, abs=ITER)  # = glb.fa
    assert sl.omega_h_asymptotic == pytest.approx(0.5280017810, abs=ITER)
    assert sl.ecv == pytest.approx(0.2972656470, abs=ITER)
    assert sl.flipped_items == () and sl.n == 301
    assert list(sl.loadings.columns) == ["g", "F1*", "F2*", "F3*", "h2", "u2"]
    np.testing.assert_allclose(np.diag(sl.phi), 1.0)


def test_one_factor_omega_has_no_hierarchical_part(hs):
    res = omega(hs)
    assert res.omega_hierarchical is None and res.ecv is None and res.phi is None


ITEM_TABLE = pd.DataFrame(
    [
        [4.935770, 1.167432, 0.522037, 0.657359, 0.724806, 0.725112, 0.743238],
        [6.088040, 1.177451, 0.275243, 0.453045, 0.764231, 0.763185, 0.774021],
        [2.250415, 1.130979, 0.370172, 0.528328, 0.748956, 0.748243, 0.764434],
        [3.060908, 1.164116, 0.580707, 0.702919, 0.715001, 0.718581, 0.723953],
        [4.340532, 1.290472, 0.525385, 0.673324, 0.723572, 0.725521, 0.730794],
        [2.185572, 1.095603, 0.595139, 0.707460, 0.714154, 0.716771, 0.722155],
        [4.185902, 1.089534, 0.245732, 0.413821, 0.766437, 0.764980, 0.776092],
        [5.527076, 1.012615, 0.369055, 0.511361, 0.748424, 0.747131, 0.764485],
        [5.374123, 1.009152, 0.494781, 0.617414, 0.731030, 0.728064, 0.749885],
    ],
    index=ITEMS,
    columns=["mean", "sd", "item_rest_r", "item_total_r", "alpha_if_dropped", "std_alpha_if_dropped", "omega_if_dropped"],
)


def test_case_c_item_table(hs):
    table = item_statistics(hs)
    closed = ITEM_TABLE.columns[:-1]
    # published with 6 decimals: rounding error ≤ 5e-7
    np.testing.assert_allclose(table[closed].to_numpy(), ITEM_TABLE[closed].to_numpy(), atol=CLOSED)
    np.testing.assert_allclose(table["omega_if_dropped"], ITEM_TABLE["omega_if_dropped"], atol=ITER)
    assert not table["negative_flag"].any()
    assert table.loc["x2", "raises_alpha"] and table.loc["x7", "raises_alpha"]
    assert table["raises_alpha"].sum() == 2
    assert (table["n"] == 301).all()
    assert table.attrs["n"] == 301 and table.attrs["missing"] == "pairwise"


@pytest.mark.parametrize(
    "cols, alpha, feldt, omega_t",
    [
        (["x1", "x2", "x3"], 0.6261171319, (0.5465033371, 0.6937533462), 0.6350717129),
        (["x4", "x5", "x6"], 0.8827069129, (0.8577307811, 0.9039254844), 0.8849615333),
        (["x7", "x8", "x9"], 0.6884550230, (0.6221153215, 0.7448141788), 0.6983737669),
    ],
)
def test_case_c_subscales(hs, cols, alpha, feldt, omega_t):
    res = cronbach_alpha(hs[cols])
    assert res.alpha == pytest.approx(alpha, abs=CLOSED)
    assert (res.ci_low, res.ci_high) == pytest.approx(feldt, abs=CLOSED)
    assert omega(hs[cols]).omega_total == pytest.approx(omega_t, abs=ITER)


# --------------------------------------------------------------------------------------------
# Missing data (R psych 2.2.9 on with_missing(hs))
# --------------------------------------------------------------------------------------------


def test_missing_pairwise_alpha_matches_psych(hs_missing):
    res = cronbach_alpha(hs_missing)
    assert res.alpha == pytest.approx(0.758083076059, abs=CLOSED)
    assert res.ase == pytest.approx(0.0211018694046, abs=CLOSED)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.714881770643, 0.79706089174), abs=CLOSED)
    # psych >= 2.4: R is the pairwise cor(), not cov2cor(pairwise C)
    assert res.std_alpha == pytest.approx(0.757342702324, abs=CLOSED)
    assert res.average_r == pytest.approx(0.257489347794, abs=CLOSED)
    assert res.g6 == pytest.approx(0.809229870289, abs=CLOSED)
    # n for the interval = input rows (psych), not the 164 complete rows
    assert (res.n, res.n_rows, res.n_complete, res.ci_n) == (301, 301, 164, "input_rows")


def test_missing_pairwise_item_table_matches_psych(hs_missing):
    table = item_statistics(hs_missing)
    ref = {
        "item_total_r": [
            0.647778435649,
            0.469720288774,
            0.521477615796,
            0.681711295243,
            0.650405247873,
            0.680473873891,
            0.400736781753,
            0.518402692057,
            0.602582036142,
        ],
        "item_rest_r": [
            0.510057619753,
            0.277294043157,
            0.379787699721,
            0.577775593751,
            0.509668964249,
            0.600872121834,
            0.237604588645,
            0.382649149492,
            0.478756270730,
        ],
        "mean": [
            4.96703296692,
            6.10960144928,
            2.28687050360,
            3.02619047968,
            4.31583629893,
            2.18844984691,
            4.18651098587,
            5.53873239437,
            5.37674825070,
        ],
        "sd": [
            1.15475884933,
            1.18704684163,
            1.12797473110,
            1.11687954634,
            1.30079924397,
            1.11171593087,
            1.07074635043,
            1.01425170185,
            1.01032460714,
        ],
        "alpha_if_dropped": [
            0.723714159223,
            0.761532345193,
            0.744597173908,
            0.713100344756,
            0.723284784571,
            0.709420402937,
            0.764557985562,
            0.743701432467,
            0.730199220886,
        ],
        "std_alpha_if_dropped": [
            0.722487585201,
            0.759575031598,
            0.744038213899,
            0.716003462483,
            0.724073204381,
            0.711747679418,
            0.762620274916,
            0.741749700920,
            0.726289447747,
        ],
    }
    for col, values in ref.items():
        np.testing.assert_allclose(table[col], values, atol=CLOSED, err_msg=col)
    assert table["n"].tolist() == [273, 276, 278, 280, 281, 282, 283, 284, 286]


def test_missing_listwise_and_ci_n(hs_missing):
    lw = cronbach_alpha(hs_missing, missing="listwise")
    assert lw.alpha == pytest.approx(0.759646429142, abs=CLOSED)
    assert lw.std_alpha == pytest.approx(0.759820129521, abs=CLOSED)
    assert (lw.ci_low, lw.ci_high) == pytest.approx((0.716724305905, 0.798372356335), abs=CLOSED)
    assert lw.n == 301 and lw.missing == "listwise"
    lw_c = cronbach_alpha(hs_missing, missing="listwise", ci_n="complete_rows")
    assert (lw_c.ci_low, lw_c.ci_high) == pytest.approx((0.700369258385, 0.811198361186), abs=CLOSED)
    assert lw_c.n == 164 and lw_c.ci_n == "complete_rows"
    # fewer rows → wider interval; pairwise and listwise α differ but stay close
    assert lw_c.ci_high - lw_c.ci_low > lw.ci_high - lw.ci_low
    pw = cronbach_alpha(hs_missing)
    assert pw.alpha != lw.alpha and abs(pw.alpha - lw.alpha) < 0.01


def test_listwise_equals_complete_rows(hs_missing):
    complete = hs_missing.dropna()
    lw = item_statistics(hs_missing, missing="listwise")
    full = item_statistics(complete)
    pd.testing.assert_frame_equal(lw, full)
    assert lw.attrs["n"] == 164


def test_missing_omega_matches_psych(hs_missing):
    assert omega(hs_missing).omega_total == pytest.approx(0.767822566454, abs=ITER)
    sl = omega(hs_missing, n_factors=3)
    assert (sl.omega_hierarchical, sl.omega_total, sl.omega_h_asymptotic, sl.ecv) == pytest.approx(
        (0.466618312717, 0.850950956300, 0.548349243000, 0.307394936423), abs=ITER
    )
    with pytest.warns(UserWarning, match="two group factors"):
        two = omega(hs_missing, n_factors=2)
    assert (two.omega_hierarchical, two.omega_total, two.omega_h_asymptotic, two.ecv) == pytest.approx(
        (0.393940290836, 0.815236346320, 0.483222187792, 0.330920441940), abs=ITER
    )


def test_missing_guttman_uses_cov2cor_as_splithalf(hs_missing):
    g = guttman(hs_missing[ITEMS[:6]])
    assert (g.lambda4, g.beta, g.mean_split_half, g.lambda2, g.lambda6) == pytest.approx(
        (0.831149950547, 0.459149376720, 0.759729302486, 0.782224238133, 0.792933362730), abs=CLOSED
    )
    assert g.n_splits == 10  # even k: C(6, 3)/2 distinct splits


# --------------------------------------------------------------------------------------------
# Reverse-keyed items
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reversed_x2(hs_likert) -> pd.DataFrame:
    out = hs_likert.copy()
    out["x2"] = 6 - out["x2"]
    return out


def test_reverse_keyed_item_is_flagged_not_reversed(reversed_x2):
    with pytest.warns(UserWarning, match="x2"):
        res = cronbach_alpha(reversed_x2)
    assert res.alpha == pytest.approx(0.626566632806, abs=CLOSED)  # psych: not reversed
    assert res.negative_items == ("x2",)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = item_statistics(reversed_x2)
    np.testing.assert_allclose(
        table["item_rest_r"],
        [
            0.433401270821,
            -0.306493686993,
            0.252050268201,
            0.507133975115,
            0.490254282067,
            0.507939358851,
            0.291005213023,
            0.312977091052,
            0.429649803221,
        ],
        atol=CLOSED,
    )
    assert table.index[table["negative_flag"]].tolist() == ["x2"]
    assert table.index[table["pc1_negative"]].tolist() == ["x2"]
    assert table.loc["x2", "raises_alpha"]
    flags = reverse_keying_flags(reversed_x2)
    assert flags.index[flags["suspect"]].tolist() == ["x2"]


def test_reverse_items_restores_the_scale(hs_likert, reversed_x2):
    fixed = reverse_items(reversed_x2, ["x2"], 1, 5)
    np.testing.assert_array_equal(fixed["x2"].to_numpy(), hs_likert["x2"].to_numpy())
    assert cronbach_alpha(fixed).alpha == pytest.approx(cronbach_alpha(hs_likert).alpha, abs=1e-12)
    assert reversed_x2["x2"].tolist() != fixed["x2"].tolist()  # input untouched


def test_reverse_keyed_omega_and_split_half(reversed_x2):
    with pytest.warns(UserWarning, match="flipped"):
        res = omega(reversed_x2)
    assert res.omega_total == pytest.approx(0.752162835757, abs=ITER)  # psych flip=TRUE
    assert res.flipped_items == ("x2",)
    six = reversed_x2[ITEMS[:6]]
    with pytest.warns(UserWarning, match="reverse"):
        plain = guttman(six)
    assert plain.negative_items == ("x2",) and plain.reversed_items == ()
    with pytest.warns(UserWarning, match="reversed"):
        keyed = guttman(six, check_keys=True)
    assert keyed.reversed_items == ("x2",)
    assert (keyed.lambda4, keyed.beta, keyed.mean_split_half, keyed.lambda2, keyed.lambda6) == pytest.approx(
        (0.843706778004, 0.508137333117, 0.756395298632, 0.774355764154, 0.777683480792), abs=CLOSED
    )


def test_reverse_items_validation():
    df = pd.DataFrame({"q1": [1, 2, 7], "q2": [1, 2, 3], "s": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="q1.*outside"):
        reverse_items(df, ["q1"], 1, 5)
    with pytest.raises(ValueError, match="q9"):
        reverse_items(df, ["q9"], 1, 5)
    with pytest.raises(ValueError, match="'s' is not numeric"):
        reverse_items(df, ["s"], 1, 5)
    with pytest.raises(ValueError, match="scale_min"):
        reverse_items(df, ["q2"], 5, 1)
    out = reverse_items(pd.DataFrame({"q": [1.0, np.nan, 4.0]}), "q", 1, 4)
    assert out["q"].tolist()[0] == 4.0 and math.isnan(out["q"].tolist()[1])


# --------------------------------------------------------------------------------------------
# Ordinal α (R psych 2.2.9 polychoric on likert(hs))
# --------------------------------------------------------------------------------------------


def test_ordinal_alpha_matches_psych(hs_likert):
    res = ordinal_alpha(hs_likert)
    assert res.alpha == pytest.approx(0.766388118745, abs=1e-4)
    rho = res.polychoric.to_numpy()
    assert rho[1, 0] == pytest.approx(0.3180290857120, abs=1e-4)
    assert rho[8, 7] == pytest.approx(0.4475381548320, abs=1e-4)
    assert rho[4, 3] == pytest.approx(0.7210173157413, abs=1e-4)
    np.testing.assert_allclose(
        res.thresholds.loc["x1"], [-0.7859552785643, -0.2139772681128, 0.3974577992846, 0.8439969743524], atol=1e-10
    )
    assert res.global_thresholds and res.n == 301 and res.k == 9


def test_ordinal_alpha_missing_and_unequal_categories(hs_likert):
    assert ordinal_alpha(with_missing(hs_likert)).alpha == pytest.approx(0.763644232904, abs=1e-4)
    collapsed = hs_likert.assign(x9=np.minimum(hs_likert["x9"], 4))
    with pytest.warns(UserWarning) as caught:
        res = ordinal_alpha(collapsed)
    messages = " ".join(str(w.message) for w in caught)
    assert "equal number of response alternatives" in messages
    assert "continuity correction" in messages and res.corrected_pairs == 3
    assert not res.global_thresholds
    assert res.alpha == pytest.approx(0.766522010338, abs=1e-4)
    assert res.polychoric.loc["x9", "x1"] == pytest.approx(0.4220961775853, abs=1e-4)


def test_ordinal_alpha_with_empty_cells(hs_likert):
    """60 rows: many empty cells. psych 2.2.9: no correction with global thresholds; with unequal
    numbers of alternatives (x1 collapsed to 3) empty cells get 0.5/N."""
    small = hs_likert.iloc[:60][["x4", "x5", "x6", "x1"]]
    res = ordinal_alpha(small)
    lower = res.polychoric.to_numpy().T[np.triu_indices(4, 1)]
    np.testing.assert_allclose(
        lower, [0.649116656000, 0.613580476166, 0.425853092928, 0.761753358002, 0.150693568552, 0.260721125921], atol=1e-4
    )
    assert res.alpha == pytest.approx(0.78483041432, abs=1e-4) and res.corrected_pairs == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = ordinal_alpha(small.assign(x1=np.minimum(small["x1"], 3)))
    lower = local.polychoric.to_numpy().T[np.triu_indices(4, 1)]
    np.testing.assert_allclose(
        lower, [0.471847458462, 0.486862737260, 0.276721961206, 0.542336606919, 0.170019793484, 0.311369918646], atol=1e-4
    )
    assert local.alpha == pytest.approx(0.70723156189, abs=1e-4) and local.corrected_pairs == 6


def test_results_serialise_to_json(hs):
    import json

    from csmlib.core.results import to_jsonable

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [
            cronbach_alpha(hs),
            guttman(hs),
            omega(hs),
            omega(hs, n_factors=3),
            item_statistics(hs),
            ordinal_alpha(likert(hs)),
            reverse_keying_flags(hs),
        ]
    for res in results:
        payload = to_jsonable(res)
        json.dumps(payload, allow_nan=False)
        if isinstance(res, pd.DataFrame):  # tables state n and the mode in attrs
            assert res.attrs["n"] == 301 and res.attrs["missing"] == "pairwise"
        else:
            assert payload["n"] == 301 and payload["missing"] == "pairwise"


def test_ordinal_alpha_rejects_non_ordinal_items(hs):
    with pytest.raises(ValueError, match="non-integer"):
        ordinal_alpha(hs)
    wide = pd.DataFrame({"a": np.arange(60) % 12, "b": np.arange(60) % 5, "c": np.arange(60) % 3})
    with pytest.raises(ValueError, match="'?a'? span|a span"):
        ordinal_alpha(wide)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def test_validation_errors_name_the_item(hs):
    with pytest.raises(ValueError, match="at least two items"):
        cronbach_alpha(hs[["x1"]])
    with pytest.raises(ValueError, match="'label' is not numeric"):
        cronbach_alpha(hs.assign(label="a"))
    with pytest.raises(ValueError, match="x3 have no observed values"):
        cronbach_alpha(hs.assign(x3=np.nan))
    with pytest.raises(ValueError, match="n = 5 rows must exceed .* k = 9"):
        efa(hs.iloc[:5], 1)  # factor models need n > k; the α family does not
    with pytest.raises(ValueError, match="n = 1 rows; at least 2"):
        cronbach_alpha(hs.iloc[:1])
    with pytest.raises(ValueError, match="infinite values in item.*x4"):
        cronbach_alpha(hs.assign(x4=np.inf))
    with pytest.raises(ValueError, match="missing must be"):
        cronbach_alpha(hs, missing="available")
    with pytest.raises(ValueError, match="ci must be"):
        cronbach_alpha(hs, ci="wald")
    with pytest.raises(ValueError, match="n_factors"):
        omega(hs, n_factors=9)
    few = hs.copy()
    few.loc[2:, "x1"] = np.nan
    with pytest.raises(ValueError, match="x1.*x2.*present in only"):
        cronbach_alpha(few)


def test_constant_item_is_dropped_with_warning_as_psych(hs):
    with pytest.warns(UserWarning, match="const have no variance and were dropped"):
        res = cronbach_alpha(hs.assign(const=3.0))
    assert res.dropped_items == ("const",) and res.k == 9
    assert res.alpha == pytest.approx(0.7604885958, abs=CLOSED)
    with pytest.warns(UserWarning, match="const"):
        table = item_statistics(hs.assign(const=3.0))
    assert "const" not in table.index
    with pytest.raises(ValueError, match="fewer than two items"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cronbach_alpha(pd.DataFrame({"a": [1.0] * 5, "b": [2.0] * 5, "c": [1, 2, 3, 4, 5]}))


def test_two_items(hs):
    res = cronbach_alpha(hs[["x4", "x5"]])
    r = hs["x4"].corr(hs["x5"])
    assert res.std_alpha == pytest.approx(2 * r / (1 + r), abs=1e-12)
    with pytest.warns(UserWarning, match="two items"):
        table = item_statistics(hs[["x4", "x5"]])
    assert table["alpha_if_dropped"].isna().all()


def test_nullable_and_array_input(hs_likert):
    nullable = hs_likert.astype("Int64")
    nullable.loc[3, "x1"] = pd.NA
    expected = cronbach_alpha(hs_likert.astype(float).mask(nullable.isna()))
    assert cronbach_alpha(nullable).alpha == pytest.approx(expected.alpha, abs=1e-12)
    arr = cronbach_alpha(hs_likert.to_numpy())
    assert arr.items[0] == "item1" and arr.alpha == pytest.approx(cronbach_alpha(hs_likert).alpha, abs=1e-12)


# --------------------------------------------------------------------------------------------
# Bootstrap and sampled split-halves (stochastic: self-consistency only)
# --------------------------------------------------------------------------------------------


def test_bootstrap_ci_is_seeded_and_sensible(hs, hs_missing):
    a = cronbach_alpha(hs, ci="bootstrap", n_boot=300, seed=7)
    b = cronbach_alpha(hs, ci="bootstrap", n_boot=300, seed=7)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert a.ci_low < a.alpha < a.ci_high and a.ci_method == "bootstrap"
    feldt = cronbach_alpha(hs)
    width, feldt_width = a.ci_high - a.ci_low, feldt.ci_high - feldt.ci_low
    assert 0.5 < width / feldt_width < 2.0
    m = cronbach_alpha(hs_missing, ci="bootstrap", n_boot=100, seed=1)
    assert m.ci_low < m.alpha < m.ci_high and m.n == 301


def test_sampled_split_halves_above_16_items(hs, hs_likert):
    wide = pd.concat([hs, with_missing(hs_likert).add_suffix("L")], axis=1)  # k = 18
    g1 = guttman(wide, seed=3)
    g2 = guttman(wide, seed=3)
    assert not g1.exhaustive and g1.n_splits == 10_000
    assert (g1.lambda4, g1.beta, g1.mean_split_half) == (g2.lambda4, g2.beta, g2.mean_split_half)
    assert g1.beta <= g1.mean_split_half <= g1.lambda4 <= 1.0


# --------------------------------------------------------------------------------------------
# Invariants (hypothesis)
# --------------------------------------------------------------------------------------------


@st.composite
def item_frames(draw):
    k = draw(st.integers(3, 6))
    n = draw(st.integers(k + 8, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = np.round(3 + common + rng.normal(size=(n, k)), 1)
    return pd.DataFrame(x, columns=[f"i{j}" for j in range(k)])


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(item_frames(), st.randoms(use_true_random=False))
def test_alpha_invariant_to_item_order_and_shift(frame, rnd):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = cronbach_alpha(frame)
        cols = list(frame.columns)
        rnd.shuffle(cols)
        shuffled = cronbach_alpha(frame[cols])
        shifted = cronbach_alpha(frame + 10.0)
    assert shuffled.alpha == pytest.approx(base.alpha, abs=1e-10)
    assert shuffled.std_alpha == pytest.approx(base.std_alpha, abs=1e-10)
    assert shifted.alpha == pytest.approx(base.alpha, abs=1e-9)
    assert base.alpha <= 1.0 and base.ci_low <= base.alpha <= base.ci_high


@PROPERTY
@given(item_frames())
def test_std_alpha_is_raw_alpha_of_standardized_items(frame):
    z = (frame - frame.mean()) / frame.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cronbach_alpha(z).alpha == pytest.approx(cronbach_alpha(frame).std_alpha, abs=1e-10)


@PROPERTY
@given(item_frames())
def test_guttman_bounds_are_ordered(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = guttman(frame)
    assert g.beta <= g.mean_split_half + 1e-12 <= g.lambda4 + 2e-12
    if g.lambda1 >= 0:  # λ1 ≤ λ3 ≤ λ2 for a positive λ1
        assert g.lambda1 <= g.lambda3 + 1e-12 and g.lambda3 <= g.lambda2 + 1e-12


@PROPERTY
@given(item_frames(), st.integers(1, 5), st.integers(6, 9))
def test_reverse_items_is_an_involution(frame, lo, hi):
    frame = frame.clip(lo, hi)
    twice = reverse_items(reverse_items(frame, list(frame.columns), lo, hi), list(frame.columns), lo, hi)
    np.testing.assert_allclose(twice.to_numpy(), frame.to_numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------------
# Small samples: a B2B unit with fewer respondents than items (R psych 2.2.9, see the header)
# --------------------------------------------------------------------------------------------

SMALL = Path(__file__).parent / "data" / "reliability_small_unit.csv"
SMALL_ALPHA = 0.974625103834215  # alpha(na.omit(x))$total$raw_alpha
SMALL_STD_ALPHA = 0.975685885908596
SMALL_AVERAGE_R = 0.784855278131339
SMALL_SN = 40.1283749118193
SMALL_ASE = 0.0110843777488973
SMALL_FELDT = (0.940243613384161, 0.993244790728031)  # alpha.ci(α, 9, 11)
SMALL_FELDT_90 = (0.947819758503527, 0.991502698139514)  # p.val = .10
SMALL_DUHACHEK = (0.952899723446376, 0.996350484222054)  # α ± 1.96·ase
SMALL_DROP = {
    "q1": (0.971905174803726, 0.972973512129190, 0.782612183874017),
    "q2": (0.976733988909743, 0.977781424702015, 0.814840141370306),
    "q10": (0.974807342020457, 0.976436013133684, 0.805589837895432),
}
SMALL_RDROP = {"q1": 0.878294704141543, "q2": 0.715523252469886, "q4": 0.947845625604994, "q10": 0.771223062226229}
SMALL_STD_R = {"q1": 0.907122459496326, "q2": 0.760123984083336}


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return pd.read_csv(SMALL)


def test_small_unit_fixture(small):
    assert small.shape == (12, 11) and len(small.dropna()) == 9


@pytest.mark.parametrize("ci_n", ["complete_rows", "input_rows"])
def test_small_sample_listwise_alpha_and_feldt_as_psych(small, ci_n):
    """9 complete rows, 11 items: α and the Feldt interval are defined (psych computes them)."""
    frame = small.dropna() if ci_n == "input_rows" else small
    with pytest.warns(UserWarning, match="n = 9 rows for k = 11 items .* λ6.*NaN"):
        res = cronbach_alpha(frame, missing="listwise", ci_n=ci_n)
    assert res.alpha == pytest.approx(SMALL_ALPHA, abs=CLOSED)
    assert res.std_alpha == pytest.approx(SMALL_STD_ALPHA, abs=CLOSED)
    assert res.average_r == pytest.approx(SMALL_AVERAGE_R, abs=CLOSED)
    assert res.signal_to_noise == pytest.approx(SMALL_SN, abs=1e-6)
    assert res.ase == pytest.approx(SMALL_ASE, abs=CLOSED)
    assert (res.ci_low, res.ci_high) == pytest.approx(SMALL_FELDT, abs=CLOSED)
    assert (res.n, res.n_complete, res.k, res.missing) == (9, 9, 11, "listwise")
    # psych reports G6 = 0.9818 from a pseudo-inverse of the singular R; every SMC is 1 there
    assert math.isnan(res.g6)
    assert res.small_sample


def test_small_sample_other_intervals_as_psych(small):
    frame = small.dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f90 = cronbach_alpha(frame, level=0.90)
        duh = cronbach_alpha(frame, ci="duhachek")
        boot = cronbach_alpha(frame, ci="bootstrap", n_boot=200, seed=1)
    assert (f90.ci_low, f90.ci_high) == pytest.approx(SMALL_FELDT_90, abs=CLOSED)
    assert (duh.ci_low, duh.ci_high) == pytest.approx(SMALL_DUHACHEK, abs=CLOSED)
    assert boot.ci_low <= boot.alpha <= boot.ci_high and boot.small_sample


def test_small_sample_pairwise_as_psych(small):
    """psych alpha(x) on all 12 rows (pairwise C; the Feldt n is the 12 input rows)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cronbach_alpha(small)
    assert res.alpha == pytest.approx(0.976893235297031, abs=CLOSED)
    assert res.ase == pytest.approx(0.008334489095577, abs=CLOSED)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.951192528763354, 0.992166019109574), abs=CLOSED)
    assert (res.n, res.n_rows, res.n_complete) == (12, 12, 9) and res.small_sample


def test_two_complete_rows_are_enough(small):
    """Hand/R: two rows, α = k/(k−1)·(1 − tr C/ΣC) = 0.99150390625, alpha.ci(α, 2, 11)."""
    two = small.dropna().iloc[[0, 4]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cronbach_alpha(two)
    assert res.alpha == pytest.approx(0.99150390625, abs=1e-12)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.941064907180876, 0.999991228729058), abs=CLOSED)
    assert res.n == 2 and res.small_sample


def test_total_without_variance_gives_nan_alpha_with_warning():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 3.0, 2.0, 1.0]})
    with pytest.warns(UserWarning) as record:
        res = cronbach_alpha(frame)
    assert any("total score has no variance" in str(w.message) for w in record)
    assert math.isnan(res.alpha) and math.isnan(res.ci_low) and math.isnan(res.ase)


def test_small_sample_guttman_as_psych(small):
    with pytest.warns(UserWarning, match="λ6 is undefined"):
        g = guttman(small.dropna())
    assert g.lambda3 == pytest.approx(SMALL_STD_ALPHA, abs=CLOSED)
    assert g.lambda2 == pytest.approx(0.976555002580225, abs=CLOSED)
    # splitHalf maxrb / minrb (its mean covers only half the splits for odd k: not compared)
    assert g.lambda4 == pytest.approx(0.994119786004522, abs=CLOSED)
    assert g.beta == pytest.approx(0.926531596909754, abs=CLOSED)
    assert math.isnan(g.lambda6) and g.small_sample and g.n_splits == 462


def test_small_sample_omega_is_nan_with_reason(small):
    with pytest.warns(UserWarning, match="n = 9 rows for k = 11 items .* ω"):
        res = omega(small.dropna())
    assert math.isnan(res.omega_total) and res.small_sample and res.n == 9
    assert res.loadings["g"].isna().all()
    with pytest.warns(UserWarning, match="ω"):
        sl = omega(small.dropna(), n_factors=2)
    assert math.isnan(sl.omega_hierarchical) and sl.phi.isna().all().all()


def test_small_sample_item_statistics_as_psych(small):
    with pytest.warns(UserWarning, match="r_cor; g6_if_dropped, omega_if_dropped"):
        table = item_statistics(small.dropna())
    for item, (raw, std, av_r) in SMALL_DROP.items():
        assert table.loc[item, "alpha_if_dropped"] == pytest.approx(raw, abs=CLOSED)
        assert table.loc[item, "std_alpha_if_dropped"] == pytest.approx(std, abs=CLOSED)
        assert table.loc[item, "average_r_if_dropped"] == pytest.approx(av_r, abs=CLOSED)
    for item, r in SMALL_RDROP.items():
        assert table.loc[item, "item_rest_r"] == pytest.approx(r, abs=CLOSED)
    for item, r in SMALL_STD_R.items():
        assert table.loc[item, "std_r"] == pytest.approx(r, abs=CLOSED)
    assert table["r_cor"].isna().all() and table["g6_if_dropped"].isna().all()
    assert table["omega_if_dropped"].isna().all()
    assert table.attrs["small_sample"] and table.attrs["alpha"] == pytest.approx(SMALL_ALPHA)


def test_small_sample_rule():
    """n < 30 or n < 2k (documented in is_small_sample)."""
    assert is_small_sample(9, 11) and is_small_sample(29, 3) and is_small_sample(53, 27)
    assert not is_small_sample(30, 15) and not is_small_sample(54, 27)


def test_case_c_is_not_a_small_sample(hs):
    assert not cronbach_alpha(hs).small_sample and not guttman(hs).small_sample
    assert not omega(hs).small_sample and not item_statistics(hs).attrs["small_sample"]
    # 20 pupils: defined, computed, but flagged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # x8, x9 load negatively in these 20 rows
        res = cronbach_alpha(hs.iloc[:20])
    assert res.small_sample and res.n == 20 and not math.isnan(res.g6)
