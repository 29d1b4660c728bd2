"""Tests of csmlib.stats.kano against published values, R and hand computations.

References used below:
- the stp4/stp25kano README worked example (method note kano.md §9), values as published;
- the evaluation tables of Berger et al. (1993) p. 6 (standard) and p. 33 (Pouliot), written out
  cell by cell here from the method note, independently of the module's constants;
- R 4.x ``chisq.test``, ``prop.test(correct = FALSE)`` and ``p.adjust`` (values pasted below);
- statsmodels ``proportion_confint(method="wilson")``;
- hand computations in the comments.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from csmlib.stats import kano
from csmlib.core.text import normalize_label

# ------------------------------------------------------------------------------------------
# evaluation tables, written out from kano.md §2 (rows f = like..dislike, columns d)
# ------------------------------------------------------------------------------------------
STANDARD_ROWS = ["QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"]
POULIOT_ROWS = ["QAAAO", "RQIIM", "RIIIM", "RIIQM", "RRRRQ"]


def _all_pairs():
    f = pd.Series([i for i in range(1, 6) for _ in range(5)], name="x")
    d = pd.Series([j for _ in range(5) for j in range(1, 6)], name="x")
    return f, d


@pytest.mark.parametrize("table,rows", [("standard", STANDARD_ROWS), ("pouliot", POULIOT_ROWS)])
def test_evaluation_table_cell_by_cell(table, rows):
    f, d = _all_pairs()
    got = kano.classify(f, d, table=table)
    for k, (fi, di) in enumerate(zip(f, d)):
        assert got.iloc[k] == rows[fi - 1][di - 1], (table, fi, di)
    # the table object itself agrees
    tab = kano.evaluation_table(table)
    for fi in range(1, 6):
        for di in range(1, 6):
            assert tab.loc[fi, di] == rows[fi - 1][di - 1]


def test_standard_table_cross_checks():
    tab = kano.evaluation_table("standard").to_numpy()
    assert (tab[1:4, 1:4] == "I").all()  # inner 3×3 block
    assert list(tab[0]) == ["Q", "A", "A", "A", "O"]  # row 1
    assert (tab[1:, 0] == "R").all()  # column 1 below row 1
    assert list(tab[4]) == ["R", "R", "R", "R", "Q"]  # row 5
    assert (tab[1:4, 4] == "M").all()  # column 5 between corners


def test_pouliot_differs_only_by_identical_answers():
    std, pou = kano.evaluation_table("standard"), kano.evaluation_table("pouliot")
    diff = [(i, j) for i in range(1, 6) for j in range(1, 6) if std.loc[i, j] != pou.loc[i, j]]
    assert diff == [(2, 2), (4, 4)]
    assert all(std.loc[c] == "I" and pou.loc[c] == "Q" for c in diff)


def test_custom_table_and_bad_table():
    # the tomatobbeef table error of kano.md §10 expressed as a user table is accepted as given
    rows = [list(r) for r in STANDARD_ROWS]
    rows[4][0] = "M"
    f, d = pd.Series([5], name="x"), pd.Series([1], name="x")
    assert kano.classify(f, d, table=rows).iloc[0] == "M"
    with pytest.raises(ValueError, match="5×5"):
        kano.classify(f, d, table=[["A"] * 5] * 4)
    with pytest.raises(ValueError, match="unknown categories"):
        kano.classify(f, d, table=[["A"] * 4 + ["X"]] * 5)
    with pytest.raises(ValueError, match="standard"):
        kano.classify(f, d, table="modified")


# ------------------------------------------------------------------------------------------
# the stp25kano README worked example (kano.md §9)
# ------------------------------------------------------------------------------------------
# published counts M, O, A, I, R, Q (N = 296 each)
STP25 = {
    "Service app": (95, 123, 45, 33, 0, 0),
    "Excellent service": (101, 54, 54, 81, 3, 3),
    "Hotline": (15, 24, 121, 124, 6, 6),
    "Loan machine": (65, 87, 93, 51, 0, 0),
    "Ready-to-use return": (9, 18, 83, 177, 6, 3),
}
# published: mode, M>O>A>I, total strength %, category strength %, CS+, CS−, χ², Fong |a−b|, T, sig
STP25_PUBLISHED = {
    "Service app": ("O", "O", 89, 9, 0.568, -0.736, 72.49, 28, 19.4, True),
    "Excellent service": ("M", "M", 71, 7, 0.372, -0.534, 21.64, 20, 18.5, True),
    "Hotline": ("I", "A", 54, 1, 0.511, -0.137, 150.06, 3, 19.8, False),
    "Loan machine": ("A", "O", 83, 2, 0.608, -0.514, 15.41, 6, 18.5, False),
    "Ready-to-use return": ("I", "I", 37, 32, 0.352, -0.094, 251.30, 94, 19.9, True),
}
# unrounded checks of kano.md §9: Better, Worse, Fong T, cs, χ² p
STP25_UNROUNDED = {
    "Service app": (0.567568, -0.736486, 19.364, 0.0946, 1.3e-15),
    "Excellent service": (0.372414, -0.534483, 18.525, 0.0676, 7.7e-05),
    "Hotline": (0.510563, -0.137324, 19.773, 0.0101, 2.6e-32),
    "Loan machine": (0.608108, -0.513514, 18.467, 0.0203, 0.0015),
    "Ready-to-use return": (0.351916, -0.094077, 19.924, 0.3176, 3.4e-54),
}
# cells of the standard table used to generate respondents of each category
CELLS = {
    "M": [(2, 5), (3, 5), (4, 5)],
    "O": [(1, 5)],
    "A": [(1, 2), (1, 3), (1, 4)],
    "I": [(2, 2), (2, 3), (3, 3), (4, 4), (3, 4)],
    "R": [(5, 1), (2, 1), (5, 3)],
    "Q": [(1, 1), (5, 5)],
}


def _respondents(spec: dict, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent-level answers reproducing given M, O, A, I, R, Q counts, shuffled."""
    rng = np.random.default_rng(seed)
    n = max(sum(v) for v in spec.values())
    F, D = {}, {}
    for attr, counts in spec.items():
        pairs = []
        for cat, c in zip("MOAIRQ", counts):
            cells = CELLS[cat]
            pairs += [cells[i % len(cells)] for i in range(c)]
        pairs += [(np.nan, np.nan)] * (n - len(pairs))
        order = rng.permutation(n)
        F[attr] = np.array([pairs[i][0] for i in order], dtype=float)
        D[attr] = np.array([pairs[i][1] for i in order], dtype=float)
    return pd.DataFrame(F), pd.DataFrame(D)


