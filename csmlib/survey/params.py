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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from csmlib.survey.codebook import describe_validation_error, parsed_once, read_yaml
from csmlib.core.errors import CSMInputError

Calendar = Literal["gregorian", "jalali"]
HEADLINE_TARGETS = Literal["overall_mean", "csat", "nps", "ces_mean", "csi"]
COMPLAINT_TARGETS = Literal["acknowledge_hours", "close_days"]
# a wave id names a folder under reports/: letters, digits, _ . - ; it cannot start with a dot ("." and "..")
WAVE_ID = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Fieldwork(_Model):
    """Fieldwork dates, written in the wave's calendar (Solar Hijri when ``calendar: jalali``)."""

    start: dt.date
    """First day of fieldwork (in the wave's calendar)."""
    end: dt.date
    """Last day of fieldwork."""

    @field_validator("start", "end", mode="before")
    @classmethod
    def _in_calendar(cls, value, info: ValidationInfo):
        from csmlib.core.dates import parse_date

        calendar = (info.context or {}).get("calendar") or "gregorian"
        try:
            return parse_date(value, calendar)
        except ValueError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"fieldwork end {self.end} is before start {self.start}")
        return self


class ReadOptions(_Model):
    """How to read the responses file when detection is not enough."""

    delimiter: str | None = None
    """CSV delimiter (default: detected)."""
    encoding: str | None = None
    """Text encoding (default: detected)."""
    sheet: str | int | None = None
    """Excel sheet name or number (default: the first)."""


class Units(_Model):
    """One report set per level of a segment (e.g. per region); small units are suppressed."""

    by: str
    """Segment whose values get a report set each."""
    min_n: int = Field(30, ge=1)
    """Units with fewer respondents are suppressed."""
    include_total: bool = True
    """Also report the whole wave."""


class PenaltyRewardBands(_Model):
    """Answers counted as a low and as a top rating in the penalty–reward analysis (default: from the scale)."""

    low: float | None = None
    """Highest answer counted as a low rating."""
    high: float | None = None
    """Lowest answer counted as a top rating."""


class DriverOptions(_Model):
    """How the key-driver analysis is run.

    ``method``: ``auto`` (exact Shapley and relative weights while Shapley is fast, relative
    weights alone for many drivers), ``shapley`` or ``relative_weights``. ``exclude``: item ids
    kept out of the analysis (as ``driver: false`` in the codebook).
    """

    method: Literal["auto", "shapley", "relative_weights"] = "auto"
    """auto, shapley or relative_weights."""
    exclude: list[str] = Field(default_factory=list)
    """Item ids kept out of the driver analysis."""
    penalty_reward: PenaltyRewardBands = Field(default_factory=PenaltyRewardBands)
    """Bands of the penalty–reward analysis."""


class Cutoffs(_Model):
    """The lowest answer counted as satisfied (CSAT) and as loyal; default: from the scale."""

    csat: float | None = None
    """Lowest overall-satisfaction answer counted as satisfied (CSAT)."""
    loyalty: float | None = None
    """Lowest loyalty answer counted as loyal."""


class Options(_Model):
    level: float = Field(0.95, gt=0.5, lt=1)
    """Confidence level of every interval."""
    n_boot: int = Field(1000, ge=0, le=100_000)
    """Bootstrap resamples (relative weights, Kano)."""
    # each Shapley resample is an exact fit over all 2^k driver subsets (0.3 s at k = 21), so its
    # bootstrap is opt-in; the relative weights (which track Shapley closely) always get n_boot
    shapley_n_boot: int = Field(0, ge=0, le=10_000)
    """Bootstrap resamples of the Shapley shares (each is an exact fit over all subsets)."""
    seed: int = 2026
    """Random seed of the bootstraps."""
    language: Literal["en", "fa"] = "en"
    """Report language: en or fa."""
    min_n: int = Field(30, ge=1)
    """Groups smaller than this are suppressed in every table and figure."""
    reliability_threshold: float = Field(0.70, gt=0, lt=1)
    """α at or above which a dimension is called reliable."""
    show_quotes: bool = True
    """Show masked example quotes of the open comments in the reports (false: themes and numbers only)."""
    kernel: str = "csm"
    """Jupyter kernel that runs the notebooks."""
    timeout: int = Field(600, ge=10, description="seconds per notebook cell")
    """Seconds allowed per notebook cell."""


