"""A first codebook and wave file drafted from a survey export (``csm init``).

:func:`draft_project` reads an export (CSV, Excel, SPSS, Parquet; the file is only read) and
writes ``params/<export stem>.codebook.yaml`` and ``params/<wave>.yaml``, which ``csm validate``
accepts as they are (checked before anything is written). Every guess is written with a YAML
comment saying what to check; the rules that make the guesses are stated in
:mod:`csmlib.survey.draft_guess`.

This module writes the two documents; the work is done by
:mod:`csmlib.survey.draft_columns` (what each column holds: profiles, keyword lists, roles, answer
scales), :mod:`csmlib.survey.draft_guess` (the :class:`Draft`: items, dimensions, groups,
outcomes, scale names) and :mod:`csmlib.survey.draft_yaml` (commented YAML, :class:`Note`,
:func:`to_yaml`). Their public names are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from csmlib.core.errors import CSMInputError
from csmlib.survey.draft_columns import (
    COMMENT_WORDS,
    DONT_KNOW,
    GENERIC_STEMS,
    GROUP_WORDS,
    ID_WORDS,
    LEFT_OUT_WORDS,
    MAX_ITEM_CODE,
    OUTCOME_WORDS,
    SCALE_WORDS,
    SEGMENT_WORDS,
    SEPARATORS,
    WEIGHT_WORDS,
    Profile,
    ScaleGuess,
    readable_name,
)
from csmlib.survey.draft_guess import MAX_LEVELS, RESERVED, Draft, ItemGuess, OutcomeGuess, guess
from csmlib.survey.draft_yaml import Note, to_yaml
from csmlib.survey.responses import read_table

__all__ = [
    "draft_project",
    "codebook_document",
    "wave_document",
    "codebook_path",
    "InitResult",
    # re-exported from csmlib.survey.draft_guess
    "guess",
    "Draft",
    "ItemGuess",
    "OutcomeGuess",
    "MAX_LEVELS",
    "RESERVED",
    # re-exported from csmlib.survey.draft_columns
    "Profile",
    "ScaleGuess",
    "MAX_ITEM_CODE",
    "ID_WORDS",
    "WEIGHT_WORDS",
    "COMMENT_WORDS",
    "SEGMENT_WORDS",
    "LEFT_OUT_WORDS",
    "GROUP_WORDS",
    "OUTCOME_WORDS",
    "DONT_KNOW",
    "SCALE_WORDS",
    "GENERIC_STEMS",
    "SEPARATORS",
    # re-exported from csmlib.survey.draft_yaml
    "Note",
    "to_yaml",
]


# ---------------------------------------------------------------------------- documents
def _survey_title(source: Path) -> str:
    """A survey name from the export's file name ("bank.csv" -> "Bank survey")."""
    title = readable_name(source.stem)
    return title if re.search(r"survey|پیمایش|نظرسنجی", title, re.IGNORECASE) else f"{title} survey"


