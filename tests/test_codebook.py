import textwrap

import pytest
import yaml

from csmlib.survey.codebook import load_codebook, pick_label
from csmlib.core.errors import CSMInputError
from csmlib.survey.params import kernel_name, load_params


def test_demo_codebook_loads(demo_codebook):
    cb = demo_codebook
    assert len(cb.items_in_group("product")) >= 6
    assert len(cb.items_in_group("delivery")) >= 6
    assert len(cb.items_in_group("organisation")) >= 6
    assert set(cb.outcomes) == {"overall", "recommend", "loyalty", "effort"}
    assert len(cb.kano.pairs) >= 6
    assert cb.item("org_hidden_costs").reverse
    assert set(cb.dimensions()) == {"product", "delivery", "organisation"}


def test_persian_labels_round_trip(demo_root, demo_codebook):
    raw = yaml.safe_load((demo_root / "params" / "survey.yaml").read_text(encoding="utf-8"))
    written = {i["id"]: i["label"]["fa"] for i in raw["items"]}
    for item in demo_codebook.items:
        assert item.label["fa"] == written[item.id]
    assert demo_codebook.label("del_speed", "fa") == "سرعت تحویل"
    assert "\u200c" in demo_codebook.label("del_response", "fa")  # the ZWNJ is kept as written
    assert demo_codebook.label("del_speed", "en") == "Delivery speed"


def test_pick_label_fallbacks():
    assert pick_label("plain", "fa") == "plain"
    assert pick_label({"en": "E", "fa": "ف"}, "de") == "E"
    assert pick_label({"fa": "ف"}, "en") == "ف"


def _write(tmp_path, text):
    path = tmp_path / "survey.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


MINIMAL = """
survey: s
respondent_id: id
scales:
  s5: {min: 1, max: 5}
items:
  - {id: a, label: A, group: product, scale: s5}
"""


def test_minimal_codebook(tmp_path):
    cb = load_codebook(_write(tmp_path, MINIMAL))
    assert cb.data_columns() == ["id", "a"]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("survey: [unclosed\n", "broken YAML"),
        ("- just\n- a list\n", "mapping"),
        (MINIMAL.replace("scale: s5}", "scale: s7}"), "undeclared scale 's7'"),
        (MINIMAL.replace("group: product", "group: finance"), "items.0.group"),
        (MINIMAL + "colour: blue\n", "colour"),
        (MINIMAL.replace("{min: 1, max: 5}", "{min: 5, max: 1}"), "must be greater"),
        (MINIMAL.replace("{min: 1, max: 5}", "{min: 1, max: 5, missing: [3]}"), "inside the scale"),
        (MINIMAL + "  - {id: a, label: B, group: product, scale: s5}\n", "duplicate item ids"),
    ],
)
def test_bad_codebooks_are_one_line_errors(tmp_path, text, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(CSMInputError) as info:
        load_codebook(path)
    message = str(info.value)
    assert fragment in message
    assert str(path) in message
    assert "\n" not in message


def test_broken_yaml_names_the_line(tmp_path):
    path = _write(tmp_path, "survey: s\nrespondent_id: [id\nitems: []\n")
    with pytest.raises(CSMInputError, match=r"row \d"):
        load_codebook(path)


def test_missing_codebook_file(tmp_path):
    with pytest.raises(CSMInputError, match="file not found"):
        load_codebook(tmp_path / "nope.yaml")


def test_wave_params_resolve_paths(demo_root):
    params = load_params(demo_root / "params" / "2026Q2.yaml")
    assert params.root == demo_root.resolve()
    assert params.responses == (demo_root / "data" / "demo" / "responses_2026Q2.csv").resolve()
    assert params.output_dir == (demo_root / "reports" / "2026Q2").resolve()
    injected = params.notebook_parameters()
    # every injected value is read by the notebooks' one-call preamble (open_wave); nothing unused
    assert set(injected) == {"params_file", "unit", "output_dir", "language"}
    assert injected["params_file"].endswith("2026Q2.yaml")


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda p: p.update(responses="data/none.csv"), "'responses' file not found"),
        (lambda p: p.update(colour="blue"), "colour"),
        (lambda p: p["fieldwork"].update(end="2020-01-01"), "before start"),
        (lambda p: p["options"].update(language="de"), "options.language"),
        (lambda p: p.pop("wave"), "wave"),
    ],
)
def test_bad_wave_params(project, edit, fragment):
    path = project / "params" / "2026Q2.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CSMInputError) as info:
        load_params(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_segment_levels_are_shown_with_their_labels_in_the_report_language(tmp_path):
    from csmlib.demo import codebook_dict

    raw = codebook_dict()
    raw["segments"]["channel"]["level_labels"] = {"online": {"en": "Online", "fa": "آنلاین"}, "store": "Shop"}
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    codebook = load_codebook(path)
    assert codebook.level_label("channel", "online", "fa") == "آنلاین"
    assert codebook.level_label("channel", "online", "en") == "Online"
    assert codebook.level_label("channel", "store", "fa") == "Shop"  # one label for every language
    assert codebook.level_label("channel", "phone", "fa") == "phone"  # no label: the value itself
    assert codebook.level_label("no_such_segment", 3) == "3"


def test_departments_are_named_in_the_report_language(demo_codebook):
    assert demo_codebook.department_label("Packaging", "fa") == "بسته‌بندی"
    assert demo_codebook.department_label("Packaging", "en") == "Packaging"
    assert demo_codebook.department_label("Legal", "fa") == "Legal"  # not in the codebook: as written


def test_the_kernel_a_wave_file_asks_for_is_read_before_it_is_validated(tmp_path):
    """csm run starts its kernels with options.kernel while the file is validated; whatever the file
    lacks or breaks gives the default (load_params then names the problem)."""
    cases = {
        "own.yaml": ("wave: W\noptions:\n  kernel: python3\n", "python3"),
        "none.yaml": ("wave: W\n", "csm"),
        "odd.yaml": ("wave: W\noptions: [kernel]\n", "csm"),
        "broken.yaml": ("wave: W\noptions: {kernel: [\n", "csm"),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert kernel_name(tmp_path / name) == expected, name
    assert kernel_name(tmp_path / "missing.yaml") == "csm"
