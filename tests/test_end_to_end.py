"""`csm run` on a demo wave: every notebook executes, reports are code-free, offline HTML."""

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wave_run(demo_root):
    """Run the first two demo waves (the second one has a previous wave to compare with)."""
    result = subprocess.run(
        [sys.executable, "-m", "csmlib.cli", "run", "params/2025Q4.yaml", "params/2026Q1.yaml"],
        cwd=demo_root,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return demo_root, result


def test_run_succeeds_with_progress_lines(wave_run):
    root, result = wave_run
    assert result.returncode == 0, result.stdout + result.stderr
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        assert re.search(rf"2026Q1\s+{nb.stem}\s+ok\s+[\d.]+ s", result.stdout), nb.stem
    assert "failed" not in result.stdout.split("\n")[-3]


def test_reports_are_code_free_offline_html_with_figures(wave_run):
    root, _ = wave_run
    wave_dir = root / "reports" / "2026Q1"
    pages = sorted(wave_dir.glob("[0-9][0-9]_*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # code cells render as a CodeMirror editor with highlighted Python; Markdown cells also
        # use jp-InputArea, and the lab CSS defines every class, so look for elements only
        assert not re.search(r'class="[^"]*(jp-CodeMirrorEditor|hl-ipython3)', html), f"{page.name} shows code"
        assert "import pandas" not in html and "open_wave(" not in html, f"{page.name} shows code"
        assert "Traceback" not in html and 'data-mime-type="application/vnd.jupyter.stderr"' not in html, (
            f"{page.name} has errors"
        )
        assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", html), f"{page.name} not offline"
        assert "cdn" not in html.lower() or "cdnjs" not in html.lower()
        assert "data:image/png;base64," in html, f"{page.name} has no figure"
        assert len(html.encode()) < 3_000_000, f"{page.name} exceeds the 3 MB budget"
    assert (wave_dir / "index.html").is_file() and (root / "reports" / "index.html").is_file()
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "2025Q4/index.html" in index and "2026Q1/index.html" in index


def test_rejected_rows_are_reported(wave_run):
    root, _ = wave_run
    rejected = pd.read_csv(root / "reports" / "2026Q1" / "rejected.csv")
    assert len(rejected) == 6
    assert set(rejected.columns) >= {"file", "row", "column", "value", "reason"}
    assert (rejected["file"].str.endswith("responses_2026Q1.xlsx")).all()
    raw_rows = pd.read_csv(root / "reports" / "2026Q1" / "rejected_rows.csv")
    assert len(raw_rows) == 6
    html = (root / "reports" / "2026Q1" / "01_data_quality.html").read_text(encoding="utf-8")
    assert "6 rows were kept out" in html
    # the page lists row numbers and reasons; respondent ids and raw answers stay in the CSV files
    assert all(f">{row}<" in html for row in rejected["row"])
    assert not any(str(rid) in html for rid in rejected["respondent_id"])
    assert "good" not in re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", html)


def test_feedback_register_routes_the_recurring_complaint(wave_run):
    """The planted recurring packaging complaint reaches the packaging department (csv and xlsx)."""
    from csmlib.demo import GROUND_TRUTH

    root, _ = wave_run
    truth = GROUND_TRUTH["recurring_complaint"]
    saved = json.loads((root / "reports" / "2026Q1" / "results" / "07_feedback.json").read_text("utf-8"))
    register = pd.DataFrame(saved["register"])
    # one finding per problem: the recurring complaint is evidence of the packaging item's finding
    packaging = register[register["key"] == "item:del_packaging"]
    assert len(packaging) == 1 and "recurring_complaint" in str(packaging["kinds"].iloc[0])
    assert set(packaging["department"]) == {truth["department"]}
    assert register["id"].is_unique and register["key"].is_unique
    table = pd.read_csv(root / "reports" / "2026Q1" / "feedback.csv", encoding="utf-8-sig")
    assert len(pd.read_excel(root / "reports" / "2026Q1" / "feedback.xlsx", engine="calamine")) == len(table)
    index = (root / "reports" / "2026Q1" / "index.html").read_text(encoding="utf-8")
    assert "Executive summary" in index and "Headline indicators" in index  # the wave page opens with it


def test_results_side_files_and_manifest(wave_run):
    root, _ = wave_run
    results = json.loads((root / "reports" / "2026Q1" / "results" / "01_data_quality.json").read_text("utf-8"))
    assert results["wave"] == "2026Q1" and results["n_rejected"] == 6 and results["n_accepted"] == 1494
    manifest = json.loads((root / "reports" / "2026Q1" / "manifest.json").read_text("utf-8"))
    assert all(job["status"] == "ok" for job in manifest["jobs"])
    assert manifest["inputs"]["responses"]["sha256"]


@pytest.mark.parametrize(
    "name",
    [p.name for p in sorted((__import__("tests.conftest", fromlist=["REPO"]).REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))],
)
def test_notebook_runs_with_its_default_parameters(demo_root, name):
    """As an analyst would in JupyterLab: open the notebook in notebooks/, run all cells."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(demo_root / "notebooks" / name, as_version=4)
    NotebookClient(nb, kernel_name="csm", timeout=600, resources={"metadata": {"path": str(demo_root / "notebooks")}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


@pytest.mark.browser
def test_reports_load_in_headless_chromium(wave_run):
    """As a manager would open them: no console errors, no request leaves the machine."""
    from tests.browser import chromium, visit
    from tests.conftest import REPO

    if chromium() is None:
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    root, _ = wave_run
    shots = REPO / "build" / "screenshots"
    for page in [root / "reports" / "index.html", *sorted((root / "reports" / "2026Q1").glob("*.html"))]:
        seen = visit(page, shots / f"2026Q1_{page.stem}.png" if page.parent.name == "2026Q1" else shots / "index.png")
        assert seen.title, page.name
        assert seen.external_requests == [], f"{page.name}: {seen.external_requests}"
        assert seen.console_errors == [] and seen.exceptions == [], f"{page.name}: {seen.console_errors}"
    assert (shots / "2026Q1_01_data_quality.png").stat().st_size > 10_000
