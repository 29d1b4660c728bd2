"""The quarterly batch: job graph, units, manifest, skipping unchanged jobs, a Dask cluster."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from csmlib.cli import main
from csmlib.batch.pipeline import plan_jobs, reads
from csmlib.survey.wave import open_wave
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_job_graph_orders_waves_and_the_results_each_notebook_reads(demo_root):
    waves = [open_wave(demo_root / "params" / f"{w}.yaml") for w in ("2026Q1", "2025Q4")]
    graph = plan_jobs(waves, NOTEBOOKS)
    keys = list(graph)
    stems = [n.stem for n in NOTEBOOKS]
    for key, (_job, deps) in graph.items():
        assert all(keys.index(d) < keys.index(key) for d in deps), key  # a topological order
    # each notebook waits for the same notebook of the previous wave (trend charts)
    assert "2025Q4/-/02_satisfaction" in graph["2026Q1/-/02_satisfaction"][1]
    # the summary waits for every other notebook of its wave; feedback for the analyses it collects
    assert set(graph["2026Q1/-/08_summary"][1]) >= {f"2026Q1/-/{s}" for s in stems if s != "08_summary"}
    assert set(reads(REPO / "notebooks" / "07_feedback.ipynb", stems)) >= {"02_satisfaction", "05_drivers", "06_complaints"}
    assert "2026Q1/-/04_kano" in graph["2026Q1/-/05_drivers"][1]


@pytest.fixture
def unit_project(tmp_path, demo_root):
    root = tmp_path / "units"
    for folder in ("params", "data", "notebooks"):
        shutil.copytree(demo_root / folder, root / folder)
    path = root / "params" / "2025Q4.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["units"] = {"by": "region", "min_n": 220, "include_total": True}
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    for other in ("2026Q1", "2026Q2", "2026Q3"):
        (root / "params" / f"{other}.yaml").unlink()
    return root, path


@pytest.mark.slow
def test_units_on_a_dask_cluster_with_manifest_and_caching(unit_project, monkeypatch):
    """--scheduler runs the jobs on a Dask cluster (a LocalCluster here); unchanged jobs are skipped."""
    from distributed import LocalCluster

    root, path = unit_project
    monkeypatch.chdir(root)
    runner = CliRunner()
    wave = open_wave(path)
    keep, small = wave.units()
    assert keep and small  # some regions have fewer than 220 respondents
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        first = runner.invoke(main, ["run", str(path), "--only", "01", "--scheduler", cluster.scheduler_address])
        assert first.exit_code == 0, first.output
        for unit in keep:
            assert re.search(rf"2025Q4\s+01_data_quality \[{unit}\]\s+ok", first.output), unit
        again = runner.invoke(main, ["run", str(path), "--only", "01", "--scheduler", cluster.scheduler_address])
        assert again.exit_code == 0 and "cached" in again.output and " ok " not in again.output
    manifest = json.loads((root / "reports" / "2025Q4" / "manifest.json").read_text(encoding="utf-8"))
    assert {j["unit"] for j in manifest["jobs"]} == {None, *keep}
    assert all(j["input_sha256"] and j["output_sha256"] for j in manifest["jobs"])
    assert manifest["suppressed_units"] == small and manifest["packages"]["pandas"]
    index = (root / "reports" / "2025Q4" / "index.html").read_text(encoding="utf-8")
    assert all(unit in index for unit in keep) and "Suppressed" in index
    for unit in keep:
        unit_page = next(Path(root / "reports" / "2025Q4" / "units").glob(f"*{unit}*/01_data_quality.html"))
        assert unit in unit_page.read_text(encoding="utf-8")
    forced = runner.invoke(main, ["run", str(path), "--only", "01", "--jobs", "2", "--force"])
    assert forced.exit_code == 0 and "cached" not in forced.output


def test_a_partial_run_keeps_the_record_of_the_other_reports(demo_root, tmp_path):
    """`csm run --only 08` must not drop the other reports from the manifest and the wave page."""
    from csmlib.batch.pipeline import NotebookRun, WaveRun, _keep_earlier_jobs

    root = tmp_path / "p"
    shutil.copytree(demo_root / "params", root / "params")
    shutil.copytree(demo_root / "data", root / "data")
    wave = open_wave(root / "params" / "2025Q4.yaml")
    out = wave.params.output_dir
    out.mkdir(parents=True)
    earlier = [
        {
            "notebook": n.stem,
            "status": "ok",
            "seconds": 1.0,
            "html": f"{n.stem}.html",
            "unit": None,
            "wave": "2025Q4",
            "input_sha256": "x",
            "title": n.stem,
            "output_sha256": "y",
        }
        for n in NOTEBOOKS
    ]
    for job in earlier[:-1]:
        (out / job["html"]).write_text("<html></html>", encoding="utf-8")  # the last page is gone
    (out / "manifest.json").write_text(json.dumps({"jobs": earlier}), encoding="utf-8")
    run = WaveRun("2025Q4", str(out), 1, 1, 0)
    run.notebooks.append(NotebookRun(notebook=NOTEBOOKS[0].stem, status="ok", seconds=2.0, html="x.html"))
    _keep_earlier_jobs(wave, run, NOTEBOOKS)
    assert [r.notebook for r in run.notebooks] == [NOTEBOOKS[0].stem]  # only what ran counts as run
    assert [r.notebook for r in run.kept] == [n.stem for n in NOTEBOOKS[1:-1]]  # no page, no record


def test_a_run_switches_threads_promptly_and_restores_the_setting():
    import sys

    from csmlib.batch.pipeline import THREAD_SWITCH_SECONDS, prompt_thread_switches

    before = sys.getswitchinterval()
    with prompt_thread_switches():
        assert sys.getswitchinterval() == pytest.approx(THREAD_SWITCH_SECONDS)
    assert sys.getswitchinterval() == before
    with pytest.raises(KeyError), prompt_thread_switches():
        raise KeyError("a failing run")
    assert sys.getswitchinterval() == before