@pytest.fixture(scope="module")
def stp25_summary():
    F, D = _respondents(STP25)
    counts = kano.count(kano.classify(F, D))
    return counts, kano.summarize(counts)


def test_stp25kano_counts(stp25_summary):
    counts, _ = stp25_summary
    for attr, (m, o, a, i, r, q) in STP25.items():
        row = counts.loc[attr]
        assert [row["M"], row["O"], row["A"], row["I"], row["R"], row["Q"]] == [m, o, a, i, r, q]
        assert row["n"] == 296
    assert all(pd.api.types.is_integer_dtype(counts[c]) for c in [*kano.CATEGORIES, "n"])


def test_stp25kano_published_table(stp25_summary):
    _, s = stp25_summary
    for attr, (mode, mori, ts, cs, bp, bm, chi, diff, T, sig) in STP25_PUBLISHED.items():
        row = s.loc[attr]
        assert row["category_mode"] == mode, attr
        assert row["category_mori"] == mori, attr
        assert round(100 * row["total_strength"]) == ts, attr
        assert round(100 * row["category_strength"]) == cs, attr
        assert round(row["better"], 3) == pytest.approx(bp, abs=1e-12), attr
        assert round(row["worse"], 3) == pytest.approx(bm, abs=1e-12), attr
        assert round(row["chi2"], 2) == pytest.approx(chi, abs=1e-9), attr
        assert row["fong_difference"] == diff, attr
        assert round(row["fong_threshold"], 1) == pytest.approx(T, abs=1e-9), attr
        assert bool(row["fong_significant"]) is sig, attr
        assert row["n"] == 296 and row["rule"] == "mode"


def test_stp25kano_unrounded(stp25_summary):
    _, s = stp25_summary
    for attr, (better, worse, T, cs, p) in STP25_UNROUNDED.items():
        row = s.loc[attr]
        assert row["better"] == pytest.approx(better, abs=5e-7)
        assert row["worse"] == pytest.approx(worse, abs=5e-7)
        assert row["fong_threshold"] == pytest.approx(T, abs=5e-4)
        assert row["category_strength"] == pytest.approx(cs, abs=5e-5)
        assert row["chi2_p"] == pytest.approx(p, rel=0.05)


def test_stp25kano_chi2_matches_r(stp25_summary):
    # R: chisq.test(c(M, O, A, I))
    r_values = {
        "Service app": (72.4864864864865, 1.25227611587394e-15),
        "Excellent service": (21.6413793103448, 7.74548653477546e-05),
        "Hotline": (150.056338028169, 2.56220138892318e-32),
        "Loan machine": (15.4054054054054, 0.00150101964757966),
        "Ready-to-use return": (251.299651567944, 3.42553184550974e-54),
    }
    _, s = stp25_summary
    for attr, (x2, p) in r_values.items():
        assert s.loc[attr, "chi2"] == pytest.approx(x2, rel=1e-12)
        assert s.loc[attr, "chi2_p"] == pytest.approx(p, rel=1e-8)


