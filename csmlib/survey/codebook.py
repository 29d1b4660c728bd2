"""The survey codebook: what each column of a survey export means.

A codebook is a YAML file (``params/survey.yaml`` for the demo) declaring the answer scales,
the rating items with their ISO 10004 characteristic group (product / delivery /
organisation), the dimension used for reliability, the reverse-keyed flag and the owning
department, the outcome questions, the Kano question pairs, the segment columns and the
complaints-log schema. :func:`load_codebook` reads and validates it; any problem is one
:class:`~csmlib.core.errors.CSMInputError` line naming the file and the offending entry.

Labels are either a plain string or a map of languages (``{en: ..., fa: ...}``); Persian text
is kept exactly as written and picked with :meth:`Codebook.label`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from csmlib.core.errors import CSMInputError

#: the level under which counts per segment show the respondents who left the segment blank
MISSING_LEVEL = "(missing)"

Label = str | dict[str, str]
GROUPS = ("product", "delivery", "organisation", "other")
OUTCOME_ROLES = ("overall", "recommend", "loyalty", "effort")
COMPLAINT_FIELDS = (
    "complaint_id",
    "received_at",
    "acknowledged_at",
    "closed_at",
    "channel",
    "category",
    "product",
    "severity",
    "department",
    "status",
    "outcome",
    "remedy",
    "root_cause",
    "handling_satisfaction",
    "customer_id",
    "first_contact_resolution",
    "escalation",
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
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Scale(_Model):
    """An answer scale: integer codes from ``min`` to ``max``; ``missing`` codes mean
    "don't know / not applicable" and become missing values."""

    min: float
    """Lowest answer code."""
    max: float
    """Highest answer code."""
    labels: dict[float, Label] = Field(default_factory=dict)
    """How answer codes are shown: `{code: label}`; a label is text or `{en: ..., fa: ...}`."""
    missing: list[float] = Field(default_factory=list)
    """Codes meaning \"don't know\" / \"not applicable\": read as missing, counted in data quality."""
    integer: bool = True
    """Answers must be whole numbers."""

    @model_validator(mode="after")
    def _check_range(self):
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        inside = [c for c in self.missing if self.min <= c <= self.max]
        if inside:
            raise ValueError(f"missing codes {inside} lie inside the scale {self.min}-{self.max}")
        return self


class Item(_Model):
    """A rating item (one satisfaction characteristic).

    ``driver``: whether the item is a candidate in the key-driver analysis. ``None`` (the
    default) means yes, except for the items of an outcome's own dimension when the outcome is
    itself one of its items ("fulfilment of expectations drives satisfaction" is circular);
    ``true`` forces it in, ``false`` keeps it out.
    """

    id: str
    """Short name used in reports and other codebook entries."""
    column: str | None = None
    """Column in the export (default: the id)."""
    label: Label
    """Text or `{en: ..., fa: ...}`."""
    group: Literal["product", "delivery", "organisation", "other"]
    """ISO 10004 characteristic group: product, delivery, organisation or other."""
    dimension: str | None = None
    """Concept the item measures (reliability, CFA and dimension scores group by it)."""
    reverse: bool = False
    """Negatively worded: answers are recoded as min + max − answer."""
    department: str | None = None
    """Department that owns the characteristic (feedback is routed to it)."""
    scale: str
    """Name of a scale declared under `scales`."""
    driver: bool | None = None
    """Candidate in the key-driver analysis: empty = yes, except the outcome's own dimension; true/false to force."""

    @property
    def col(self) -> str:
        return self.column or self.id


class Outcome(_Model):
    """An outcome question: overall satisfaction, recommendation (0-10), loyalty, effort."""

    column: str
    """Column in the export (may be an item's column: it then stays an item of its dimension)."""
    label: Label
    """Text or `{en: ..., fa: ...}`."""
    scale: str
    """Name of a scale declared under `scales`."""


