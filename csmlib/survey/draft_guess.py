"""The guesses of ``csm init``: which column is what, items, dimensions, groups, outcomes, scales.

:func:`guess` applies the rules below to the columns of an export (profiles, keyword lists and
scale guesses of :mod:`csmlib.survey.draft_columns`) and returns a :class:`Draft`; nothing is
written (:mod:`csmlib.survey.draft` writes it). Every guess carries a note saying what to check.
The rules, in the order they are applied to each column:

1. **weight** — named ``weight``/``wt``/``wgt``/``وزن`` (or containing "weight"), numeric and
   positive (at most 1% of rows otherwise: those are rejected, and the comment says so).
2. **respondent id** — named like an id (``id``, ``resp…``, ``respondent``, ``customer``, ``code``,
   ``case``, ``record``, ``serial``, ``کد``, ``شناسه``) and unique per row (with 100+ rows, 1% of
   repeated or blank ids is allowed and reported). Else no ``respondent_id``: row numbers are used.
3. **Kano pairs** (``x_f`` + ``x_d``, with ``x_imp``) are left out and listed: declare them by hand.
4. **comment** — a text column named like one (comment, feedback, remark, نظر, توضیحات…) or
   with long (≥ 20 characters on average), mostly unique answers. Written as an empty
   ``comments: {column, themes: {}}`` block whose comment shows how to add themes.
5. **segments** — text columns with ≤ 12 distinct values; numeric columns with ≤ 12 distinct
   values named like a segment (gender, region, education, شهر…), labelled SPSS columns whose value
   labels are not scale wordings, and two-valued numeric columns (30+ rows, not an outcome).
   SPSS value labels become ``levels`` and ``level_labels`` (the intake reads codes as labels).
6. **left out** — numeric columns named like age, income, year, duration…, or with fractions,
   values above 11 or many distinct values; other text columns. Listed in the header comment.
7. **items** — the remaining numeric (or labelled) columns with whole answers between 0 and 11.
   Scales come from SPSS value labels (codes labelled "don't know", "not applicable", "refused",
   "نمی‌دانم"… become ``missing`` codes) or from the answers seen, rounded to a conventional scale
   (1–5, 1–7, 0–10…; answers 0/1 only: 0–1). A rare code set apart such as 9 on 1–5 or 99 becomes a
   ``missing`` code; a rare answer set apart above the rest (7 on 1–5, 11 on 1–10) is taken as a
   typing error. Items of one dimension share one scale; one scale per distinct (min, max,
   labels, missing), named ``sat7``/``agree5``/``likely11`` from labels, else ``s<min>_<max>``.
8. **dimensions** — blocks of consecutive SPSS labels sharing a leading phrase ("Delivery: …"), else
   a shared column-name stem (``imag1…imag5`` → ``imag``; ``A1…A5`` → ``A``; ``product_quality``,
   ``product_price`` → ``product``), else the ISO 10004 group guessed for two or more items.
   Items loading negatively on their dimension's first principal component are marked reverse.
9. **groups** — small English and Persian keyword lists (product / delivery / organisation),
   else ``other``.
10. **outcomes** — from names and labels: overall/satisfaction/رضایت کلی → ``overall``,
    recommend/NPS/توصیه → ``recommend``, loyalty/loy/repurchase/again/وفاداری → ``loyalty``,
    effort/easy/CES → ``effort``. A question outside the item blocks becomes the outcome only; a
    concept measured by several items (``sat1…sat4``) gives its first item as the outcome, which
    stays an item of its dimension (the items of a loyalty or recommendation concept get
    ``driver: false``: consequences of satisfaction, not drivers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csmlib.core.text import normalize_label
from csmlib.survey.draft_columns import (
    GENERIC_STEMS,
    GROUP_WORDS,
    LEFT_OUT_WORDS,
    OUTCOME_WORDS,
    PERSIAN,
    SCALE_WORDS,
    SEGMENT_WORDS,
    SEPARATORS,
    Profile,
    ScaleGuess,
    is_comment,
    is_id,
    is_weight,
    kano_columns,
    keyword_hits,
    named_like_weight,
    profile_column,
    readable_name,
    scale_for,
    tokens_of,
)
from csmlib.survey.codebook import items_by_dimension
from csmlib.survey.draft_yaml import Note, number_text
from csmlib.survey.responses import RawTable

MAX_LEVELS = 12  # at most this many distinct values for a segment
RESERVED = {"respondent_id", "weight", "comment", "overall", "recommend", "loyalty", "effort"}


@dataclass
class ItemGuess:
    profile: Profile
    id: str
    label: str
    label_note: str | None
    scale: ScaleGuess
    dimension: str | None = None
    dimension_note: str | None = None
    group: str = "other"
    group_note: str | None = None
    reverse: bool = False
    reverse_note: str | None = None
    driver: bool | None = None
    driver_note: str | None = None
    scale_name: str = ""


@dataclass
class OutcomeGuess:
    profile: Profile
    scale: ScaleGuess
    note: str
    item: ItemGuess | None = None  # the rating item that is also this outcome (same column)
    scale_name: str = ""


@dataclass
class Draft:
    """The guesses for one export, before they are written."""

    source: Path
    n_rows: int
    respondent_id: str | None = None
    id_note: str = ""
    weight: str | None = None
    weight_note: str = ""
    comment: str | None = None
    segments: dict = field(default_factory=dict)  # name -> (profile, levels, level_labels, notes)
    items: list[ItemGuess] = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)  # role -> OutcomeGuess
    scales: dict = field(default_factory=dict)  # name -> ScaleGuess
    left_out: list = field(default_factory=list)  # (column, reason)
    language: str = "en"

    @property
    def dimensions(self) -> dict[str, list[str]]:
        """Dimension -> the guessed item ids in it (the codebook's rule)."""
        return items_by_dimension(self.items)


def _unique(name: str, taken: set[str], reserved=frozenset()) -> str:
    """``name``, or ``name_2``, ``name_3`` … the first not yet taken (then taken)."""
    base, k = name, 2
    while name in taken or name in reserved:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    return name


def _ident(name: str, taken: set[str]) -> str:
    """An identifier for a column: the name itself when it is one, else a slug of it."""
    ident = str(name).strip()
    if not ident.isidentifier():
        ident = re.sub(r"\W+", "_", ident).strip("_") or "column"
        if ident[0].isdigit():
            ident = "c_" + ident
    return _unique(ident, taken, RESERVED)


def _consecutive_runs(items: list[ItemGuess], key_of, min_len: int) -> dict[str, tuple[str, list[ItemGuess]]]:
    """Runs of ``min_len``+ items in adjacent columns whose labels give the same key (``key_of``,
    compared normalised; None breaks a run) -> (key, items), keyed by the run's first key."""
    out: dict[str, tuple[str, list[ItemGuess]]] = {}
    run: list[ItemGuess] = []
    current = None
    for item in items:
        key = key_of(item.profile.label)
        if (
            key is not None
            and current is not None
            and normalize_label(key) == normalize_label(current)
            and item.profile.position == run[-1].profile.position + 1
        ):
            run.append(item)
            continue
        if current and len(run) >= min_len:
            out[current] = (current, list(run))
        current, run = key, [item]
    if current and len(run) >= min_len:
        out[current] = (current, list(run))
    return out


def _label_blocks(items: list[ItemGuess]) -> dict[str, tuple[str, list[ItemGuess]]]:
    """Runs of consecutive items whose SPSS labels share a leading phrase -> (phrase, items)."""

    def phrase(label: str | None) -> str | None:
        if not label:
            return None
        parts = SEPARATORS.split(label, maxsplit=1)
        if len(parts) == 2 and parts[0] and len(parts[0].split()) <= 6:
            return parts[0].strip()
        return None

    def first_two_words(label: str | None) -> str | None:
        words = (label or "").split()
        return " ".join(words[:2]) if len(words) > 3 else None

    # a second way: >= 3 consecutive labels sharing their first two words ("Satisfaction with the ...")
    return _consecutive_runs(items, phrase, 2) or _consecutive_runs(items, first_two_words, 3)


_STEM = re.compile(r"^(.*?\D)[_.\s-]?(\d+)[a-z]?$", re.IGNORECASE)


def _stem_groups(items: list[ItemGuess]) -> dict[str, list[ItemGuess]]:
    """Column names sharing a stem before a number (imag1..imag5) or a first word (product_quality)."""
    groups: dict[str, list[ItemGuess]] = {}
    for item in items:
        m = _STEM.match(item.profile.name.strip())
        if m:
            stem = m.group(1).rstrip("_.- ")
            if stem and stem.lower() not in GENERIC_STEMS:
                groups.setdefault(stem, []).append(item)
    groups = {k: v for k, v in groups.items() if len(v) >= 2}
    taken = {id(i) for members in groups.values() for i in members}
    words: dict[str, list[ItemGuess]] = {}
    for item in items:
        if id(item) in taken:
            continue
        parts = [p for p in re.split(r"[_.\-\s]+", item.profile.name.strip()) if p]
        if len(parts) >= 2:
            words.setdefault(parts[0], []).append(item)
    for word, members in words.items():
        if len(members) >= 2 and word.lower() not in GENERIC_STEMS:
            groups[word] = members
    return groups


def _group_of(tokens: list[str]) -> tuple[str, str | None]:
    best, evidence, best_n = "other", None, 0
    for group, words in GROUP_WORDS.items():
        hits = keyword_hits(words, tokens)
        if len(hits) > best_n:
            best, evidence, best_n = group, hits[0], len(hits)
    return best, evidence


def _dimension_key(name: str, taken: set[str]) -> str:
    key = re.sub(r"\W+", "_", name.strip()).strip("_")
    if not PERSIAN.search(key):
        key = key.lower() if not re.fullmatch(r"[A-Z]", key) else key
    return _unique(key or "dimension", taken)


def _reverse_keyed(frame: pd.DataFrame) -> list[str]:
    """Columns with a negative loading on the first principal component (most loadings positive)."""
    corr = frame.corr(min_periods=10).to_numpy()
    if frame.shape[1] < 3 or np.isnan(corr).any():
        return []
    values, vectors = np.linalg.eigh(corr)
    first = vectors[:, -1] * np.sqrt(max(values[-1], 0))
    if np.sum(first > 0) < np.sum(first < 0):
        first = -first
    return [c for c, load in zip(frame.columns, first) if load < -0.2]


def _outcome_match(role: str, p: Profile) -> list[str]:
    tokens = p.tokens
    text = normalize_label(f"{p.name} {p.label or ''}".replace("_", " ")) or ""
    if role == "overall":
        hits = keyword_hits(OUTCOME_WORDS["overall"], tokens, prefix=False)
        hits += [t for t in tokens if t.startswith("satisf")]
        if "رضایت کلی" in text:
            hits.append("رضایت کلی")
        return hits
    if role == "loyalty":
        hits = keyword_hits(OUTCOME_WORDS["loyalty"], tokens, prefix=False)
        if "buy again" in text or "خرید مجدد" in text:
            hits.append("buy again")
        return hits
    if role == "effort":
        hits = keyword_hits(OUTCOME_WORDS["effort"], tokens, prefix=False)
        return hits + (["made it easy"] if "made it easy" in text else [])
    hits = keyword_hits(OUTCOME_WORDS[role], tokens, prefix=False)
    return hits + [t for t in tokens if t.startswith("recommend")]


def guess(table: RawTable) -> Draft:
    """Every guess for one export (nothing is written)."""
    frame = table.frame
    draft = Draft(source=Path(table.source), n_rows=len(frame))
    profiles = [profile_column(frame, table, i, c) for i, c in enumerate(frame.columns)]
    taken_ids: set[str] = set()
    candidates: list[ItemGuess] = []
    remaining = []
    kano = kano_columns([p.name for p in profiles])

    for p in profiles:
        if p.n_filled == 0:
            draft.left_out.append((p.name, "empty"))
            continue
        if draft.weight is None and (note := is_weight(p)) is not None:
            draft.weight, draft.weight_note = p.name, note
            continue
        if named_like_weight(p) and p.numeric:
            draft.left_out.append((p.name, "named like a weight but not a positive number in every row"))
            continue
        if draft.respondent_id is None and (note := is_id(p)) is not None:
            draft.respondent_id, draft.id_note = p.name, note
            continue
        if p.name in kano:
            draft.left_out.append((p.name, f"Kano question '{kano[p.name]}': declare the pair under kano: pairs"))
            continue
        remaining.append(p)

    segment_names: set[str] = set()
    for p in remaining:
        toks = p.name_tokens + tokens_of(p.label or "")
        seg_named = bool(keyword_hits(SEGMENT_WORDS, toks, prefix=False))
        out_named = bool(keyword_hits(LEFT_OUT_WORDS, p.name_tokens, prefix=False))
        if not p.numeric:
            if draft.comment is None and is_comment(p):
                draft.comment = p.name
            elif p.distinct <= MAX_LEVELS and p.distinct < max(p.n_filled, 2):
                _add_segment(draft, p, segment_names, taken_ids)
            else:
                why = "free text" if p.texts.str.len().mean() >= 20 else f"text with {p.distinct} distinct values"
                draft.left_out.append((p.name, why))
            continue
        labelled_nominal = bool(p.value_labels) and not any(
            SCALE_WORDS.search(normalize_label(v) or "") for v in p.value_labels.values()
        )
        two_valued = p.distinct == 2 and p.n_filled >= 30 and not _any_outcome(p)  # small samples: maybe an item
        if p.distinct <= MAX_LEVELS and (seg_named or labelled_nominal or two_valued):
            _add_segment(draft, p, segment_names, taken_ids)
            continue
        if out_named:
            draft.left_out.append((p.name, "not a rating (by its name)"))
            continue
        scale = scale_for(p)
        if scale is None:
            values = p.numbers.dropna()
            why = (
                "fractions"
                if not np.all(values == np.round(values))
                else f"values {number_text(values.min())}-{number_text(values.max())}"
                if len(values)
                else "no numbers"
            )
            draft.left_out.append((p.name, f"numeric, not a rating ({why})"))
            continue
        if p.n_bad:
            scale.notes.append(f"{p.n_bad} answers are not numbers (e.g. '{p.bad_example}'): those rows will be rejected")
        if p.label:
            label, note = p.label, None
        else:
            label, note = readable_name(p.name), "label from the column name: write the question"
        candidates.append(ItemGuess(profile=p, id="", label=label, label_note=note, scale=scale))

    _assign_dimensions(draft, candidates)
    _assign_outcomes(draft, candidates)
    for item in draft.items:
        item.id = _ident(item.profile.name, taken_ids)
    _name_scales(draft)
    _reverse(draft, frame)
    labels = [i.label for i in draft.items] + [o.profile.label or o.profile.name for o in draft.outcomes.values()]
    if labels and sum(bool(PERSIAN.search(x)) for x in labels) > len(labels) / 2:
        draft.language = "fa"
    return draft


def _any_outcome(p: Profile) -> bool:
    return any(_outcome_match(role, p) for role in OUTCOME_WORDS)


def _add_segment(draft: Draft, p: Profile, names: set[str], taken_ids: set[str]) -> None:
    name = _ident(p.name, taken_ids)
    names.add(name)
    notes = []
    levels, level_labels = None, {}
    if p.value_labels:
        codes = sorted(p.value_labels)
        levels = [p.value_labels[c] for c in codes]
        if len({normalize_label(v) for v in levels}) == len(levels):
            level_labels = {p.value_labels[c]: Note(p.value_labels[c], f"code {number_text(c)} in the file") for c in codes}
            notes.append("the SPSS value labels; the intake reads each code as its label")
            seen = set(p.numbers.dropna().unique()) if p.numeric else set()
            unlabelled = sorted(v for v in seen if v not in p.value_labels)
            if unlabelled:
                notes.append("codes without a label are rejected: " + ", ".join(number_text(v) for v in unlabelled[:6]))
        else:
            levels = None
    elif p.numeric:
        codes = sorted(p.numbers.dropna().unique())
        notes.append(
            "codes "
            + ", ".join(number_text(c) for c in codes)
            + " without labels: add level_labels ('1': how reports name code 1, ...)"
        )
    else:
        values = list(dict.fromkeys(p.texts))[:MAX_LEVELS]
        notes.append("values seen: " + ", ".join(values))
    draft.segments[name] = (p, levels, level_labels, notes)


def _assign_dimensions(draft: Draft, items: list[ItemGuess]) -> None:
    taken: set[str] = set()
    for phrase, (_, members) in _label_blocks(items).items():
        key = _dimension_key(phrase, taken)
        group, evidence = _group_of(tokens_of(phrase))
        if group == "other":
            group, evidence = _group_of([t for m in members for t in tokens_of(m.profile.label or "")])
        for m in members:
            m.dimension = key
            m.dimension_note = f"labels starting '{phrase}'"
            m.group, m.group_note = group, evidence
    for stem, members in _stem_groups([i for i in items if i.dimension is None]).items():
        key = _dimension_key(stem, taken)
        group, evidence = _group_of(tokens_of(stem))
        if group == "other":
            group, evidence = _group_of([t for m in members for t in m.profile.tokens])
        for m in members:
            m.dimension = key
            m.dimension_note = f"columns named {stem}…"
            m.group, m.group_note = group, evidence
    for item in items:
        if item.dimension is None:
            item.group, item.group_note = _group_of(item.profile.tokens)
    by_group: dict[str, list[ItemGuess]] = {}
    for item in items:
        if item.dimension is None and item.group != "other":
            by_group.setdefault(item.group, []).append(item)
    for group, members in by_group.items():
        if group in taken:
            key = group
        elif len(members) >= 2:
            key = _dimension_key(group, taken)
        else:
            continue
        for m in members:
            m.dimension = key
            m.dimension_note = f"from the group guess ('{m.group_note}')"
    draft.items = items


def _assign_outcomes(draft: Draft, items: list[ItemGuess]) -> None:
    dims = {}
    for item in items:
        if item.dimension:
            dims.setdefault(item.dimension, []).append(item)
    used: set[str] = set()
    for role in ("overall", "recommend", "loyalty", "effort"):
        # a question outside the item blocks: the outcome itself (not an item)
        alone = [
            i
            for i in items
            if i.profile.name not in used
            and (i.dimension is None or i.dimension_note.startswith("from the group"))
            and _outcome_match(role, i.profile)
        ]
        if role == "overall":
            alone.sort(key=lambda i: "overall" not in i.profile.tokens and "کلی" not in i.profile.tokens)
        if alone:
            chosen = alone[0]
            hits = _outcome_match(role, chosen.profile)
            draft.outcomes[role] = OutcomeGuess(
                chosen.profile, chosen.scale, f"guessed from '{hits[0]}' in its name or label - check"
            )
            items.remove(chosen)
            used.add(chosen.profile.name)
            continue
        # a concept measured by several items (sat1..sat4): its first item, kept as an item
        for key, members in dims.items():
            if any(m.profile.name in used for m in members):
                continue
            if keyword_hits(OUTCOME_WORDS[role], tokens_of(key), prefix=False) or (
                role == "overall" and key.lower().startswith("satisf")
            ):
                chosen = members[0]
                note = (
                    f"the first item of the dimension '{key}' (also kept as its item, so reliability sees the "
                    f"whole concept; the driver analysis leaves '{key}' out) - pick the item that asks about "
                    f"{role} itself"
                )
                draft.outcomes[role] = OutcomeGuess(chosen.profile, chosen.scale, note, item=chosen)
                used.update(m.profile.name for m in members)
                if role in ("loyalty", "recommend"):
                    for m in members:
                        m.driver = False
                        m.driver_note = f"{role} is a consequence of satisfaction, not a driver of it"
                break


def _scale_name(scale: ScaleGuess, taken: set[str]) -> str:
    points = int(scale.max - scale.min + 1)
    text = " ".join(normalize_label(v) or "" for v in scale.labels.values())
    for word, stem in (
        ("agree", "agree"),
        ("موافق", "agree"),
        ("satisf", "sat"),
        ("راضی", "sat"),
        ("likely", "likely"),
        ("important", "imp"),
    ):
        if scale.labels and word in text:
            name = f"{stem}{points}"
            break
    else:
        name = f"s{number_text(scale.min)}_{number_text(scale.max)}".replace("-", "m")
    return _unique(name, taken)


def _name_scales(draft: Draft) -> None:
    # items of one dimension without value labels share one scale: the union of their ranges
    dims: dict[str, list[ItemGuess]] = {}
    for item in draft.items:
        if item.dimension and not item.scale.labels:
            dims.setdefault(item.dimension, []).append(item)
    for members in dims.values():
        lo = min(m.scale.min for m in members)
        hi = max(m.scale.max for m in members)
        missing = sorted({c for m in members for c in m.scale.missing if not lo <= c <= hi})
        for m in members:
            if (m.scale.min, m.scale.max) != (lo, hi):
                m.scale = ScaleGuess(lo, hi, {}, missing, list(m.scale.notes))
            else:
                m.scale.missing = missing
    # a questionnaire usually asks every rating on one format: unlabelled items whose ranges
    # differ from the widest by at most one point at either end (a 1-10 question where nobody
    # answered 10) share that widest range; clearly different formats (1-5 and 1-10) stay apart
    plain = [i for i in draft.items if not i.scale.labels]
    widest_first = sorted({(i.scale.min, i.scale.max) for i in plain}, key=lambda r: (r[0] - r[1], r))
    anchor = {}
    for lo, hi in widest_first:
        anchor[(lo, hi)] = next(
            (
                (a_lo, a_hi)
                for (a_lo, a_hi), a in anchor.items()
                if a == (a_lo, a_hi) and a_lo <= lo <= a_lo + 1 and a_hi - 1 <= hi <= a_hi
            ),
            (lo, hi),
        )
    for i in plain:
        lo, hi = anchor[(i.scale.min, i.scale.max)]
        if (lo, hi) != (i.scale.min, i.scale.max):
            missing = sorted(c for c in i.scale.missing if not lo <= c <= hi)
            i.scale = ScaleGuess(lo, hi, {}, missing, list(i.scale.notes))
    for outcome in draft.outcomes.values():
        if outcome.item is not None:
            outcome.scale = outcome.item.scale
    scales: dict = {}
    names: set[str] = set()
    for scale in [i.scale for i in draft.items] + [o.scale for o in draft.outcomes.values()]:
        key = scale.key()
        if key not in scales:
            scales[key] = (_scale_name(scale, names), ScaleGuess(scale.min, scale.max, scale.labels, scale.missing, []))
        merged = scales[key][1]
        for note in scale.notes:
            if note not in merged.notes and len(merged.notes) < 4:
                merged.notes.append(note)
    lookup = {k: v[0] for k, v in scales.items()}
    for item in draft.items:
        item.scale_name = lookup[item.scale.key()]
    for outcome in draft.outcomes.values():
        outcome.scale_name = lookup[outcome.scale.key()]
    draft.scales = {name: scale for name, scale in scales.values()}
    # what the answers seen say about each scale drawn from them
    for name, scale in draft.scales.items():
        cols = [i.profile for i in draft.items if i.scale_name == name] + [
            o.profile for o in draft.outcomes.values() if o.scale_name == name and o.item is None
        ]
        values = pd.concat([p.numbers for p in cols]).dropna()
        values = values[~values.isin(scale.missing)]
        if scale.labels or not len(values):
            continue
        lo, hi = float(values.min()), float(values.max())
        if lo > scale.min:
            scale.notes.append(
                f"the lowest answer seen is {number_text(lo)}; the scale is assumed to start at {number_text(scale.min)}"
            )
        if hi < scale.max:
            scale.notes.append(f"the highest answer seen is {number_text(hi)}; a scale up to {number_text(scale.max)} is assumed")
        zeros = int((values == 0).sum())
        if scale.min == 0 and scale.max == 10 and zeros and zeros <= 0.01 * len(values):
            scale.notes.append(
                f"only {zeros} of {len(values)} answers are 0: if the question was asked on 1-10, "
                "set min: 1 and those rows will be rejected"
            )
        if scale.min == 1 and scale.max == 10:
            scale.notes.append("no 0 answers seen: if the question was asked on 0-10, set min: 0")
    rec = draft.outcomes.get("recommend")
    if rec is not None and (rec.scale.min, rec.scale.max) != (0, 10):
        rec.note += "; the NPS needs a 0-10 question"


def _reverse(draft: Draft, frame: pd.DataFrame) -> None:
    if draft.n_rows < 30:
        return
    for dim, ids in draft.dimensions.items():
        members = [i for i in draft.items if i.dimension == dim]
        if len(members) < 3:
            continue
        data = pd.DataFrame({m.id: m.profile.numbers.where(~m.profile.numbers.isin(m.scale.missing)) for m in members})
        flagged = set(_reverse_keyed(data))
        for m in members:
            if m.id in flagged:
                m.reverse = True
                m.reverse_note = "correlates negatively with the rest of its dimension: reverse-keyed? check the wording"
