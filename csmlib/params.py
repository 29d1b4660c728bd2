"""Wave parameters: one YAML file per survey wave (``params/<wave>.yaml``).

Paths inside the file are relative to the project root, the folder that holds ``params/``
(for a file outside a ``params`` folder: the file's own folder). :func:`load_params`
validates everything before any analysis runs, resolves the paths, and returns a
:class:`WaveParams`; :meth:`WaveParams.notebook_parameters` is exactly what papermill
injects into the notebooks.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from csmlib.codebook import _format_pydantic, read_yaml
from csmlib.errors import CSMInputError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fieldwork(_Model):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"fieldwork end {self.end} is before start {self.start}")
        return self


class ReadOptions(_Model):
    """How to read the responses file when detection is not enough."""
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | int | None = None


class Units(_Model):
    """One report set per level of a segment (e.g. per region); small units are suppressed."""
    by: str
    min_n: int = Field(30, ge=1)
    include_total: bool = True


class Options(_Model):
    level: float = Field(0.95, gt=0.5, lt=1)
    n_boot: int = Field(1000, ge=0, le=100_000)
    # each Shapley resample is an exact fit over all 2^k driver subsets (0.3 s at k = 21), so its
    # bootstrap is opt-in; the relative weights (which track Shapley closely) always get n_boot
    shapley_n_boot: int = Field(0, ge=0, le=10_000)
    seed: int = 2026
    language: Literal["en", "fa"] = "en"
    min_n: int = Field(30, ge=1)
    reliability_threshold: float = Field(0.70, gt=0, lt=1)
    kernel: str = "csm"
    timeout: int = Field(600, ge=10, description="seconds per notebook cell")


class WaveParams(_Model):
    wave: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = ""
    fieldwork: Fieldwork
    codebook: Path
    responses: Path
    complaints: Path | None = None
    actions: Path | None = None
    customers: int | None = Field(None, ge=1, description="customer base size, for complaint rates")
    read: ReadOptions = Field(default_factory=ReadOptions)
    targets: dict[str, float] = Field(default_factory=dict)
    complaint_targets: dict[str, float] = Field(default_factory=dict)
    options: Options = Field(default_factory=Options)
    units: Units | None = None
    output: Path | None = None
    params_file: Path | None = None
    root: Path | None = None

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else (self.root or Path(".")) / "reports" / self.wave

    def unit_dir(self, unit: str | None) -> Path:
        """Where the reports of one unit (or of the whole wave, ``None``) go."""
        return self.output_dir if unit is None else self.output_dir / "units" / unit_slug(unit)

    def notebook_parameters(self, unit: str | None = None) -> dict:
        """The values papermill injects (plain JSON types, absolute paths)."""
        return {"params_file": str(self.params_file), "wave": self.wave, "unit": unit,
                "output_dir": str(self.unit_dir(unit)), "language": self.options.language}


def unit_slug(unit: str) -> str:
    """A folder name for a unit value (keeps letters of any script, replaces the rest)."""
    import re

    slug = re.sub(r"[^\w-]+", "-", str(unit).strip(), flags=re.UNICODE).strip("-")
    return slug or "unit"


def project_root_for(params_path: Path) -> Path:
    params_path = params_path.resolve()
    folder = params_path.parent
    return folder.parent if folder.name == "params" else folder


def load_params(path: str | Path) -> WaveParams:
    """Read, validate and resolve one wave's parameter file.

    Raises :class:`CSMInputError` (one line, naming the file) for a missing or broken file,
    an unknown or mistyped key, or a path that does not exist.
    """
    path = Path(path)
    data = read_yaml(path)
    root = project_root_for(path)
    try:
        params = WaveParams.model_validate(data)
    except ValidationError as err:
        raise CSMInputError(f"invalid wave parameters: {_format_pydantic(err)}", file=path) from None

    def resolve(p: Path | None) -> Path | None:
        if p is None:
            return None
        return p if p.is_absolute() else (root / p).resolve()

    resolved = params.model_copy(update={
        "codebook": resolve(params.codebook),
        "responses": resolve(params.responses),
        "complaints": resolve(params.complaints),
        "actions": resolve(params.actions),
        "output": resolve(params.output) or (root / "reports" / params.wave),
        "params_file": path.resolve(),
        "root": root,
    })
    for key in ("codebook", "responses", "complaints", "actions"):
        value = getattr(resolved, key)
        if value is not None and not value.exists():
            raise CSMInputError(f"'{key}' file not found: {value}", file=path)
    return resolved