def codebook_document(draft: Draft) -> tuple[dict, list[str]]:
    """The codebook as a mapping of Notes, and its header comment lines."""
    doc: dict = {}
    doc["survey"] = Note(_survey_title(draft.source), "a name for the survey series (from the file name)")
    doc["organisation"] = Note("", "your organisation's name, shown on the reports")
    if draft.respondent_id:
        doc["respondent_id"] = Note(
            draft.respondent_id, "named like an id, unique per row: check it identifies respondents" + draft.id_note
        )
    else:
        doc["respondent_id"] = Note(
            None, before=("no column is unique per row and named like an id: respondents are identified by their row number",)
        )
    if draft.weight:
        doc["weight"] = Note(draft.weight, "named like a weight and positive: check it is a survey weight" + draft.weight_note)
    if draft.comment:
        doc["comments"] = Note(
            {
                "column": Note(draft.comment, "free-text answers (by its name, or long and mostly unique)"),
                "themes": Note({}, "no themes yet: the report lists the comments' frequent words to start from"),
            },
            before=(
                "open comments: add themes to code them, e.g. themes: {late_delivery: {label: {en: Late delivery, "
                "fa: تأخیر در تحویل}, department: Logistics, patterns: {en: [late, delay*], fa: [تاخیر*, دیر رسید]}}}",
                "a pattern is a word or phrase matched as whole words; a trailing * matches any ending "
                "(docs/methods/comments.md)",
            ),
        )
    if draft.segments:
        segs = {}
        for name, (p, levels, level_labels, notes) in draft.segments.items():
            spec = {"column": p.name}
            spec["label"] = Note(p.label or readable_name(p.name), None if p.label else "label from the column name")
            if levels:
                spec["levels"] = Note(levels, "the accepted values, in code order")
            if level_labels:
                spec["level_labels"] = level_labels
            segs[name] = Note(spec, "; ".join(notes) or None)
        doc["segments"] = Note(segs, before=("segments: columns with a few distinct values that are not ratings",))
    scales = {}
    for name, s in draft.scales.items():
        spec: dict = {"min": s.min, "max": s.max}
        if s.labels:
            spec["labels"] = {k: v for k, v in sorted(s.labels.items())}
        if s.missing:
            spec["missing"] = list(s.missing)
        source = "from the SPSS value labels" if s.labels else "from the answers seen"
        scales[name] = Note(spec, source, before=tuple(f"check: {n}" for n in s.notes))
    doc["scales"] = Note(scales, before=("answer scales: codes min..max; 'missing' codes (don't know) become missing answers",))
    items = []
    for i in draft.items:
        spec = {"id": i.id}
        if i.id != i.profile.name:
            spec["column"] = i.profile.name
        spec["label"] = Note(i.label, i.label_note)
        spec["group"] = Note(
            i.group,
            f"guessed from '{i.group_note}'" if i.group_note else "no keyword matched: product, delivery or organisation?",
        )
        if i.dimension:
            spec["dimension"] = Note(i.dimension, i.dimension_note)
        if i.reverse:
            spec["reverse"] = Note(True, i.reverse_note)
        spec["scale"] = i.scale_name
        if i.driver is not None:
            spec["driver"] = Note(i.driver, i.driver_note)
        items.append(spec)
    doc["items"] = Note(
        items, before=("rating items: add 'department: <name>' to route findings to the department that owns each one",)
    )
    if draft.outcomes:
        outcomes = {}
        for role, o in draft.outcomes.items():
            label = (
                Note(o.profile.label, None)
                if o.profile.label
                else Note(readable_name(o.profile.name), "label from the column name")
            )
            outcomes[role] = Note({"column": o.profile.name, "label": label, "scale": o.scale_name}, o.note)
        doc["outcomes"] = Note(outcomes)
    else:
        doc["outcomes"] = Note(
            {},
            "no overall satisfaction, recommendation, loyalty or effort question found",
            before=(
                "the driver analysis and the headline indicators need an outcome, e.g. "
                "outcomes: {overall: {column: <col>, label: Overall satisfaction, scale: <scale>}}",
            ),
        )
    header = [
        f"Codebook drafted by `csm init` from {draft.source.name} ({draft.n_rows} rows) on {dt.date.today()}.",
        "Every guess carries a comment saying what to check; edit freely, then `csm validate` the wave file.",
    ]
    if draft.language == "fa":
        header.append(
            "Persian labels: add `calendar: jalali` if the wave files and complaints log use Solar Hijri "
            "dates; labels may also be written {en: ..., fa: ...}."
        )
    if draft.left_out:
        header.append("Columns left out (add them by hand if they are wanted):")
        by_reason: dict[str, list[str]] = {}
        for column, why in draft.left_out:
            by_reason.setdefault(why, []).append(column)
        kano = {why: cols for why, cols in by_reason.items() if why.startswith("Kano question")}
        if kano:
            header.append(
                "  Kano question pairs (functional, dysfunctional, importance), to declare under kano: pairs: "
                + ", ".join(c for cols in kano.values() for c in cols)
            )
        for why, cols in by_reason.items():
            if why not in kano:
                header.append(f"  {why}: {', '.join(cols)}")
    return doc, header


