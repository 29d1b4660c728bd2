"""The csm command line: one-line errors with exit status 2, useful help."""

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from csmlib.cli import main


@pytest.fixture
def runner():
    return CliRunner()


def test_help(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "Quarterly workflow" in result.output
    for sub in ("run", "validate", "demo"):
        sub_help = runner.invoke(main, [sub, "--help"])
        assert sub_help.exit_code == 0 and "Usage" in sub_help.output


def test_validate_counts(runner, demo_root):
    result = runner.invoke(main, ["validate", str(demo_root / "params" / "2026Q2.yaml")])
    assert result.exit_code == 0, result.output
    assert "1500 rows read, 1494 accepted, 6 rejected" in result.output
    assert "out of range" in result.output


def _wave_with(project, demo_root, frame_edit):
    frame = pd.read_csv(demo_root / "data" / "demo" / "responses_2026Q2.csv", dtype=str)
    frame = frame_edit(frame)
    responses = project / "data" / "responses.csv"
    frame.to_csv(responses, index=False)
    path = project / "params" / "2026Q2.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params.update(responses="data/responses.csv", complaints=None, actions=None)
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path, responses


def test_missing_column_exits_2_with_one_line(runner, project, demo_root):
    path, responses = _wave_with(project, demo_root, lambda f: f.drop(columns=["del_info"]))
    for command in ("validate", "run"):
        result = runner.invoke(main, [command, str(path)])
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output
        assert str(responses) in lines[0] and "column 'del_info'" in lines[0]


def test_broken_params_yaml_exits_2(runner, project):
    path = project / "params" / "broken.yaml"
    path.write_text("wave: [2026Q9\n", encoding="utf-8")
    result = runner.invoke(main, ["run", str(path)])
    assert result.exit_code == 2 and "broken YAML" in result.output and str(path) in result.output


def test_strict_turns_rejected_rows_into_an_error(runner, project, demo_root):
    path, responses = _wave_with(project, demo_root, lambda f: f)
    result = runner.invoke(main, ["run", "--strict", str(path)])
    assert result.exit_code == 2
    assert str(responses) in result.output and "row " in result.output and "column '" in result.output
