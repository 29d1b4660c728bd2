"""Executing one notebook: when the output notebook is written, and what a failure keeps."""

import json

import pytest

from tests.notebooks import write_notebook
from csmlib.batch import execute


def _outputs(path):
    """The printed text of each code cell that printed something (a busy kernel may send one
    print's text and its line end as two stream messages: they are joined per cell)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    texts = ["".join("".join(o.get("text", "")) for o in c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return [t for t in texts if t]


def test_the_output_notebook_is_written_at_the_start_and_the_end_not_after_every_cell(tmp_path, monkeypatch):
    import papermill.engines

    writes = []
    real = papermill.engines.write_ipynb
    monkeypatch.setattr(papermill.engines, "write_ipynb", lambda nb, path: (writes.append(path), real(nb, path)))
    source = write_notebook(tmp_path / "in.ipynb", *[f"print({i} + x)" for i in range(6)])
    executed = tmp_path / "out.ipynb"
    assert execute.execute_notebook(source, executed, parameters={"x": 10}, kernel="csm", timeout=60) == ""
    assert len(writes) == 2  # papermill alone writes 2 + 2 per cell
    assert _outputs(executed) == [f"{i + 10}\n" for i in range(6)]


def test_a_failing_cell_keeps_the_cells_before_it_and_reports_one_line(tmp_path):
    source = write_notebook(
        tmp_path / "in.ipynb", "print('before')", "raise ValueError('bad wave\\nsecond line')", "print('after')"
    )
    executed = tmp_path / "out.ipynb"
    assert execute.execute_notebook(source, executed, parameters={}, kernel="csm", timeout=60) == "ValueError: bad wave"
    assert _outputs(executed)[0] == "before\n"
    assert "after\n" not in _outputs(executed)


@pytest.mark.slow
def test_a_timeout_keeps_the_partial_notebook(tmp_path):
    source = write_notebook(tmp_path / "in.ipynb", "print('before')", "import time; time.sleep(30)")
    executed = tmp_path / "out.ipynb"
    error = execute.execute_notebook(source, executed, parameters={}, kernel="csm", timeout=2)
    assert "Timeout" in error or "timed out" in error
    assert _outputs(executed)[0] == "before\n"
