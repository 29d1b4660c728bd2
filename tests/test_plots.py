"""Figures a manager can read: labels that never overlap, colours that survive colour-blindness with a
second cue, honest axes, legends that hide nothing, and alt text that states each figure's message.

The label tests draw the demo wave's crowded figures (importance–performance map, Kano diagrams,
penalty–reward) in English and Persian and compare the renderer's extents of every text on the axes.
"""

from __future__ import annotations

import itertools
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from csmlib.report.plots import GROUP_HATCHES, PALETTE, description  # noqa: E402
from csmlib.report.plots.complaints import pareto_chart  # noqa: E402
from csmlib.report.plots.drivers import (  # noqa: E402
    CLASS_COLOURS,
    QUADRANT_COLOURS,
    QUADRANT_MARKERS,
    importance_chart,
    ipa_chart,
    penalty_reward_chart,
)
from csmlib.report.plots.kano import (  # noqa: E402
    CATEGORY_COLOURS,
    CATEGORY_HATCHES,
    CATEGORY_MARKERS,
    better_worse_chart,
    category_bars,
    continuous_chart,
)
from csmlib.report.plots.labels import PointLabels, overlapping  # noqa: E402
from csmlib.report.plots.quality import completeness_chart  # noqa: E402
from csmlib.report.plots.satisfaction import shares_chart, trend_chart  # noqa: E402

TEXT = {
    "en": {
        "quadrants": {
            "concentrate here": "concentrate here",
            "keep up the good work": "keep up the good work",
            "low priority": "low priority",
            "possible overkill": "possible overkill",
        },
        "kano": {
            "A": "attractive",
            "O": "one-dimensional",
            "M": "must-be",
            "I": "indifferent",
            "R": "reverse",
            "Q": "questionable",
        },
        "classes": {"basic": "basic", "performance": "performance", "excitement": "excitement", "low impact": "low impact"},
        "ipa": "Importance–performance map",
    },
    "fa": {
        "quadrants": {
            "concentrate here": "تمرکز اینجا",
            "keep up the good work": "ادامه کار خوب",
            "low priority": "اولویت پایین",
            "possible overkill": "زیاده‌روی احتمالی",
        },
        "kano": {"A": "جذاب", "O": "تک‌بعدی", "M": "بایستی", "I": "بی‌تفاوت", "R": "معکوس", "Q": "مشکوک"},
        "classes": {"basic": "پایه", "performance": "عملکردی", "excitement": "هیجانی", "low impact": "اثر کم"},
        "ipa": "نقشه اهمیت–عملکرد",
    },
}


@pytest.fixture(scope="module")
def demo_inputs(demo_root):
    """The demo wave's key-driver and Kano results, computed as the notebooks do (no bootstrap)."""
    from csmlib.stats import drivers, kano, priorities
    from csmlib.stats import headline as hl
    from csmlib.survey.wave import open_wave

    waves = {lang: open_wave(demo_root / "params" / "2026Q3.yaml", None, language=lang) for lang in ("en", "fa")}
    w = waves["en"]
    items = w.codebook.driver_items("overall")
    scale = w.codebook.scales[w.codebook.item(items[0]).scale]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        imp = drivers.importance(w.data, "overall", items, methods=("relative_weights",), weights=w.weights, n_boot=0, seed=1)
        pr = priorities.penalty_reward(w.data, "overall", items, weights=w.weights, scale_min=scale.min, scale_max=scale.max)
    share = imp.set_index("driver")["normalized"]
    performance = hl.item_scores(w.data, w.codebook, items, weights=w.weights)["estimate"]
    functional, dysfunctional, importance = w.kano_answers()
    categories = kano.classify(functional, dysfunctional)
    return {
        "waves": waves,
        "items": items,
        "share": share,
        "ipa": priorities.ipa(performance, share, split="mean"),
        "penalty_reward": pr[~pr["not_enough_answers"].astype(bool)],
        "kano_counts": kano.count(categories),
        "kano_summary": kano.summarize(kano.count(categories), rule="mode"),
        "kano_continuous": kano.continuous(functional, dysfunctional, scale="dumouchel", importance=importance),
    }


