"""HTML pieces built outside the notebooks: the reports index's trend chart."""
import math
import re

from hypothesis import given
from hypothesis import strategies as st

from csmlib.render import _nice_ticks, trend_svg


@given(st.floats(-1e4, 1e4), st.floats(1e-3, 1e4))
def test_ticks_are_round_evenly_spaced_and_inside_the_range(low, span):
    high = low + span
    ticks = _nice_ticks(low, high)
    assert 2 <= len(ticks) <= 6
    slack = 1e-6 * span                      # inside the range, up to rounding
    assert all(low - slack <= t <= high + slack for t in ticks)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))


def _rows(*estimates):
    return [{"wave": f"2026Q{i + 1}", "estimate": e, "ci_low": e - 1 if e == e else e, "ci_high": e + 1 if e == e else e}
            for i, e in enumerate(estimates)]


def test_one_panel_per_metric_one_point_per_wave_with_an_estimate():
    svg = trend_svg({"nps": _rows(30.0, 31.5, float("nan")), "csat": _rows(70.0)},
                    {"nps": "Net Promoter Score", "csat": "CSAT"})
    panels = re.findall(r"<svg .*?</svg>", svg)
    assert len(panels) == 2
    assert panels[0].count("<circle") == 2 and "<polyline" in panels[0]        # the missing wave is a gap
    assert panels[1].count("<circle") == 1 and "<polyline" not in panels[1]    # one wave: a point
    assert "Net Promoter Score" in panels[0] and "2026Q3" in panels[0]          # every wave is on the axis
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch


def test_persian_panels_have_persian_digits_and_right_to_left_titles():
    svg = trend_svg({"nps": _rows(30.0, 35.0)}, {"nps": "خالص امتیاز ترویج‌کنندگان"}, language="fa")
    ticks = re.findall(r'text-anchor="end" font-size="10" fill="#5f6b76">([^<]+)<', svg)
    assert ticks and all(re.fullmatch(r"[۰-۹٫٬−]+", t) for t in ticks)
    assert 'direction="rtl">خالص امتیاز ترویج‌کنندگان</text>' in svg


def test_no_data_no_chart():
    assert trend_svg({"nps": _rows(float("nan"))}, {"nps": "NPS"}) == ""