class DueDays(_Model):
    """Days from the end of fieldwork to a finding's due date, by priority (07_feedback's action tracker)."""

    high: int = Field(30, ge=1, le=3650)
    """Days to act on a high-priority finding."""
    medium: int = Field(60, ge=1, le=3650)
    """Days to act on a medium-priority finding."""
    low: int = Field(90, ge=1, le=3650)
    """Days to act on a low-priority finding."""

    @model_validator(mode="after")
    def _ordered(self):
        if not self.high <= self.medium <= self.low:
            raise ValueError(
                f"due days must not shorten as priority falls (high {self.high}, medium {self.medium}, low {self.low})"
            )
        return self


class FeedbackOptions(_Model):
    """The findings register and action tracker of ``07_feedback`` (docs/methods/feedback.md).

    Example: ``feedback: {due_days: {high: 30, medium: 60, low: 90}, targets: {del_speed: 4.0},
    complaint_handling: org_complaints}``.
    """

    due_days: DueDays = Field(default_factory=DueDays)
    """Days from the end of fieldwork to the due date of a finding, by priority: `{high: 30, medium: 60, low: 90}`."""
    targets: dict[str, float] = Field(default_factory=dict)
    """Target mean rating per characteristic: `{item id: value}`; a characteristic below its target scores a larger gap."""
    complaint_handling: str | None = None
    """Id of the rating item that measures complaint handling: the complaints log's handling satisfaction and first-contact resolution are judged with it and routed to its department."""


class WaveParams(_Model):
    wave: str = Field(pattern=WAVE_ID)
    """Wave id (letters, digits, _ . -); names the folder reports/<wave>/."""
    title: str = ""
    """Title of the wave's reports."""
    calendar: Calendar | None = None  # overrides the codebook's calendar for this wave's dates
    """Overrides the codebook's calendar for this wave's dates."""
    previous: list[str] | None = None  # the earlier waves of this survey, by wave id (default: found)
    """Ids of the earlier waves of this survey (default: the other wave files of the same survey, by fieldwork date)."""
    fieldwork: Fieldwork
    """Fieldwork dates `{start, end}`."""
    codebook: Path
    """Path of the codebook (relative to the project folder)."""
    responses: Path
    """Path of the survey export (.csv, .xlsx, .sav, .parquet)."""
    complaints: Path | None = None
    """Path of the complaints log."""
    actions: Path | None = None
    """Path of the corrective-action register."""
    customers: int | None = Field(None, ge=1, description="customer base size, for complaint rates")
    """Size of the customer base, for complaint rates per 1,000 customers."""
    read: ReadOptions = Field(default_factory=ReadOptions)
    """How to read the export when detection is not enough."""
    targets: dict[HEADLINE_TARGETS, float] = Field(default_factory=dict)
    """Targets of the headline indicators: overall_mean, csat, nps, ces_mean, csi."""
    complaint_targets: dict[COMPLAINT_TARGETS, float] = Field(default_factory=dict)
    """Complaint-handling targets: acknowledge_hours, close_days."""
    options: Options = Field(default_factory=Options)
    """Analysis and report options."""
    drivers: DriverOptions = Field(default_factory=DriverOptions)
    """Key-driver analysis options."""
    cutoffs: Cutoffs = Field(default_factory=Cutoffs)
    """CSAT and loyalty cut-offs."""
    feedback: FeedbackOptions = Field(default_factory=FeedbackOptions)
    """Findings register and action tracker: due days by priority, targets per characteristic, the complaint-handling item."""
    units: Units | None = None
    """One report set per value of a segment."""
    output: Path | None = None
    """Report folder (default reports/<wave>); must lie inside reports/."""
    params_file: Path | None = None
    """Set by the loader (the file itself); not written in the file."""
    root: Path | None = None
    """Set by the loader (the project folder); not written in the file."""

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else (self.root or Path(".")) / "reports" / self.wave

    def unit_dir(self, unit: str | None) -> Path:
        """Where the reports of one unit (or of the whole wave, ``None``) go."""
        return self.output_dir if unit is None else self.output_dir / "units" / unit_slug(unit)

    def notebook_parameters(self, unit: str | None = None) -> dict:
        """The values papermill injects (plain JSON types, absolute paths)."""
        return {
            "params_file": str(self.params_file),
            "unit": unit,
            "output_dir": str(self.unit_dir(unit)),
            "language": self.options.language,
        }