def test_rules_by_hand_on_stp25kano(stp25_summary):
    _, s = stp25_summary
    # (O+A+M) vs (I+R+Q): Service app 263 > 33 -> largest of M,O,A = O;
    # Hotline 160 > 136 -> A; Ready-to-use 110 < 186 -> I
    assert s.loc["Service app", "category_oam"] == "O"
    assert s.loc["Hotline", "category_oam"] == "A"
    assert s.loc["Ready-to-use return", "category_oam"] == "I"
    # quadrant: Service app B .568, |W| .736 -> O; Hotline .511/.137 -> A;
    # Excellent service .372/.534 -> M; Ready-to-use .352/.094 -> I
    assert [
        s.loc[a, "category_quadrant"] for a in ("Service app", "Hotline", "Excellent service", "Ready-to-use return")
    ] == list("OAMI")
    # mixed label: cs ≤ 6 % or Fong ns -> "c1/c2" (largest first)
    assert s.loc["Hotline", "category_mixed"] == "I/A"
    assert s.loc["Loan machine", "category_mixed"] == "A/O"
    assert s.loc["Service app", "category_mixed"] == "O"
    # flags: Q share 6/296 = 2.03 % > 2 % only for Hotline; nobody is R-dominant; N < 200 is False
    assert list(s.index[s["high_q"]]) == ["Hotline"]
    assert not s["reverse_dominant"].any()
    assert not s["small_n"].any()
    for rule in ("mode", "mori", "oam", "quadrant"):
        r = kano.summarize(s[list(kano.CATEGORIES)], rule=rule)
        assert (r["category"] == r[f"category_{rule}"]).all() and (r["rule"] == rule).all()


def test_strength_threshold_is_a_parameter():
    c = pd.DataFrame([STP25["Excellent service"]], columns=list("MOAIRQ"), index=["x"])
    # cs = 20/296 = 6.76 %: M stands at 0.06; at 0.07 the tie rule gives the first of {M, I} = M;
    assert kano.summarize(c)["category_mori"].iloc[0] == "M"
    c2 = pd.DataFrame([STP25["Hotline"]], columns=list("MOAIRQ"), index=["x"])
    # Hotline cs = 3/296 = 1.01 %: with threshold 0.005, c1 = I stands
    assert kano.summarize(c2, strength_threshold=0.005)["category_mori"].iloc[0] == "I"
    assert kano.summarize(c2)["category_mori"].iloc[0] == "A"


# ------------------------------------------------------------------------------------------
# rules: ties and hand-made cases
# ------------------------------------------------------------------------------------------
def _counts(**kw):
    row = {c: kw.get(c, 0) for c in kano.CATEGORIES}
    return pd.DataFrame([row], index=pd.Index(["x"], name="attribute"))


def test_mode_exact_ties_follow_m_o_a_i_r_q():
    assert kano.summarize(_counts(A=5, M=5, O=5))["category_mode"].iloc[0] == "M"
    assert kano.summarize(_counts(A=5, O=5, I=5))["category_mode"].iloc[0] == "O"
    assert kano.summarize(_counts(A=5, I=5))["category_mode"].iloc[0] == "A"
    assert kano.summarize(_counts(I=5, R=5, Q=5))["category_mode"].iloc[0] == "I"
    with pytest.warns(UserWarning, match="A\\+O\\+M\\+I = 0"):
        assert kano.summarize(_counts(R=5, Q=5))["category_mode"].iloc[0] == "R"


def test_mori_rule_by_hand():
    # Q largest but excluded from the search: top two among M,O,A,I,R are A=30, I=28
    # cs = 2/100 ≤ .06 -> first of M,O,A,I in {A, I} = A
    s = kano.summarize(_counts(Q=40, A=30, I=28, O=2))
    assert s["category_mori"].iloc[0] == "A"
    assert s["category_strength"].iloc[0] == pytest.approx(0.02)
    assert s["category_mode"].iloc[0] == "Q"
    # tie at the top between O and A (cs = 0): first of M,O,A,I in {O, A} = O
    s = kano.summarize(_counts(O=10, A=10, I=5))
    assert s["category_mori"].iloc[0] == "O"
    # R and I top two, cs = 1/21 < .06: first of M,O,A,I in {R, I} = I
    assert kano.summarize(_counts(R=11, I=10))["category_mori"].iloc[0] == "I"
    # R clearly on top: R
    assert kano.summarize(_counts(R=20, I=2))["category_mori"].iloc[0] == "R"


def test_oam_rule_by_hand_and_ties():
    # O+A+M = 10 = I+R+Q -> not strictly larger -> largest of I,R,Q; I=R=5 tie -> I
    s = kano.summarize(_counts(A=10, I=5, R=5))
    assert s["category_oam"].iloc[0] == "I"
    # O+A+M = 11 > 10: M=O=A? here A=O=4, M=3 -> tie O,A -> O
    assert kano.summarize(_counts(A=4, O=4, M=3, I=10))["category_oam"].iloc[0] == "O"
    # R=Q tie -> R; Q largest -> Q
    assert kano.summarize(_counts(R=5, Q=5, A=1))["category_oam"].iloc[0] == "R"
    with pytest.warns(UserWarning, match="Better/Worse are NaN"):
        assert kano.summarize(_counts(R=2, Q=5))["category_oam"].iloc[0] == "Q"


def test_fong_by_hand_and_min_n():
    # a = 8 (A), b = 2 (M), N = 10: T = 1.65·sqrt(10·10/20) = 1.65·sqrt(5) = 3.6895; 6 ≥ T
    c = _counts(A=8, M=2)
    s = kano.summarize(c, fong_min_n=0)
    assert s["fong_threshold"].iloc[0] == pytest.approx(1.65 * math.sqrt(5))
    assert bool(s["fong_significant"].iloc[0]) is True
    # stp25kano skips the test when A+O+M+I < 12 (default): NA
    assert pd.isna(kano.summarize(c)["fong_significant"].iloc[0])


