"""Report notebooks are committed clean: no outputs, exactly one parameters cell, csm kernel."""

import json

import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any(c.get("outputs") for c in code), "committed with outputs"
    assert not any(c.get("execution_count") for c in code), "committed with execution counts"
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "needs exactly one cell tagged 'parameters'"
    assert "params_file" in "".join(tagged[0]["source"])
    assert nb["metadata"]["kernelspec"]["name"] == "csm"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")