class KanoPair(_Model):
    """A Kano attribute: a functional and a dysfunctional question, optional importance."""

    id: str
    """Short name of the attribute."""
    label: Label
    """Text or `{en: ..., fa: ...}`."""
    functional: str
    """Column of the functional question (\"if the product has …\")."""
    dysfunctional: str
    """Column of the dysfunctional question (\"if it does not have …\")."""
    importance: str | None = None
    """Column of the stated importance question, if asked."""
    item: str | None = None  # the rating item measuring the same characteristic, if any
    """Id of the rating item measuring the same characteristic, if any."""
    department: str | None = None
    """Department that owns the attribute."""


class KanoSpec(_Model):
    coding: Literal["default", "reversed"] = "default"
    """`default`: 1 = like … 5 = dislike; `reversed`: 1 = dislike … 5 = like."""
    labels: dict[str, int] = Field(default_factory=dict)  # extra answer wordings -> position 1-5
    """Extra answer wordings and the position (1–5) each means."""
    importance_scale: str | None = None
    """Scale of the importance questions."""
    pairs: list[KanoPair] = Field(default_factory=list)
    """The Kano attributes."""


class Segment(_Model):
    column: str
    """Column in the export."""
    label: Label | None = None
    """How reports name the segment."""
    levels: list[str] | None = None  # when given, values are matched to these (normalised)
    """Accepted values (matched ignoring case, spacing and Persian/Arabic letter forms); other values reject the row."""
    level_labels: dict[str, Label] = Field(default_factory=dict)  # value -> how reports show it
    """How each value is shown: `{value: label}`."""


class ComplaintCategory(_Model):
    department: str
    """Department that handles the category."""
    characteristic: str | None = None  # id of the ISO 10004 item it bears on
    """Id of the rating item the category bears on."""
    label: Label | None = None
    """How reports name the category."""


class ComplaintsSpec(_Model):
    """Column names of the complaints log (canonical name -> the export's column)."""

    columns: dict[str, str] = Field(default_factory=dict)
    """Canonical field → the log's column name, where they differ."""
    timezone: str = "UTC"
    """Time zone of timestamps written without one."""
    categories: dict[str, ComplaintCategory] = Field(default_factory=dict)
    """Complaint categories: `{name: {department, characteristic, label}}`."""

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns):
        unknown = sorted(set(columns) - set(COMPLAINT_FIELDS))
        if unknown:
            raise ValueError(f"unknown complaint fields {unknown}; known: {list(COMPLAINT_FIELDS)}")
        return columns

    def column(self, field: str) -> str:
        return self.columns.get(field, field)


class CommentTheme(_Model):
    """A theme of the open comments: the words that signal it, and who owns it."""

    label: Label | None = None
    """How reports name the theme: text or `{en: ..., fa: ...}` (default: the theme id)."""
    department: str | None = None
    """Department that owns the theme (feedback is routed to it)."""
    characteristic: str | None = None
    """Id of the rated item the theme is about (e.g. `del_speed` for late-delivery comments): its findings merge with the item's."""
    patterns: dict[str, list[str]] | list[str]
    """Words or phrases that mark a comment with the theme, by language: `{en: [late, delay*], fa: [...]}`; a trailing `*` matches any ending (docs/methods/comments.md)."""


class CommentsSpec(_Model):
    """The open-comment question and its codeframe (themes)."""

    column: str | None = None
    """Column of open comments (the same as the top-level `comment`, which still works)."""
    themes: dict[str, CommentTheme] = Field(default_factory=dict)
    """The codeframe: `{theme id: {label, department, patterns}}`; empty: comments are not coded."""

    @model_validator(mode="after")
    def _check_patterns(self):
        if self.themes:
            from csmlib.survey.codeframe import theme_patterns  # pyarrow is loaded only when themes are declared

            try:
                theme_patterns({tid: {"patterns": t.patterns} for tid, t in self.themes.items()})
            except ValueError as err:
                raise ValueError(str(err).removeprefix("theme_patterns: ")) from None
        return self