def test_quadrant_mean_split():
    c = pd.DataFrame({"A": [8, 2], "O": [0, 0], "M": [2, 8], "I": [0, 0], "R": [0, 0], "Q": [0, 0]}, index=["x", "y"])
    # B = .8, .2 (mean .5); |W| = .2, .8 (mean .5)
    s = kano.summarize(c, quadrant_at="mean")
    assert list(s["category_quadrant"]) == ["A", "M"]


def test_better_worse_formula_excludes_r_and_q():
    s = kano.summarize(_counts(A=3, O=2, M=1, I=4, R=50, Q=40))
    assert s["better"].iloc[0] == pytest.approx(5 / 10)
    assert s["worse"].iloc[0] == pytest.approx(-3 / 10)
    assert s["total_strength"].iloc[0] == pytest.approx(6 / 100)
    assert bool(s["reverse_dominant"].iloc[0]) and bool(s["high_q"].iloc[0])
    assert bool(s["small_n"].iloc[0])


# ------------------------------------------------------------------------------------------
# edge cases of the issue
# ------------------------------------------------------------------------------------------
def test_all_answers_r_or_q_give_nan_with_warning():
    f = pd.Series([5, 5, 1, 2], name="x")
    d = pd.Series([1, 5, 1, 1], name="x")  # R, Q, Q, R
    counts = kano.count(kano.classify(f, d))
    assert counts.loc["x"].tolist() == [0, 0, 0, 0, 2, 2, 4]
    with pytest.warns(UserWarning, match="A\\+O\\+M\\+I = 0"):
        s = kano.summarize(counts)
    assert np.isnan(s.loc["x", "better"]) and np.isnan(s.loc["x", "worse"])
    assert np.isnan(s.loc["x", "chi2"])
    assert s.loc["x", "category_mode"] == "R"  # tie R = Q -> R
    assert bool(s.loc["x", "reverse_dominant"])
    assert pd.isna(s.loc["x", "category_quadrant"])


def test_single_respondent():
    f, d = pd.Series([1], name="x"), pd.Series([5], name="x")
    s = kano.summarize(kano.count(kano.classify(f, d)))
    row = s.loc["x"]
    assert row["O"] == 1 and row["n"] == 1
    assert row["category"] == "O" and row["category_mori"] == "O"  # cs = 1 > .06
    assert row["better"] == 1.0 and row["worse"] == -1.0
    assert pd.isna(row["fong_significant"])  # N* = 1 < 12
    assert row["category_mixed"] == "O"  # no second category


def test_attribute_nobody_answered():
    F = pd.DataFrame({"x": [1.0, 2.0, 1.0], "y": [np.nan] * 3})
    D = pd.DataFrame({"x": [5.0, 5.0, 3.0], "y": [np.nan] * 3})
    cats = kano.classify(F, D)
    assert cats["y"].isna().all()
    counts = kano.count(cats)
    assert counts.loc["y"].tolist() == [0] * 7
    with pytest.warns(UserWarning, match="y"):
        s = kano.summarize(counts)
    for col in ("category", "category_mode", "category_mori", "category_oam", "category_mixed"):
        assert pd.isna(s.loc["y", col])
    for col in ("better", "worse", "category_strength", "total_strength", "fong_threshold", "chi2", "chi2_p"):
        assert np.isnan(s.loc["y", col])
    assert s.loc["x", "category_mode"] == "M"  # O = M = A = 1: tie -> M
    ci = kano.better_worse_ci(cats, seed=1)
    assert ci.loc["y"][["better", "better_low", "worse_high"]].isna().all()


def test_one_half_of_a_pair_missing_excludes_only_that_attribute():
    F = pd.DataFrame({"x": [1, np.nan, 2, 1], "y": [1, 1, 1, 1]})
    D = pd.DataFrame({"x": [5, 5, np.nan, 3], "y": [3, 3, 3, 3]})
    cats = kano.classify(F, D)
    assert cats["x"].isna().tolist() == [False, True, True, False]
    assert cats["y"].tolist() == ["A"] * 4  # the same respondents count for y
    counts = kano.count(cats)
    assert counts.loc["x", "n"] == 2 and counts.loc["y", "n"] == 4
    probs = kano.answer_problems(F, D)
    assert probs.loc["x", "one_half_missing"] == 2 and probs.loc["x", "n_pairs"] == 2
    assert probs.loc["y", "one_half_missing"] == 0


def test_columns_swapped_are_paired_by_name():
    F = pd.DataFrame({"x": [1, 1, 2], "y": [2, 3, 1]})
    D = pd.DataFrame({"y": [5, 5, 3], "x": [3, 5, 5]})  # other column order
    cats = kano.classify(F, D)
    assert list(cats.columns) == ["x", "y"]
    assert cats["x"].tolist() == ["A", "O", "M"]  # (1,3), (1,5), (2,5)
    assert cats["y"].tolist() == ["M", "M", "A"]  # (2,5), (3,5), (1,3)
    # an export with the dysfunctional column first
    export = pd.DataFrame({"x_d": [3, 5, 5], "y_d": [5, 5, 3], "y_f": [2, 3, 1], "x_f": [1, 1, 2]})
    f, d, imp = kano.pair_columns(export, {"x": ("x_f", "x_d"), "y": ("y_f", "y_d")})
    assert imp is None
    pd.testing.assert_frame_equal(kano.classify(f, d), cats, check_names=False)
    # exchanging the functional and dysfunctional frames is not harmless: (1,5)=O -> (5,1)=R
    # swapped x: (3,1), (5,1), (5,2) -> all R
    assert kano.classify(D, F)["x"].tolist() == ["R", "R", "R"]


