"""csmlib.stats.validate: the shared argument checks, and the rules now kept in one place."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csmlib.stats import complaints
from csmlib.stats.indicators import adjust_pvalues
from csmlib.stats.validate import check_choice, check_level, check_weights, weight_column


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, float("nan"), "0.95", None])
def test_check_level_refuses_and_names_the_caller(bad):
    with pytest.raises(ValueError, match=r"^f: level must be in \(0, 1\), not "):
        check_level(bad, "f")


def test_check_level_accepts_numpy_reals():
    check_level(np.float32(0.9), "f")
    check_level(np.float64(0.95), "f")


def test_check_choice_message_styles():
    check_choice("a", ("a", "b"), "ci", "f")
    with pytest.raises(ValueError, match=r"^f: ci must be one of \('a', 'b'\), not 'c'$"):
        check_choice("c", ("a", "b"), "ci", "f")
    with pytest.raises(ValueError, match=r"^scale must be 'a', 'b' or None, not 'c'$"):
        check_choice("c", ("a", "b", None), "scale", spelled=True)


def test_check_weights_zero_and_missing_options():
    assert check_weights([1, 0, np.nan], 3, allow_zero=True, allow_missing=True)[1] == 0
    with pytest.raises(ValueError, match="f: weight column 'w': 1 weight.s. are negative"):
        check_weights([1, -1], 2, "w", caller="f", allow_zero=True)
    with pytest.raises(ValueError, match="1 weight.s. are infinite"):
        check_weights([1, np.inf], 2, allow_zero=True, allow_missing=True)
    with pytest.raises(ValueError, match="missing or infinite"):
        check_weights([1, np.nan], 2, allow_zero=True)


def test_weight_column():
    df = pd.DataFrame({"w": [1.0, 2.0]})
    assert weight_column(df, "w", "f") is not None
    with pytest.raises(ValueError, match="^f: weight column 'x' not in data$"):
        weight_column(df, "x", "f")


def test_bh_adjustment_is_scipys_to_the_bit():
    rng = np.random.default_rng(5)
    for m in (1, 2, 7, 40):
        p = rng.uniform(size=m) ** 3
        p[: m // 3] = p[0]  # ties
        np.testing.assert_array_equal(adjust_pvalues(p, "fdr_bh"), stats.false_discovery_control(p, method="bh"))


def test_spikes_adjusted_p_values_are_benjamini_hochberg():
    rng = np.random.default_rng(3)
    h = pd.DataFrame(
        {"category": np.repeat(list("abcdefgh"), 5), "period": [f"P{i}" for i in range(5)] * 8, "count": rng.poisson(10, 40)}
    )
    r = complaints.spikes(h)
    np.testing.assert_array_equal(r["p_adjusted"].to_numpy(), stats.false_discovery_control(r["p_value"].to_numpy(), method="bh"))