def demo_figures(inputs, lang: str) -> dict:
    w, t = inputs["waves"][lang], TEXT[lang]
    labels = {i: w.label(i) for i in w.item_ids()}
    ipa = inputs["ipa"].assign(label=lambda f: [labels[i] for i in f.index])
    kano_labels = {a: w.label(a) for a in inputs["kano_summary"].index}
    share = inputs["share"]
    importance = pd.DataFrame(
        {
            "label": [labels[d] for d in share.index],
            "group": [w.codebook.item(d).group for d in share.index],
            "normalized": share * 100,
            "ci_low": share * 90,
            "ci_high": share * 110,
        }
    )
    return {
        "ipa": ipa_chart(
            ipa,
            title=t["ipa"],
            xlabel="performance",
            ylabel="importance",
            crosshair=(ipa.attrs["performance_cut"], ipa.attrs["importance_cut"]),
            quadrant_names=t["quadrants"],
        ),
        "better_worse": better_worse_chart(
            inputs["kano_summary"],
            kano_labels,
            title=t["ipa"] + " BW",
            quadrant_names=t["kano"],
            xlabel="|Worse|",
            ylabel="Better",
        ),
        "continuous": continuous_chart(
            inputs["kano_continuous"], kano_labels, title=t["ipa"] + " C", xlabel="dysfunctional", ylabel="functional"
        ),
        "kano_bars": category_bars(inputs["kano_counts"], kano_labels, title=t["ipa"] + " K", xlabel="%", names=t["kano"]),
        "penalty_reward": penalty_reward_chart(
            inputs["penalty_reward"].assign(label=lambda f: [labels[i] for i in f.index]),
            title=t["ipa"] + " PR",
            xlabel="effect",
            class_names=t["classes"],
        ),
        "importance": importance_chart(importance, title=t["ipa"] + " I", xlabel="%"),
    }


def text_boxes(ax):
    """The renderer's extents of every visible text drawn on the axes (labels, quadrant names, values)."""
    renderer = ax.figure.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_visible() and t.get_text().strip()]


@pytest.fixture(scope="module")
def demo_figs(demo_inputs):
    """The demo figures in English and Persian, drawn once for the module."""
    figures = {lang: demo_figures(demo_inputs, lang) for lang in ("en", "fa")}
    yield figures
    for by_name in figures.values():
        for fig in by_name.values():
            plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_no_two_labels_overlap_on_the_demo_figures(demo_inputs, demo_figs, lang):
    figures = demo_figs[lang]
    for name, fig in figures.items():
        fig.canvas.draw()
        for ax in fig.axes:
            boxes = text_boxes(ax)
            clashes = [(boxes[i][0], boxes[j][0]) for i, j in overlapping([box for _, box in boxes])]
            assert clashes == [], f"{name} ({lang}): overlapping texts {clashes}"
    # the crowded map labels every "concentrate here" point and the most important ones, inside the plot
    ax = figures["ipa"].axes[0]
    frame = ax.get_window_extent()
    names = [text for text, _ in text_boxes(ax)]
    w = demo_inputs["waves"][lang]
    for item in demo_inputs["ipa"].index[demo_inputs["ipa"]["quadrant"] == "concentrate here"]:
        assert w.label(item) in names
    assert len(names) >= 4 + 6
    assert all(frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 for _, box in text_boxes(ax))


def test_labels_of_a_pile_of_points_are_pulled_apart_with_leader_lines():
    """Twelve points almost on top of each other, next to a fixed text: every label finds a free place."""
    fig, ax = plt.subplots(figsize=(5, 4))
    rng = np.random.default_rng(3)
    x, y = 0.5 + rng.normal(0, 0.004, 12), 0.5 + rng.normal(0, 0.004, 12)
    ax.scatter(x, y)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fixed = ax.text(0.5, 0.56, "concentrate here", ha="center", fontsize=9)
    labels = PointLabels(ax, points=(x, y), avoid=[fixed])
    for i, (xi, yi) in enumerate(zip(x, y)):
        labels.add(xi, yi, f"characteristic number {i}")
    fig.tight_layout()
    labels.place()
    fig.canvas.draw()
    boxes = text_boxes(ax)
    assert len(boxes) == 13
    assert overlapping([box for _, box in boxes]) == []
    assert len(ax.lines) >= 6  # leader lines back to the points
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)  # the view is not changed by the lines
    plt.close(fig)


def test_overlapping_pairs():
    from matplotlib.transforms import Bbox

    boxes = [Bbox.from_bounds(0, 0, 10, 10), Bbox.from_bounds(10.5, 0, 10, 10), Bbox.from_bounds(0, 9, 3, 3)]
    assert overlapping(boxes) == [(0, 2)]
    assert overlapping(boxes, pad=1) == [(0, 1), (0, 2)]


