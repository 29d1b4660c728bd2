"""docs/reference.md is generated from the codebook and wave-file models and never drifts."""

import importlib.util
from pathlib import Path

from csmlib.survey.codebook import Codebook
from csmlib.survey.params import WaveParams

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("reference_tool", ROOT / "tools" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_current():
    assert (ROOT / "docs" / "reference.md").read_text(encoding="utf-8") == _tool().render(), (
        "run `python tools/reference.py` and commit docs/reference.md"
    )


def test_every_key_is_described():
    tool = _tool()
    for top in (Codebook, WaveParams):
        models = []
        tool._models(top, models)
        for model in models:
            for key, field in model.model_fields.items():
                assert field.description, f"{model.__name__}.{key} has no description"