class Codebook(_Model):
    survey: str
    """Name of the survey; waves whose codebooks name the same survey (and organisation) form one series."""
    organisation: str = ""
    """Shown in every report's header."""
    respondent_id: str | None = None  # none: rows are identified by their row number in the file
    """Column with a unique respondent id; omit it to identify respondents by their row number."""
    calendar: Literal["gregorian", "jalali"] = "gregorian"  # dates in the complaints log and wave files
    """Calendar of dates in the wave files, complaints log and action register: gregorian or jalali (Solar Hijri)."""
    weight: str | None = None
    """Column of survey weights (positive, finite)."""
    comment: str | None = None
    """Column of open comments (or `comments: {column: ...}`)."""
    comments: CommentsSpec | None = None
    """Open comments: `{column, themes: {id: {label: {en, fa}, department, patterns: {en: [...], fa: [...]}}}}`."""
    segments: dict[str, Segment] = Field(default_factory=dict)
    """Customer groups: `{name: {column, label, levels, level_labels}}`."""
    scales: dict[str, Scale]
    """Answer scales: `{name: {min, max, labels, missing}}`."""
    items: list[Item]
    """The rating items (satisfaction characteristics)."""
    outcomes: dict[Literal["overall", "recommend", "loyalty", "effort"], Outcome] = Field(default_factory=dict)
    """Outcome questions by role: overall, recommend (0–10, NPS), loyalty, effort."""
    kano: KanoSpec = Field(default_factory=KanoSpec)
    """Kano question pairs."""
    complaints: ComplaintsSpec = Field(default_factory=ComplaintsSpec)
    """Columns and categories of the complaints log."""
    competitors: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Published benchmarks: `{metric: {name: value}}`."""
    departments: dict[str, Label] = Field(default_factory=dict)  # department -> how reports name it
    """How reports name each department: `{name: label}`."""

    @model_validator(mode="before")
    @classmethod
    def _comment_column(cls, data):
        """`comments.column` and the older top-level `comment` name the same column; either may give it."""
        if not isinstance(data, dict) or not isinstance(data.get("comments"), dict):
            return data
        column = data["comments"].get("column")
        old = data.get("comment")
        if column is not None and old is not None and column != old:
            raise ValueError(f"comment ('{old}') and comments.column ('{column}') name different columns")
        if column is not None and old is None:
            data = {**data, "comment": column}
        elif old is not None and column is None:
            data = {**data, "comments": {**data["comments"], "column": old}}
        if data["comments"].get("themes") and data.get("comment") is None:
            raise ValueError("comments.themes are declared but no column of open comments (comments.column)")
        return data

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
        for name, theme in (self.comments.themes if self.comments is not None else {}).items():
            if theme.characteristic and theme.characteristic not in ids:
                raise ValueError(f"comment theme '{name}' refers to unknown item '{theme.characteristic}'")
        # an outcome may also be an item of its dimension (reliability and CFA use it; the
        # driver analysis leaves its dimension out); any other column is declared once
        outcome_columns = [o.column for o in self.outcomes.values()]
        item_columns = {i.col for i in self.items}
        columns = self.data_columns()
        for column in outcome_columns:  # an outcome read from an item's column is not a second use
            if column in item_columns:
                columns.remove(column)
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
        """Display label of one value of a segment (the value itself when the codebook gives none;
        :data:`MISSING_LEVEL`, the row of respondents who left it blank, in the report's language)."""
        if value == MISSING_LEVEL:
            return pick_label({"en": "(not answered)", "fa": "(بی‌پاسخ)"}, language, MISSING_LEVEL)
        spec = self.segments.get(segment)
        labels = spec.level_labels if spec is not None else {}
        return pick_label(labels.get(str(value)), language, str(value))

    def department_label(self, department, language: str = "en") -> str:
        """A department's name in the report language (the name itself when the codebook gives none)."""
        return pick_label(self.departments.get(str(department)), language, str(department))

    def comment_themes(self) -> dict[str, dict]:
        """The codeframe for :func:`csmlib.stats.comments.code`: ``{theme id: {label, department, patterns}}``
        (empty when the codebook declares no themes)."""
        if self.comments is None:
            return {}
        return {tid: t.model_dump() for tid, t in self.comments.themes.items()}

    def theme_label(self, theme: str, language: str = "en") -> str:
        """A comment theme's name in ``language`` (the id when the codebook gives none)."""
        spec = self.comments.themes.get(theme) if self.comments is not None else None
        return pick_label(spec.label if spec is not None else None, language, theme)

    def theme_department(self, theme: str) -> str | None:
        """The department owning a comment theme, if any."""
        spec = self.comments.themes.get(theme) if self.comments is not None else None
        return spec.department if spec is not None else None

    def outcome_item(self, role: str) -> Item | None:
        """The rating item that is also the outcome ``role`` (same column), if there is one."""
        outcome = self.outcomes.get(role)
        if outcome is None:
            return None
        return next((i for i in self.items if i.col == outcome.column), None)

    def driver_items(self, role: str = "overall", exclude=()) -> list[str]:
        """Ids of the candidate drivers of outcome ``role``.

        Items marked ``driver: false`` and those in ``exclude`` are left out; so are the items of
        the outcome's own dimension when the outcome is one of the items (unless marked
        ``driver: true``), because an item of the same concept "drives" the outcome by definition.
        """
        own = self.outcome_item(role)
        own_dimension = own.dimension if own is not None else None
        chosen = []
        for item in self.items:
            if item.id in exclude or item.driver is False:
                continue
            if (
                own is not None
                and item.driver is None
                and (item.id == own.id or (own_dimension is not None and item.dimension == own_dimension))
            ):
                continue
            chosen.append(item.id)
        return chosen

    def items_in_group(self, group: str) -> list[Item]:
        return [i for i in self.items if i.group == group]

    def dimensions(self) -> dict[str, list[str]]:
        """Dimension -> the item ids in it (items without a dimension are left out)."""
        return items_by_dimension(self.items)

    def data_columns(self) -> list[str]:
        """Every survey-export column the codebook declares (comment excluded)."""
        cols = [self.respondent_id] if self.respondent_id else []
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


def items_by_dimension(items) -> dict[str, list[str]]:
    """Dimension -> the ids of the items in it, in questionnaire order; items without one are left out.

    ``items`` are codebook items or ``csm init``'s guesses (anything with ``id`` and ``dimension``).
    """
    dims: dict[str, list[str]] = {}
    for item in items:
        if item.dimension:
            dims.setdefault(item.dimension, []).append(item.id)
    return dims


def describe_validation_error(err: ValidationError) -> str:
    """The first problem of a pydantic error as one line: ``where: what (and N more problems)``."""
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return f"{where}: {msg}{more}" if where else f"{msg}{more}"


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: same safe subset, ~10x faster


class _StrictLoader(_BaseLoader):
    """The safe loader, refusing a key written twice in one mapping (the last would win silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base loader reports it
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str):
    """YAML text read with the loader of :func:`read_yaml` (safe subset, duplicate keys refused)."""
    return yaml.load(text, Loader=_StrictLoader)


def read_yaml(path: str | Path) -> dict:
    """Read a YAML mapping, turning every failure into a one-line CSMInputError.

    A key written twice in one mapping is an error, not "the last one wins".
    """
    path = Path(path)
    if not path.is_file():
        raise CSMInputError("file not found", file=path)
    try:
        with path.open(encoding="utf-8-sig") as fh:
            data = yaml.load(fh, Loader=_StrictLoader)
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


def parsed_once(load):
    """Memoise a file loader for the process, keyed on the file's path, size and modification time.

    A run reads each wave file and codebook once, however many waves, units and reports ask for
    it (``Wave.previous`` looks at every wave file of the folder); an edited file is read again.
    The models are frozen, so one parsed object can be shared. Failures are not remembered.
    """
    cache: dict = {}

    @functools.wraps(load)
    def load_once(path):
        path = Path(path)
        try:
            st = path.stat()
        except OSError:
            return load(path)  # the loader's own one-line error
        key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
        if key not in cache:
            cache[key] = load(path)
        return cache[key]

    load_once.cache_clear = cache.clear
    return load_once


@parsed_once
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
        raise CSMInputError(f"invalid codebook: {describe_validation_error(err)}", file=path) from None