def unit_slug(unit: str) -> str:
    """A folder name for a unit value, unique per value.

    Letters of any script, digits, ``_`` and ``-`` are kept and the rest replaced; when that
    changed the value (``North/East`` and ``North-East`` would both give ``North-East``), a short
    hash of the exact value is appended, so two values never share a folder.

    >>> unit_slug("Tehran"), unit_slug("North-East"), unit_slug("North/East")
    ('Tehran', 'North-East', 'North-East-42ccbd')
    """
    import hashlib
    import re

    text = str(unit)
    slug = re.sub(r"[^\w-]+", "-", text.strip(), flags=re.UNICODE).strip("-")[:60]
    if slug == text and slug not in ("", ".", ".."):
        return slug
    return f"{slug or 'unit'}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:6]}"


def project_root_for(params_path: Path) -> Path:
    params_path = params_path.resolve()
    folder = params_path.parent
    return folder.parent if folder.name == "params" else folder


def kernel_name(path: str | Path) -> str:
    """The Jupyter kernel a wave file asks for (``options.kernel``), read before the file is validated.

    ``csm run`` starts its warm kernels with it while :func:`load_params` validates the file (the
    dates import pandas: half a second); a file that cannot be read or does not say gives the
    default, and :func:`load_params` then reports what is wrong with it.
    """
    default = Options.model_fields["kernel"].default
    try:
        options = read_yaml(Path(path)).get("options")
    except CSMInputError:
        return default
    kernel = options.get("kernel") if isinstance(options, dict) else None
    return kernel if isinstance(kernel, str) and kernel else default


@parsed_once
def load_params(path: str | Path) -> WaveParams:
    """Read, validate and resolve one wave's parameter file.

    Raises :class:`CSMInputError` (one line, naming the file) for a missing or broken file,
    an unknown or mistyped key, or a path that does not exist.
    """
    path = Path(path)
    data = read_yaml(path)
    root = project_root_for(path)
    internal = sorted(set(data) & {"params_file", "root"})
    if internal:
        raise CSMInputError(f"invalid wave parameters: {internal[0]}: set by csm, not in the file", file=path)
    try:
        params = WaveParams.model_validate(data, context={"calendar": _calendar_of(data, root)})
    except ValidationError as err:
        raise CSMInputError(f"invalid wave parameters: {describe_validation_error(err)}", file=path) from None

    def resolve(p: Path | None) -> Path | None:
        if p is None:
            return None
        return p if p.is_absolute() else (root / p).resolve()

    resolved = params.model_copy(
        update={
            "codebook": resolve(params.codebook),
            "responses": resolve(params.responses),
            "complaints": resolve(params.complaints),
            "actions": resolve(params.actions),
            "output": resolve(params.output) or (root / "reports" / params.wave),
            "params_file": path.resolve(),
            "root": root,
        }
    )
    for key in ("codebook", "responses", "complaints", "actions"):
        value = getattr(resolved, key)
        if value is not None and not value.exists():
            raise CSMInputError(f"'{key}' file not found: {_shown(value, root)}", file=path)
    _check_output(resolved, path)
    return resolved


def _shown(path: Path, root: Path) -> str:
    """A path as messages show it: relative to the project when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def _check_output(params: WaveParams, path: Path) -> None:
    """The output folder lies inside the project's ``reports/`` and holds none of the inputs."""
    reports = (params.root / "reports").resolve()
    out = params.output.resolve()
    if out == reports or reports not in out.parents:
        raise CSMInputError(
            f"'output' must be a folder inside {_shown(reports, params.root)}/ (got {_shown(out, params.root)})", file=path
        )
    for key in ("params_file", "codebook", "responses", "complaints", "actions"):
        value = getattr(params, key)
        if value is not None and (value.resolve() == out or out in value.resolve().parents):
            raise CSMInputError(f"'output' {_shown(out, params.root)} would hold the input '{key}'", file=path)


def _calendar_of(data: dict, root: Path) -> str:
    """The calendar of a wave file's dates: its own ``calendar``, else its codebook's."""
    if isinstance(data.get("calendar"), str):
        return data["calendar"]
    codebook = data.get("codebook")
    if isinstance(codebook, str):
        cb_path = Path(codebook) if Path(codebook).is_absolute() else root / codebook
        if cb_path.is_file():
            return _codebook_calendar(cb_path)
    return "gregorian"


@parsed_once
def _codebook_calendar(path: Path) -> str:
    """A codebook's ``calendar`` (read once however many wave files name the codebook)."""
    try:
        value = read_yaml(path).get("calendar")
    except CSMInputError:
        return "gregorian"  # the codebook's own problem is reported when it is loaded
    return value if isinstance(value, str) else "gregorian"
