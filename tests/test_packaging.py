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
        bounds = spec[len(re.split(r"[<>=!~ ]", spec, maxsplit=1)[0]) :]
        assert bounds.replace(" ", "") in conda[conda_name].replace(" ", ""), f"{name}: '{bounds}' differs"
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip


def test_scikit_learn_pinned_below_1_8():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "scikit-learn>=1.3,<1.8" in text


def test_ci_calls_make_test():
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in (REPO / "README.md").read_text(encoding="utf-8")


# distribution name -> the module it is imported as; and the tools the workbench runs but never imports
IMPORT_NAMES = {
    "pyyaml": "yaml",
    "python-calamine": "python_calamine",
    "arabic-reshaper": "arabic_reshaper",
    "python-bidi": "bidi",
    "seaborn": "seaborn",
    "pyarrow": "pyarrow",
    "markupsafe": "markupsafe",
    "adjusttext": "adjustText",
}
NOT_IMPORTED = {
    "jupyterlab": "the JupyterLab app of `make lab`",
    "ipykernel": "the csm kernel the notebooks run on",
    "openpyxl": "pandas' Excel writer engine (feedback.xlsx)",
    "pyarrow": "pandas' Parquet engine",
    "python-calamine": "pandas' Excel reader engine (engine='calamine')",
}


def test_runtime_dependencies_are_exactly_those_used():
    """Every runtime dependency is imported by csmlib or its notebooks (or is a tool it runs), and
    nothing csmlib imports from outside the standard library is missing from the list."""
    import ast
    import sys

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(d) for d in project["dependencies"]}
    sources = [p.read_text(encoding="utf-8") for p in (REPO / "csmlib").rglob("*.py")]
    import json

    for nb in (REPO / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    imported = set()
    for text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    for dist in declared:
        module = IMPORT_NAMES.get(dist, dist.replace("-", "_"))
        assert module in imported or dist in NOT_IMPORTED, f"{dist} is a runtime dependency that nothing imports"
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in ("csmlib", "__future__")}
    provided = {IMPORT_NAMES.get(d, d.replace("-", "_")) for d in declared}
    indirect = {"IPython", "jupyter_client", "jinja2", "mistune", "fastjsonschema", "traitlets"}  # via nbconvert/ipykernel
    assert third_party <= provided | indirect, f"imported but not declared: {sorted(third_party - provided - indirect)}"