# --- colour ------------------------------------------------------------------------------------

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB (as colorspacious does)
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _lab(rgb) -> np.ndarray:
    """sRGB (0–1) → CIE L*a*b* (D65)."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen_as(colour: str, deficiency: str) -> np.ndarray:
    rgb = np.array(to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    simulated = np.clip(np.array(CVD[deficiency]) @ linear, 0, 1)
    return np.where(simulated <= 0.0031308, simulated * 12.92, 1.055 * simulated ** (1 / 2.4) - 0.055)


PALETTES = {
    "Kano categories": CATEGORY_COLOURS,
    "IPA quadrants": QUADRANT_COLOURS,
    "three-factor classes": CLASS_COLOURS,
    "ISO 10004 groups": PALETTE,
}


@pytest.mark.parametrize("name", list(PALETTES))
@pytest.mark.parametrize("deficiency", list(CVD))
def test_category_colours_stay_apart_under_colour_blindness(name, deficiency):
    """Every pair of a palette's colours differs by ΔE*ab ≥ 10 as a dichromat sees them (simulated)."""
    colours = PALETTES[name]
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        distance = float(np.linalg.norm(_lab(_seen_as(ca, deficiency)) - _lab(_seen_as(cb, deficiency))))
        assert distance >= 10, f"{name}: {a} and {b} look alike under {deficiency} (ΔE {distance:.1f})"


def test_must_be_attractive_and_indifferent_differ_by_more_than_colour():
    cats = ("M", "A", "I", "O")
    assert len({CATEGORY_MARKERS[c] for c in cats}) == len(cats)
    assert len({CATEGORY_HATCHES[c] for c in ("M", "A", "R", "Q")}) == 4  # O and I: dark and light, plain
    assert len(set(QUADRANT_MARKERS.values())) == 4
    assert len(set(GROUP_HATCHES.values())) == len(GROUP_HATCHES)


# --- axes and legends ------------------------------------------------------------------------


def test_counts_have_whole_number_axes_and_bars_start_at_zero():
    fig = shares_chart(pd.Series({"Logistics": 2.0, "Sales": 1.0}), title="Findings per department", xlabel="findings")
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert ax.get_xlim()[0] == 0
    assert sorted(t.get_text().strip() for t in ax.texts) == ["1", "2"]
    par = pd.DataFrame({"label": ["a", "b", "c"], "count": [2, 1, 1], "cumulative_share": [0.5, 0.75, 1.0]})
    pareto = pareto_chart(par, title="Pareto", ylabel="complaints", cumulative_label="%")
    pareto.canvas.draw()
    bars = pareto.axes[0]
    assert all(float(t).is_integer() for t in bars.get_yticks())
    comp = pd.DataFrame({"answered": [95, 80], "dont_know": [3, 15], "blank": [2, 5]}, index=["q1", "q2"])
    completeness = completeness_chart(comp, {}, title="Answers")
    assert completeness.axes[0].get_xlim() == (0, 100)  # not zoomed in on the answered share
    plt.close("all")


def test_a_small_change_looks_small_on_the_trend_panels():
    trend = pd.DataFrame(
        {
            "wave": ["Q1", "Q2", "Q1", "Q2"],
            "metric": ["csat", "csat", "overall_mean", "overall_mean"],
            "estimate": [72.0, 72.6, 3.90, 3.93],
            "ci_low": [71.0, 71.6, 3.88, 3.91],
            "ci_high": [73.0, 73.6, 3.92, 3.95],
        }
    )
    fig = trend_chart(trend, title="Trend", panels={"csat": "CSAT (%)", "overall_mean": "Overall (mean)"})
    csat, overall = fig.axes[:2]
    assert np.diff(csat.get_ylim())[0] >= 20 and 0 <= csat.get_ylim()[0] and csat.get_ylim()[1] <= 100
    assert np.diff(overall.get_ylim())[0] >= 1
    plt.close(fig)