def test_pair_columns_with_codebook_pairs_and_missing_column():
    class Pair:  # the codebook's KanoPair has these attributes
        def __init__(self, id, functional, dysfunctional, importance=None):
            self.id, self.functional, self.dysfunctional, self.importance = id, functional, dysfunctional, importance

    data = pd.DataFrame({"a_f": [1], "a_d": [5], "a_imp": [9], "b_f": [2], "b_d": [5]})
    f, d, imp = kano.pair_columns(data, [Pair("a", "a_f", "a_d", "a_imp"), Pair("b", "b_f", "b_d")])
    assert list(f.columns) == ["a", "b"] and imp["a"].tolist() == [9] and imp["b"].isna().all()
    with pytest.raises(ValueError, match="'b_dys'.*'b'"):
        kano.pair_columns(data, [{"id": "b", "functional": "b_f", "dysfunctional": "b_dys"}])
    with pytest.raises(ValueError, match="duplicate"):
        kano.pair_columns(data, [Pair("a", "a_f", "a_d"), Pair("a", "b_f", "b_d")])


def test_mismatched_frames_name_the_columns():
    F = pd.DataFrame({"x": [1], "y": [1]})
    D = pd.DataFrame({"x": [5], "z": [5]})
    with pytest.raises(ValueError, match="no dysfunctional column for y.*no functional column for z"):
        kano.classify(F, D)
    with pytest.raises(ValueError, match="same index"):
        kano.classify(F, D.rename(columns={"z": "y"}).set_axis([7]))
    with pytest.raises(TypeError):
        kano.classify(F, D["x"])


# ------------------------------------------------------------------------------------------
# coding: reversed, texts, dict, bad input
# ------------------------------------------------------------------------------------------
def test_reversed_coding():
    f, d = _all_pairs()
    expected = kano.classify(f, d)
    got = kano.classify(6 - f, 6 - d, coding="reversed")
    assert got.tolist() == expected.tolist()
    # reversed codes read with the default coding would be wrong: (5,1) is R, (1,5) is O
    assert kano.classify(pd.Series([5]), pd.Series([1]), coding="reversed").iloc[0] == "O"


def test_answer_texts_english_german_persian():
    pos = kano.answer_positions()
    english = {
        "I like it that way": 1,
        "I enjoy it that way": 1,
        "This would be very helpful to me": 1,
        "Love it": 1,
        "It must be that way": 2,
        "I expect it that way": 2,
        "It is a basic necessity": 2,
        "This is a basic requirement for me": 2,
        "Expect it": 2,
        "I am neutral": 3,
        "I’m neutral": 3,
        "This would not affect me": 3,
        "Indifferent": 3,
        "I can live with it that way": 4,
        "I can tolerate it": 4,
        "I can accept it": 4,
        "I dislike it, but I can live with it that way": 4,
        "This would be a minor inconvenience": 4,
        "Tolerate it": 4,
        "I dislike it that way": 5,
        "I dislike it, and I can't accept it": 5,
        "This would be a major problem for me": 5,
        "Unhappy": 5,
        "Das würde mich sehr freuen": 1,
        "Das setze ich voraus": 2,
        "Das ist mir egal": 3,
        "Das könnte ich in Kauf nehmen": 4,
        "Das würde mich sehr stören": 5,
    }
    persian = {
        "دوست دارم": 1,
        "خوشم می‌آید": 1,
        "انتظار دارم": 2,
        "باید این‌گونه باشد": 2,
        "برایم فرقی نمی‌کند": 3,
        "بی‌تفاوتم": 3,
        "می‌توانم تحمل کنم": 4,
        "قابل تحمل است": 4,
        "دوست ندارم": 5,
        "خوشم نمی‌آید": 5,
    }
    for text, p in {**english, **persian}.items():
        assert pos[normalize_label(text)] == p, text
    # Arabic yeh/kaf, a space instead of ZWNJ, extra white space and case
    assert pos[normalize_label("  خوشم نمي آيد ")] == 5
    assert pos[normalize_label("مي‌توانم تحمل كنم")] == 4
    assert pos[normalize_label("I LIKE IT")] == 1
    # classify with texts, numbers as text (Persian digits) and numbers mixed in one column
    f = pd.Series(["I like it", "۲", 1, "دوست ندارم", "I can live with it"], name="x")
    d = pd.Series(["I dislike it", "I dislike it", "I am neutral", "دوست دارم", "I can tolerate it"], name="x")
    assert kano.classify(f, d).tolist() == ["O", "M", "A", "R", "I"]


