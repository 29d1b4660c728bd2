"""Shared fixtures: a demo project written once per test session (seeded, deterministic)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from csmlib.demo import write_demo

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"

# the tests' runs share warm zygotes as any runs do (csmlib.batch.kernels), but these need not
# wait five minutes for a next run once the suite is over
os.environ.setdefault("CSM_KERNEL_IDLE_SECONDS", "20")


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """A project folder with the demo waves (data/demo, params/) and the repo's notebooks."""
    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    return root


@pytest.fixture(scope="session")
def demo_codebook(demo_root):
    from csmlib.survey.codebook import load_codebook

    return load_codebook(demo_root / "params" / "survey.yaml")


@pytest.fixture
def project(tmp_path, demo_root) -> Path:
    """A writable copy of the demo project's params and codebook, for editing in a test."""
    shutil.copytree(demo_root / "params", tmp_path / "params")
    (tmp_path / "data").mkdir()
    return tmp_path