def test_legends_have_one_distinct_swatch_per_class_and_sit_outside_the_data():
    frame = pd.DataFrame(
        {
            "label": ["Speed", "Price", "Staff", "Image"],
            "group": ["delivery", "product", "organisation", "other"],
            "normalized": [40.0, 30.0, 20.0, 10.0],
            "ci_low": [35.0, 25.0, 15.0, 5.0],
            "ci_high": [45.0, 35.0, 25.0, 15.0],
        }
    )
    fig = importance_chart(frame, title="Drivers", xlabel="%")
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    swatches = [(tuple(h.get_facecolor()), h.get_hatch()) for h in legend.get_patches()]
    assert len(swatches) == 4 and len(set(swatches)) == 4
    renderer = fig.canvas.get_renderer()
    assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))
    plt.close(fig)
    pr = pd.DataFrame(
        {
            "label": ["Speed", "Price", "Staff", "Image"],
            "penalty": [-0.5, -0.1, -0.02, -0.3],
            "reward": [0.5, 0.4, 0.01, 0.0],
            "factor_class": ["performance", "excitement", "low impact", "basic"],
        }
    )
    fig = penalty_reward_chart(pr, title="Penalty–reward", xlabel="points", class_names={"basic": "basic"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    for cls in ("performance", "excitement", "low impact", "basic"):
        assert cls in texts  # the class written at its row: no colour needed to read it
    plt.close(fig)


# --- alt text ------------------------------------------------------------------------------------


def test_alt_text_states_each_demo_figures_message(demo_inputs, demo_figs):
    figures = demo_figs["en"]
    ipa = demo_inputs["ipa"]
    w = demo_inputs["waves"]["en"]
    worst = ipa["performance"].idxmin()
    alt = description(figures["ipa"])
    assert alt.startswith("Importance–performance map. ")
    assert f"{w.label(worst)}: lowest score ({ipa.loc[worst, 'performance']:.2f})" in alt
    assert "Concentrate here: " + w.label(worst) in alt
    for name, fig in figures.items():
        text = description(fig)
        assert len(text) > 40 and "No description" not in text, name
        assert re.search(r"\d", text), name  # the numbers or the counts, not just a title
    summary = demo_inputs["kano_summary"]
    must_be = [w.label(a) for a in summary.index[summary["category"] == "M"]]
    assert must_be and all(label in description(figures["better_worse"]) for label in must_be)
    assert "Must-be: " in description(figures["better_worse"])
    alt = description(demo_figs["fa"]["ipa"])
    assert "کمترین امتیاز" in alt and re.search("[۰-۹]٫[۰-۹]{2}", alt) and not re.search("[0-9]", alt)


def test_alt_text_reaches_the_page_escaped(tmp_path, monkeypatch):
    """The chart's message, with the data's hostile text, becomes the <img alt> of the rendered page as text."""
    import base64
    from html.parser import HTMLParser

    import nbformat

    from csmlib.report import render
    from csmlib.report import tables as show

    outputs = []

    def fake_display(obj, metadata=None, raw=False, **_):
        assert raw and set(obj) == {"image/png", "text/plain"}  # drawn once by plots.png
        base64.b64decode(obj["image/png"], validate=True)
        data = obj
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    monkeypatch.setattr(show, "display", fake_display)
    hostile = '"><img src=x onerror=alert(1)> Delivery'
    ipa = pd.DataFrame(
        {
            "label": [hostile, "Price", "Staff"],
            "performance": [3.44, 4.0, 4.1],
            "importance": [0.247, 0.1, 0.05],
            "quadrant": ["concentrate here", "keep up the good work", "possible overkill"],
        }
    )
    fig = ipa_chart(ipa, title="Map", xlabel="p", ylabel="i", crosshair=(3.8, 0.12), quadrant_names=TEXT["en"]["quadrants"])
    show.figure(fig)
    alt = outputs[0]["metadata"]["image/png"]["alt"]
    assert alt.startswith(f"Map. {hostile}: lowest score (3.44) and highest importance (24.7 %).")

    executed = tmp_path / "reports" / "w" / "notebooks" / "01_x.ipynb"
    executed.parent.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("show.figure(fig)", outputs=outputs))
    nbformat.write(notebook, executed)
    target = tmp_path / "reports" / "w" / "01_x.html"
    render.render_notebook(executed, target, organisation="Org", wave_label="W", language="en", nav=[])
    page = target.read_text(encoding="utf-8")
    images = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                images.append(dict(attrs))

    Images().feed(page)
    assert [image["alt"] for image in images] == [alt]  # one image (the label made none), its alt the message, as text


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_figures_drawn_once_match_what_the_inline_backend_saves(demo_figs, lang):
    """plots.png (one drawing, cut to the tight box) against IPython's print_figure (bbox_inches="tight",
    two layouts): the same size and the same content box to a pixel or two (where the sub-pixel grid
    falls), and almost every pixel the same."""
    import io

    from IPython.core.pylabtools import print_figure
    from PIL import Image

    from csmlib.report.plots import png

    def grey(data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("L")).astype(int)

    def content(image: np.ndarray) -> np.ndarray:
        rows, cols = np.flatnonzero((image < 250).any(axis=1)), np.flatnonzero((image < 250).any(axis=0))
        return np.array([rows[0], rows[-1], cols[0], cols[-1]])

    for name, fig in demo_figs[lang].items():
        ours, backend = grey(png(fig)), grey(print_figure(fig, "png", bbox_inches="tight"))
        assert np.abs(np.subtract(ours.shape, backend.shape)).max() <= 1, name
        assert np.abs(content(ours) - content(backend)).max() <= 2, name
        rows, cols = min(ours.shape[0], backend.shape[0]), min(ours.shape[1], backend.shape[1])
        differ = np.abs(ours[:rows, :cols] - backend[:rows, :cols]) > 64
        assert differ.mean() < 0.06, name


def test_a_figure_reaching_past_its_edge_is_left_to_the_backend():
    """Content outside the figure (no layout made room for it) cannot be cut out of one drawing."""
    from csmlib.report.plots import png

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_ylabel("a label pushed out of the figure", labelpad=200)
    assert png(fig) is None
    ax.set_ylabel("inside", labelpad=4)
    fig.tight_layout()
    assert png(fig) is not None
    plt.close(fig)