def test_dict_coding():
    # a 0-4 coding (0 = like) and an extra wording
    coding = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, "Would love it": 1}
    f = pd.Series([0, 0, 1, "would love it", 5], name="x")
    d = pd.Series([4, 2, 4, 4, 4], name="x")
    with pytest.warns(UserWarning, match="functional 1"):
        got = kano.classify(f, d, coding=coding)
    assert got.tolist()[:4] == ["O", "A", "M", "O"] and pd.isna(got.iloc[4])
    with pytest.raises(ValueError, match="integer 1-5"):
        kano.classify(f, d, coding={1: 6})
    with pytest.raises(ValueError, match="coding"):
        kano.classify(f, d, coding="inverted")


def test_bad_answers_are_counted_and_reported():
    F = pd.DataFrame({"x": [1, 7, "I like it", "maybe", 2.5, None], "y": [1, 1, 1, 1, 1, 1]})
    D = pd.DataFrame({"x": [5, 5, None, 2, 5, 0], "y": [5, 5, 5, 5, 5, 5]})
    with pytest.warns(UserWarning, match=r"x \(functional 3, dysfunctional 1\)"):
        cats = kano.classify(F, D)
    assert cats["x"].notna().tolist() == [True, False, False, False, False, False]
    p = kano.answer_problems(F, D)
    assert p.loc["x"].to_dict() == {
        "functional_invalid": 3,
        "dysfunctional_invalid": 1,
        "functional_missing": 1,
        "dysfunctional_missing": 1,
        "one_half_missing": 2,
        "n_pairs": 1,
        "invalid_values": "7, maybe, 2.5, 0",
    }
    assert p.loc["y", "functional_invalid"] == 0 and p.loc["y", "invalid_values"] == ""
    assert p.loc["y", "n_pairs"] == 6


def test_integer_and_nullable_dtypes_agree():
    f, d = _all_pairs()
    ref = kano.classify(f, d).tolist()
    for dtype in ("int8", "int64", "Int64", "float32", "Float64", "string", "category"):
        got = kano.classify(f.astype(dtype), d.astype(dtype))
        assert got.tolist() == ref, dtype


# ------------------------------------------------------------------------------------------
# property tests: the vectorised classification equals a per-respondent table lookup
# ------------------------------------------------------------------------------------------
def _reference_classify(f, d, rows):
    out = []
    for a, b in zip(f, d):
        if a in (1, 2, 3, 4, 5) and b in (1, 2, 3, 4, 5):
            out.append(rows[int(a) - 1][int(b) - 1])
        else:
            out.append(None)
    return out


