"""Every public function of the statistics layer is fully annotated, and mypy checks the layer.

The annotations are the contract of a pure statistics function (what goes in, what comes out);
``make lint`` runs mypy over ``csmlib/stats`` with the settings in pyproject.toml.
"""

import importlib
import inspect
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import csmlib.stats

ROOT = Path(__file__).resolve().parents[1]


def public_functions():
    for info in pkgutil.iter_modules(csmlib.stats.__path__):
        module = importlib.import_module(f"csmlib.stats.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue  # private, or re-exported from its home
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for meth_name, meth in vars(obj).items():
                    if inspect.isfunction(meth) and not meth_name.startswith("_"):
                        yield f"{module.__name__}.{name}.{meth_name}", meth


def test_every_public_function_of_stats_is_annotated():
    missing = []
    for name, fn in public_functions():
        sig = inspect.signature(fn)
        params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
        untyped = [p.name for p in params if p.annotation is inspect.Parameter.empty]
        if untyped or sig.return_annotation is inspect.Signature.empty:
            missing.append(
                f"{name}({', '.join(untyped)})" + ("" if sig.return_annotation is not inspect.Signature.empty else " -> ?")
            )
    assert not missing, f"{len(missing)} public functions lack annotations:\n" + "\n".join(missing)


@pytest.mark.skipif(shutil.which("mypy", path=str(Path(sys.executable).parent)) is None, reason="mypy not installed")
def test_mypy_passes_over_the_statistics_layer():
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    done = subprocess.run([mypy, "csmlib/stats"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
