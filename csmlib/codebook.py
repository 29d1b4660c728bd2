"""The survey codebook: what each column of a survey export means.

A codebook is a YAML file (``params/survey.yaml`` for the demo) declaring the answer scales,
the rating items with their ISO 10004 characteristic group (product / delivery /
organisation), the dimension used for reliability, the reverse-keyed flag and the owning
department, the outcome questions, the Kano question pairs, the segment columns and the
complaints-log schema. :func:`load_codebook` reads and validates it; any problem is one
:class:`~csmlib.errors.CSMInputError` line naming the file and the offending entry.

Labels are either a plain string or a map of languages (``{en: ..., fa: ...}``); Persian text
is kept exactly as written and picked with :meth:`Codebook.label`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from csmlib.errors import CSMInputError

Label = str | dict[str, str]
GROUPS = ("product", "delivery", "organisation", "other")
OUTCOME_ROLES = ("overall", "recommend", "loyalty", "effort")
COMPLAINT_FIELDS = (
    "complaint_id", "received_at", "acknowledged_at", "closed_at", "channel", "category",
    "product", "severity", "department", "status", "outcome", "remedy", "root_cause",
    "handling_satisfaction", "customer_id", "first_contact_resolution", "escalation",
)
COMPLAINT_REQUIRED = ("complaint_id", "received_at", "category")


def pick_label(label: Label | None, language: str = "en", fallback: str = "") -> str:
    """The label in ``language``, else English, else the first one given."""
    if label is None:
        return fallback
    if isinstance(label, str):
        return label
    for key in (language, "en"):
        if key in label:
            return label[key]
    return next(iter(label.values()), fallback)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Model):
    """An answer scale: integer codes from ``min`` to ``max``; ``missing`` codes mean
    "don't know / not applicable" and become missing values."""
    min: float
    max: float
    labels: dict[float, Label] = Field(default_factory=dict)
    missing: list[float] = Field(default_factory=list)
    integer: bool = True

    @model_validator(mode="after")
    def _check_range(self):
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        inside = [c for c in self.missing if self.min <= c <= self.max]
        if inside:
            raise ValueError(f"missing codes {inside} lie inside the scale {self.min}-{self.max}")
        return self


class Item(_Model):
    """A rating item (one satisfaction characteristic)."""
    id: str
    column: str | None = None
    label: Label
    group: Literal["product", "delivery", "organisation", "other"]
    dimension: str | None = None
    reverse: bool = False
    department: str | None = None
    scale: str

    @property
    def col(self) -> str:
        return self.column or self.id


class Outcome(_Model):
    """An outcome question: overall satisfaction, recommendation (0-10), loyalty, effort."""
    column: str
    label: Label
    scale: str


class KanoPair(_Model):
    """A Kano attribute: a functional and a dysfunctional question, optional importance."""
    id: str
    label: Label
    functional: str
    dysfunctional: str
    importance: str | None = None
    item: str | None = None  # the rating item measuring the same characteristic, if any
    department: str | None = None


class KanoSpec(_Model):
    coding: Literal["default", "reversed"] = "default"
    labels: dict[str, int] = Field(default_factory=dict)  # extra answer wordings -> position 1-5
    importance_scale: str | None = None
    pairs: list[KanoPair] = Field(default_factory=list)


class Segment(_Model):
    column: str
    label: Label | None = None
    levels: list[str] | None = None  # when given, values are matched to these (normalised)
    level_labels: dict[str, Label] = Field(default_factory=dict)  # value -> how reports show it


class ComplaintCategory(_Model):
    department: str
    characteristic: str | None = None  # id of the ISO 10004 item it bears on
    label: Label | None = None


class ComplaintsSpec(_Model):
    """Column names of the complaints log (canonical name -> the export's column)."""
    columns: dict[str, str] = Field(default_factory=dict)
    timezone: str = "UTC"
    categories: dict[str, ComplaintCategory] = Field(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns):
        unknown = sorted(set(columns) - set(COMPLAINT_FIELDS))
        if unknown:
            raise ValueError(f"unknown complaint fields {unknown}; known: {list(COMPLAINT_FIELDS)}")
        return columns

    def column(self, field: str) -> str:
        return self.columns.get(field, field)


class Codebook(_Model):
    survey: str
    organisation: str = ""
    respondent_id: str
    weight: str | None = None
    comment: str | None = None
    segments: dict[str, Segment] = Field(default_factory=dict)
    scales: dict[str, Scale]
    items: list[Item]
    outcomes: dict[Literal["overall", "recommend", "loyalty", "effort"], Outcome] = Field(default_factory=dict)
    kano: KanoSpec = Field(default_factory=KanoSpec)
    complaints: ComplaintsSpec = Field(default_factory=ComplaintsSpec)
    competitors: dict[str, dict[str, float]] = Field(default_factory=dict)
    departments: dict[str, Label] = Field(default_factory=dict)  # department -> how reports name it

    @model_validator(mode="after")
    def _check_references(self):
        ids = [i.id for i in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids {dupes}")
        for item in self.items:
            if item.scale not in self.scales:
                raise ValueError(f"item '{item.id}' uses undeclared scale '{item.scale}'")
        for role, outcome in self.outcomes.items():
            if outcome.scale not in self.scales:
                raise ValueError(f"outcome '{role}' uses undeclared scale '{outcome.scale}'")
        if self.kano.importance_scale and self.kano.importance_scale not in self.scales:
            raise ValueError(f"kano importance_scale '{self.kano.importance_scale}' is not declared")
        for pair in self.kano.pairs:
            if pair.item and pair.item not in ids:
                raise ValueError(f"kano pair '{pair.id}' refers to unknown item '{pair.item}'")
        for name, cat in self.complaints.categories.items():
            if cat.characteristic and cat.characteristic not in ids:
                raise ValueError(f"complaint category '{name}' refers to unknown item '{cat.characteristic}'")
        columns = self.data_columns()
        seen = sorted({c for c in columns if columns.count(c) > 1})
        if seen:
            raise ValueError(f"columns used twice: {seen}")
        return self

    # ---- convenience views -------------------------------------------------
    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def label(self, key: str, language: str = "en") -> str:
        """Display label of an item, outcome, Kano pair or segment id."""
        for item in self.items:
            if item.id == key or item.col == key:
                return pick_label(item.label, language, key)
        for role, outcome in self.outcomes.items():
            if role == key or outcome.column == key:
                return pick_label(outcome.label, language, key)
        for pair in self.kano.pairs:
            if pair.id == key:
                return pick_label(pair.label, language, key)
        for name, seg in self.segments.items():
            if name == key or seg.column == key:
                return pick_label(seg.label, language, name)
        return key

    def level_label(self, segment: str, value, language: str = "en") -> str:
        """Display label of one value of a segment (the value itself when the codebook gives none)."""
        spec = self.segments.get(segment)
        labels = spec.level_labels if spec is not None else {}
        return pick_label(labels.get(str(value)), language, str(value))

    def department_label(self, department, language: str = "en") -> str:
        """A department's name in the report language (the name itself when the codebook gives none)."""
        return pick_label(self.departments.get(str(department)), language, str(department))

    def items_in_group(self, group: str) -> list[Item]:
        return [i for i in self.items if i.group == group]

    def dimensions(self) -> dict[str, list[str]]:
        """Dimension -> the item ids in it (items without a dimension are left out)."""
        dims: dict[str, list[str]] = {}
        for item in self.items:
            if item.dimension:
                dims.setdefault(item.dimension, []).append(item.id)
        return dims

    def data_columns(self) -> list[str]:
        """Every survey-export column the codebook declares (comment excluded)."""
        cols = [self.respondent_id]
        cols += [s.column for s in self.segments.values()]
        if self.weight:
            cols.append(self.weight)
        cols += [i.col for i in self.items]
        cols += [o.column for o in self.outcomes.values()]
        for pair in self.kano.pairs:
            cols += [pair.functional, pair.dysfunctional]
            if pair.importance:
                cols.append(pair.importance)
        return cols


def _format_pydantic(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return f"{where}: {msg}{more}" if where else f"{msg}{more}"


def read_yaml(path: str | Path) -> dict:
    """Read a YAML mapping, turning every failure into a one-line CSMInputError."""
    path = Path(path)
    if not path.is_file():
        raise CSMInputError("file not found", file=path)
    try:
        with path.open(encoding="utf-8-sig") as fh:
            # libyaml's loader when available: same safe subset, ~10x faster on a large codebook
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CSMInputError(f"broken YAML: {problem}", file=path, row=row) from None
    except UnicodeDecodeError:
        raise CSMInputError("not UTF-8 text", file=path) from None
    if not isinstance(data, dict):
        raise CSMInputError("expected a YAML mapping at the top level", file=path)
    return data


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file.

    >>> cb = load_codebook("params/survey.yaml")      # doctest: +SKIP
    >>> cb.label("del_speed", "fa")                    # doctest: +SKIP
    'سرعت تحویل'
    """
    data = read_yaml(path)
    try:
        return Codebook.model_validate(data)
    except ValidationError as err:
        raise CSMInputError(f"invalid codebook: {_format_pydantic(err)}", file=path) from None