codes = st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 0.0, 6.0, 2.5, -1.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(codes, codes), min_size=1, max_size=60), st.sampled_from(["standard", "pouliot"]))
def test_property_classify_matches_reference(pairs, table):
    f = pd.Series([p[0] for p in pairs], name="x")
    d = pd.Series([p[1] for p in pairs], name="x")
    rows = STANDARD_ROWS if table == "standard" else POULIOT_ROWS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = kano.classify(f, d, table=table)
        std = kano.classify(f, d)
        pou = kano.classify(f, d, table="pouliot")
    expected = _reference_classify(f, d, rows)
    assert [None if pd.isna(g) else g for g in got] == expected
    # standard vs Pouliot: only I -> Q moves
    counts = kano.count(pd.DataFrame({"s": std, "p": pou}))
    s, p = counts.loc["s"], counts.loc["p"]
    assert all(s[c] == p[c] for c in "AOMR") and s["I"] - p["I"] == p["Q"] - s["Q"] >= 0


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.int64, 6, elements=st.integers(0, 40)))
def test_property_summary_invariants(x):
    c = pd.DataFrame([x], columns=list(kano.CATEGORIES), index=["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = kano.summarize(c).loc["x"]
    nstar = x[:4].sum()
    if nstar:
        assert 0 <= s["better"] <= 1 and -1 <= s["worse"] <= 0
        assert s["better"] == pytest.approx((x[0] + x[1]) / nstar)
    if x.sum():
        # the mode has the largest count
        assert x[kano.CATEGORIES.index(s["category_mode"])] == x.max()
        assert 0 <= s["category_strength"] <= 1 and 0 <= s["total_strength"] <= 1
        assert s["category_mori"] in ("M", "O", "A", "I", "R")


# ------------------------------------------------------------------------------------------
# count with weights
# ------------------------------------------------------------------------------------------
def test_count_weighted_by_hand():
    cats = pd.Series(pd.Categorical(["A", "A", "M", None, "Q"], categories=list(kano.CATEGORIES)), name="x")
    c = kano.count(cats, weights=[1.0, 2.0, 0.5, 3.0, 1.5])
    assert c.loc["x", "A"] == 3.0 and c.loc["x", "M"] == 0.5 and c.loc["x", "Q"] == 1.5
    assert c.loc["x", "n"] == 5.0
    # Kish: (1 + 2 + .5 + 1.5)² / (1 + 4 + .25 + 2.25) = 25 / 7.5
    assert c.loc["x", "n_eff"] == pytest.approx(25 / 7.5)
    with pytest.raises(ValueError, match="weights"):
        kano.count(cats, weights=[1, 2])
    with pytest.raises(ValueError, match="'x'.*Z"):
        kano.count(pd.Series(["A", "Z"], name="x"))


# ------------------------------------------------------------------------------------------
# continuous scores
# ------------------------------------------------------------------------------------------
def test_continuous_dumouchel_by_hand():
    F = pd.DataFrame({"x": [1, 1, 2, 3, 5, np.nan]})
    D = pd.DataFrame({"x": [5, 3, 5, 3, 1, 2]})
    imp = pd.DataFrame({"x": [9, 7, 8, 2, 1, 5]})
    r = kano.continuous(F, D, importance=imp).loc["x"]
    # f scores 4, 4, 2, 0, -2 -> mean 1.6, sd sqrt(((2.4²)*2 + .4² + 1.6² + 3.6²)/4) = sqrt(27.2/4)
    assert r["functional_mean"] == pytest.approx(1.6)
    assert r["functional_sd"] == pytest.approx(math.sqrt(27.2 / 4))
    # d scores 4, 0, 4, 0, -2 -> mean 1.2; deviations 2.8, -1.2, 2.8, -1.2, -3.2 -> 28.8
    assert r["dysfunctional_mean"] == pytest.approx(1.2)
    assert r["dysfunctional_sd"] == pytest.approx(math.sqrt(28.8 / 4))
    assert r["importance_mean"] == pytest.approx(27 / 5) and r["n"] == 5
    assert r["category"] == "I"  # 1.6 < 2 and 1.2 < 2
    # dropping R/Q pairs: (5,1) is R -> f 4,4,2,0 (2.5), d 4,0,4,0 (2.0) -> O
    r2 = kano.continuous(F, D, keep_rq=False).loc["x"]
    assert (r2["functional_mean"], r2["dysfunctional_mean"], r2["category"], r2["n"]) == (2.5, 2.0, "O", 4)
    assert r2["rq"] == "excluded"


def test_continuous_xu_weighted_by_hand():
    f, d = pd.Series([1, 2], name="x"), pd.Series([5, 4], name="x")
    imp = pd.Series([9, 5], name="x")
    r = kano.continuous(f, d, scale="xu").loc["x"]
    # unweighted: f 1, .5 -> .75; d 1, .5 -> .75 -> O at the .5 split
    assert r["functional_mean"] == pytest.approx(0.75) and r["category"] == "O"
    rw = kano.continuous(f, d, scale="xu", importance=imp).loc["x"]
    # w = (9-1)/8 = 1, (5-1)/8 = .5: f 1·1, .5·.5 -> .625; d 1·1, .5·.5 -> .625
    assert rw["functional_mean"] == pytest.approx(0.625)
    assert rw["dysfunctional_mean"] == pytest.approx(0.625)
    assert rw["functional_sd"] == pytest.approx(math.sqrt(2 * 0.375**2))
    assert rw["importance_mean"] == pytest.approx(7.0)
    # a reverse respondent pattern: both means negative -> R
    rr = kano.continuous(pd.Series([5, 5], name="x"), pd.Series([1, 2], name="x")).loc["x"]
    assert rr["category"] == "R"
    with pytest.raises(ValueError, match="scale"):
        kano.continuous(f, d, scale="berger")


# ------------------------------------------------------------------------------------------
# Better / Worse intervals
# ------------------------------------------------------------------------------------------
def test_wilson_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    F, D = _respondents(STP25)
    ci = kano.better_worse_ci(kano.classify(F, D), method="wilson", level=0.9)
    for attr, (m, o, a, i, _, _) in STP25.items():
        n = m + o + a + i
        lo, hi = proportion_confint(a + o, n, alpha=0.1, method="wilson")
        assert ci.loc[attr, "better_low"] == pytest.approx(lo, abs=1e-12)
        assert ci.loc[attr, "better_high"] == pytest.approx(hi, abs=1e-12)
        lo, hi = proportion_confint(o + m, n, alpha=0.1, method="wilson")
        assert ci.loc[attr, "worse_low"] == pytest.approx(-hi, abs=1e-12)
        assert ci.loc[attr, "worse_high"] == pytest.approx(-lo, abs=1e-12)


def test_bootstrap_matches_row_resampling_reference():
    F, D = _respondents({"a": STP25["Hotline"], "b": STP25["Excellent service"]}, seed=3)
    cats = kano.classify(F, D)
    ci = kano.better_worse_ci(cats, n_boot=4000, seed=11)
    # reference: resample respondents (rows) and recompute Better/Worse, percentile interval
    rng = np.random.default_rng(5)
    for attr in ("a", "b"):
        x = cats[attr].dropna().astype(str).to_numpy()
        bs, ws = [], []
        for _ in range(4000):
            s = x[rng.integers(0, len(x), len(x))]
            nstar = np.isin(s, list("AOMI")).sum()
            bs.append(np.isin(s, ["A", "O"]).sum() / nstar)
            ws.append(-np.isin(s, ["O", "M"]).sum() / nstar)
        lo, hi = np.quantile(bs, [0.025, 0.975])
        assert ci.loc[attr, "better_low"] == pytest.approx(lo, abs=0.012)
        assert ci.loc[attr, "better_high"] == pytest.approx(hi, abs=0.012)
        lo, hi = np.quantile(ws, [0.025, 0.975])
        assert ci.loc[attr, "worse_low"] == pytest.approx(lo, abs=0.012)
        assert ci.loc[attr, "worse_high"] == pytest.approx(hi, abs=0.012)
        assert ci.loc[attr, "worse_low"] < ci.loc[attr, "worse"] < ci.loc[attr, "worse_high"]
    again = kano.better_worse_ci(cats, n_boot=4000, seed=11)
    pd.testing.assert_frame_equal(ci, again)


# ------------------------------------------------------------------------------------------
# compare (drift / segments), checked against R
# ------------------------------------------------------------------------------------------
def _stp_counts(*names):
    return pd.DataFrame(
        [STP25[n] for n in names], columns=list("MOAIRQ"), index=pd.Index(["x", "y"][: len(names)], name="attribute")
    )


def test_compare_matches_r():
    a = _stp_counts("Service app", "Service app")
    b = _stp_counts("Excellent service", "Loan machine")
    r = kano.compare(a, b)
    # R: chisq.test(rbind(c(45,123,95,33,0,0), c(54,54,101,81,3,3)), correct = FALSE)
    #    (columns A, O, M, I, R, Q) -> X² = 54.1106866881048, df = 5, p = 1.98886544907541e-10
    assert r.loc["x", "chi2"] == pytest.approx(54.1106866881048, rel=1e-12)
    assert r.loc["x", "df"] == 5
    assert r.loc["x", "p_value"] == pytest.approx(1.98886544907541e-10, rel=1e-8)
    # R and Q empty in both -> 2 × 4 table: X² = 32.3492236024845, df 3, p 4.41752517951973e-07
    assert r.loc["y", "chi2"] == pytest.approx(32.3492236024845, rel=1e-12)
    assert r.loc["y", "df"] == 3
    assert r.loc["y", "p_value"] == pytest.approx(4.41752517951973e-07, rel=1e-8)
    # R: prop.test(c(168, 108), c(296, 290), correct = FALSE)$p.value (Better)
    assert r.loc["x", "better_p"] == pytest.approx(2.22431908837665e-06, rel=1e-8)
    # R: prop.test(c(218, 155), c(296, 290), correct = FALSE)$p.value (Worse)
    assert r.loc["x", "worse_p"] == pytest.approx(3.71778130574924e-07, rel=1e-8)
    assert r.loc["y", "better_p"] == pytest.approx(0.316354911208777, rel=1e-8)
    assert r.loc["y", "worse_p"] == pytest.approx(2.10566309231067e-08, rel=1e-8)
    # Holm over the two attributes: R p.adjust(c(2.224e-06, 0.3164), "holm")
    assert r.loc["x", "better_p_adj"] == pytest.approx(2 * 2.22431908837665e-06, rel=1e-8)
    assert r.loc["y", "better_p_adj"] == pytest.approx(0.316354911208777, rel=1e-8)
    # categories and coefficient changes
    assert (r.loc["x", "category_a"], r.loc["x", "category_b"], r.loc["x", "changed"]) == ("O", "M", True)
    assert (r.loc["y", "category_a"], r.loc["y", "category_b"]) == ("O", "A")
    assert r.loc["x", "better_change"] == pytest.approx(108 / 290 - 168 / 296)
    assert r.loc["x", "worse_change"] == pytest.approx(-155 / 290 + 218 / 296)


def test_compare_unchanged_and_missing_attributes():
    a = _stp_counts("Hotline")
    b = pd.concat([_stp_counts("Hotline"), _stp_counts("Service app").rename(index={"x": "z"})])
    with pytest.warns(UserWarning, match="z"):
        r = kano.compare(a, b, rule="mori")
    assert list(r.index) == ["x"]
    assert not r.loc["x", "changed"] and r.loc["x", "chi2"] == 0 and r.loc["x", "p_value"] == 1
    assert r.loc["x", "better_change"] == 0 and r.loc["x", "better_p"] == 1


# ------------------------------------------------------------------------------------------
# the demo data: the planted categories come out
# ------------------------------------------------------------------------------------------
def test_demo_planted_categories():
    from csmlib import demo
    from csmlib.survey.codebook import Codebook

    pairs = Codebook.model_validate(demo.codebook_dict()).kano  # the codebook's KanoSpec
    for index, (wave, _, _) in enumerate(demo.WAVES):
        frame = demo._responses(index, wave, np.random.default_rng([demo.SEED, index]))
        f, d, imp = kano.pair_columns(frame, pairs)
        with pytest.warns(UserWarning, match="kano_eco"):  # one planted code 6
            cats = kano.classify(f, d)
        s = kano.summarize(kano.count(cats))
        truth = {k: v[wave] for k, v in demo.GROUND_TRUTH["kano"].items()}
        assert s["category"].to_dict() == truth, wave
        assert kano.answer_problems(f, d).loc["kano_eco", "functional_invalid"] >= 1
        cont = kano.continuous(f, d, importance=imp)
        assert cont["importance_mean"].idxmax() == "kano_safe_pack"  # planted mean 8.0
