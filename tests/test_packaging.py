"""environment.yml (conda) lists every dependency of pyproject.toml (pip)."""
import re
import tomllib

import yaml

from tests.conftest import REPO

CONDA_NAMES = {"matplotlib": "matplotlib-base", "arabic-reshaper": "arabic_reshaper", "factor-analyzer": "factor_analyzer"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_in_sync_with_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    for spec in wanted:
        name = _name(spec)
        conda_name = CONDA_NAMES.get(name, name).lower().replace("_", "-")
        assert conda_name in conda, f"{name} missing from environment.yml"
        bounds = spec[len(re.split(r'[<>=!~ ]', spec, maxsplit=1)[0]):]
        assert bounds.replace(" ", "") in conda[conda_name].replace(" ", ""), f"{name}: '{bounds}' differs"
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip


def test_scikit_learn_pinned_below_1_8():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "scikit-learn>=1.3,<1.8" in text


def test_ci_calls_make_test():
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in (REPO / "README.md").read_text(encoding="utf-8")