def _quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    q = (today.month - 1) // 3
    start = dt.date(today.year, 3 * q + 1, 1)
    end_month = 3 * q + 3
    end = dt.date(today.year + (end_month == 12), end_month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def wave_document(
    draft: Draft, wave: str, codebook_rel: str, responses_rel: str, today: dt.date | None = None
) -> tuple[dict, list[str]]:
    start, end = _quarter(today or dt.date.today())
    doc = {
        "wave": Note(wave),
        "title": Note(f"{_survey_title(draft.source)} {wave}", "the reports' title"),
        "fieldwork": Note(
            {"start": start.isoformat(), "end": end.isoformat()}, "the current quarter: write the real fieldwork dates"
        ),
        "codebook": codebook_rel,
        "responses": Note(responses_rel, "read only, never modified"),
        "options": Note(
            {"level": 0.95, "n_boot": 500, "seed": 2026, "language": draft.language, "min_n": 30},
            "language fa: most labels are Persian" if draft.language == "fa" else None,
            before=("min_n: smallest segment shown in the reports; n_boot: bootstrap resamples",),
        ),
    }
    header = [
        f"Wave file drafted by `csm init` from {draft.source.name} on {dt.date.today()}.",
        "Complaints: add `complaints: data/<log>.csv` (and the log's columns under `complaints:` in the",
        "codebook) to analyse a complaints log; `actions:` adds the corrective-action register.",
        "Targets: `targets: {overall_mean: 7.0, csat: 70.0}`; the lowest answer counted as satisfied or loyal:",
        "`cutoffs: {csat: ..., loyalty: ...}` (default: from the scale).",
    ]
    if "overall" in draft.outcomes:
        n = _n_drivers(draft)
        doc["drivers"] = Note(
            {"method": "auto", "exclude": []},
            f"{n} candidate drivers of overall satisfaction; auto: exact Shapley and relative "
            "weights while Shapley is fast, relative weights alone beyond; exclude: item ids",
        )
    else:
        header.append("No overall-satisfaction outcome was found: the driver analysis needs one (see the codebook).")
    return doc, header


def _n_drivers(draft: Draft) -> int:
    """Candidate drivers of overall satisfaction, by the codebook's rule (own dimension and driver: false out)."""
    own = draft.outcomes["overall"].item
    return sum(
        1
        for i in draft.items
        if i.driver is not False and i is not own and not (own is not None and own.dimension and i.dimension == own.dimension)
    )


# ---------------------------------------------------------------------------- files
@dataclass(frozen=True)
class InitResult:
    codebook: Path
    wave_file: Path
    draft: Draft
    n_read: int
    n_accepted: int


def codebook_path(root: Path, datafile: Path) -> Path:
    """``params/<stem>.codebook.yaml``: one codebook per export layout, named after the export."""
    stem = re.sub(r"[^\w.-]+", "_", Path(datafile).stem, flags=re.UNICODE).strip("._") or "survey"
    return Path(root) / "params" / f"{stem}.codebook.yaml"


def _relative(path: Path, root: Path) -> str:
    path, root = Path(path).resolve(), Path(root).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def draft_project(
    datafile: str | Path, wave: str, *, root: str | Path = ".", force: bool = False, today: dt.date | None = None
) -> InitResult:
    """Draft ``params/<stem>.codebook.yaml`` and ``params/<wave>.yaml`` for an export.

    Refuses (CSMInputError) an invalid wave id, an unreadable export, and existing files unless
    ``force``. The drafts are validated against the export before anything is written.
    """
    from csmlib.core.exports import atomic_write_text
    from csmlib.survey.codebook import Codebook, parse_yaml
    from csmlib.survey.responses import validate_responses
    from csmlib.survey.params import WAVE_ID, WaveParams, load_params

    datafile, root = Path(datafile), Path(root)
    if not re.fullmatch(WAVE_ID, wave):
        raise CSMInputError(f"invalid wave id '{wave}': letters, digits, _ . - (not starting with a dot)")
    table = read_table(datafile)
    cb_path = codebook_path(root, datafile)
    wave_path = root / "params" / f"{wave}.yaml"
    if cb_path.resolve() == wave_path.resolve():
        raise CSMInputError(f"wave id '{wave}' would overwrite the codebook {cb_path}")
    if not force:
        for path in (cb_path, wave_path):
            if path.exists():
                raise CSMInputError("already exists; use --force to overwrite", file=path)
    draft = guess(table)
    if not draft.items:
        raise CSMInputError("no column looks like a rating question (whole numbers from 0 to 11)", file=datafile)

    doc, header = codebook_document(draft)
    cb_text = to_yaml(doc, header)
    cb_data = parse_yaml(cb_text)
    try:
        codebook = Codebook.model_validate(cb_data)
    except Exception as exc:  # a bug in the draft rules, not in the user's file
        raise RuntimeError(f"drafted codebook is invalid: {exc}") from exc
    intake = validate_responses(table, codebook)

    wave_doc, wave_header = wave_document(draft, wave, _relative(cb_path, root), _relative(datafile, root), today)
    wave_text = to_yaml(wave_doc, wave_header)
    WaveParams.model_validate(parse_yaml(wave_text), context={"calendar": "gregorian"})

    cb_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cb_path, cb_text)
    atomic_write_text(wave_path, wave_text)
    load_params(wave_path)  # the paths resolve
    return InitResult(cb_path, wave_path, draft, intake.n_read, intake.n_accepted)
