"""One survey wave as the notebooks see it: parameters, codebook, validated data, history.

A notebook starts with::

    wave = csmlib.survey.wave.open_wave(params_file)

and gets the validated wave parameters, the codebook, the accepted responses (with the
rejected rows alongside), label look-ups in the report language, the earlier waves
(found from the other parameter files next to this one, ordered by fieldwork dates), and
helpers to save and read the JSON result files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from csmlib.survey.codebook import Codebook, load_codebook
from csmlib.survey.responses import Intake, load_responses
from csmlib.core.dates import format_date
from csmlib.core.errors import CSMInputError
from csmlib.survey.params import WaveParams, load_params
from csmlib.core.results import load_results, save_results


@dataclass
class Wave:
    """One wave of a survey as the notebooks see it.

    ``results_dir`` is where :meth:`save` writes: the batch (``csm run``) passes the wave's
    report folder; a notebook opened by hand writes to ``<report folder>/lab/`` instead, so an
    interactive run never overwrites the batch's results (it still reads them).
    """

    params: WaveParams
    codebook: Codebook
    unit: str | None = None
    intake_cache: Intake | None = field(default=None, repr=False)
    results_dir: Path | None = None
    language_override: str | None = None
    unit_by: str | None = None  # the unit's segment when this wave's file declares no units (an earlier wave)

    # ---- identity ---------------------------------------------------------
    @property
    def id(self) -> str:
        return self.params.wave

    @property
    def language(self) -> str:
        return self.language_override or self.params.options.language

    @property
    def series(self) -> str:
        """The survey series the wave belongs to: its codebook's survey (and organisation)."""
        return " · ".join(x for x in (self.codebook.organisation, self.codebook.survey) if x)

    @property
    def output_dir(self) -> Path:
        return self.params.unit_dir(self.unit)

    @property
    def unit_label(self) -> str | None:
        """The unit as the report names it (``None`` for the whole wave)."""
        return self.level_label(self.unit_segment, self.unit) if self.unit else None

    @property
    def title(self) -> str:
        base = self.params.title or self.id
        return f"{base} — {self.unit_label}" if self.unit else base

    @property
    def fieldwork(self) -> str:
        """The fieldwork period as the report writes it: ISO dates, or Solar Hijri dates in
        Persian digits for a Persian report (``۱۴۰۵/۰۴/۱۰ تا ۱۴۰۵/۰۷/۰۸``)."""
        fw = self.params.fieldwork
        start, end = format_date(fw.start, self.language), format_date(fw.end, self.language)
        return f"{start} تا {end}" if self.language == "fa" else f"{start} – {end}"

    def label(self, key: str) -> str:
        return self.codebook.label(key, self.language)

    def labels(self, keys) -> list[str]:
        return [self.label(k) for k in keys]

    def level_label(self, segment: str, value) -> str:
        """How the report shows one value of a segment (e.g. a region's name in the report language)."""
        return self.codebook.level_label(segment, value, self.language)

    def department_label(self, department) -> str:
        """How the report names a department (findings, priorities and complaints are routed to them)."""
        return self.codebook.department_label(department, self.language)

    # ---- data -------------------------------------------------------------
    @property
    def intake(self) -> Intake:
        """Validated responses; cached next to the reports, keyed by the inputs' content.

        Every notebook of a wave (and the next wave's trend sections) reads the same export;
        validating an Excel file takes seconds, so the result is kept in
        ``reports/<wave>/cache/`` as Parquet tables and a JSON file (never a pickle: a cache file
        planted in the reports folder must not be able to run code). The key hashes the export,
        the codebook, the read options and the csmlib/pandas versions, so any change re-validates.
        The raw file is only ever read.
        """
        if self.intake_cache is None:
            path = self._intake_cache_path()
            if path is not None:
                self.intake_cache = read_intake_cache(path)
            if self.intake_cache is None:
                read = self.params.read
                self.intake_cache = load_responses(
                    self.params.responses, self.codebook, delimiter=read.delimiter, encoding=read.encoding, sheet=read.sheet
                )
                if path is not None:
                    write_intake_cache(self.intake_cache, path)
        return self.intake_cache

    def _intake_cache_path(self) -> Path | None:
        from csmlib import __version__
        from csmlib.core.results import sha256_file

        p = self.params
        if not Path(p.responses).is_file():
            return None  # load_responses reports the missing file
        key = hashlib.sha256(
            json.dumps(
                [sha256_file(p.responses), sha256_file(p.codebook), str(p.read), __version__, pd.__version__, CACHE_FORMAT]
            ).encode()
        ).hexdigest()[:20]
        return p.output_dir / "cache" / f"intake-{key}"

    @property
    def data(self) -> pd.DataFrame:
        """Accepted responses (of this wave's unit only, when it is a unit report)."""
        data = self.intake.data
        if self.unit is not None:
            by = self.unit_segment
            if by not in data:
                return data.iloc[0:0]  # an earlier wave without that segment has no data for the unit
            data = data[data[by] == self.unit]
        return data

    @property
    def unit_segment(self) -> str | None:
        """The segment whose values are the units (this wave's ``units.by``, else the one handed down)."""
        return self.params.units.by if self.params.units is not None else self.unit_by

    def units(self) -> tuple[list[str], list[str]]:
        """Unit values with enough respondents for their own reports, and those suppressed."""
        spec = self.params.units
        if spec is None:
            return [], []
        if spec.by not in self.intake.data:
            raise CSMInputError(f"units.by '{spec.by}' is not a segment of the codebook", file=self.params.params_file)
        counts = self.intake.data[spec.by].value_counts()
        keep = sorted(str(u) for u, n in counts.items() if n >= spec.min_n)
        small = sorted(str(u) for u, n in counts.items() if n < spec.min_n)
        return keep, small

    @property
    def weights(self) -> pd.Series | None:
        return self.data["weight"] if self.codebook.weight else None

    def item_ids(self, group: str | None = None) -> list[str]:
        return [i.id for i in self.codebook.items if group is None or i.group == group]

    def items(self, group: str | None = None) -> pd.DataFrame:
        return self.data[self.item_ids(group)]

    def kano_answers(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
        """Functional and dysfunctional answer positions (1–5) and stated importance, one column per Kano pair."""
        pairs = self.codebook.kano.pairs
        data = self.data
        functional = pd.DataFrame({p.id: data[p.functional] for p in pairs}, index=data.index)
        dysfunctional = pd.DataFrame({p.id: data[p.dysfunctional] for p in pairs}, index=data.index)
        importance = None
        if any(p.importance for p in pairs):
            importance = pd.DataFrame({p.id: data[p.importance] for p in pairs if p.importance}, index=data.index)
        return functional, dysfunctional, importance

    @cached_property
    def complaints(self):
        """The validated complaints log (``None`` when the wave has none)."""
        if self.params.complaints is None:
            return None
        from csmlib.survey.complaint_intake import load_complaints

        return load_complaints(self.params.complaints, self.codebook, self.params)

    @cached_property
    def actions(self) -> pd.DataFrame | None:
        """The corrective-action register (``None`` when the wave has none); dates in the wave's calendar."""
        if self.params.actions is None:
            return None
        from csmlib.survey.complaint_intake import load_actions
        from csmlib.core.dates import resolve_calendar

        return load_actions(
            self.params.actions, tz=self.codebook.complaints.timezone, calendar=resolve_calendar(self.codebook, self.params)
        )

    # ---- history ----------------------------------------------------------
    @cached_property
    def previous(self) -> list["Wave"]:
        """Earlier waves of the same survey series, oldest first.

        The wave file's ``previous:`` list (wave ids) when given; otherwise the other wave files
        next to this one whose codebook names the same survey and whose fieldwork ended before
        this one started. Each is opened with its own codebook.
        """
        found = []
        for other in _wave_files(self.params.params_file.parent):
            if other.params_file == self.params.params_file:
                continue
            if self.params.previous is not None:
                if other.wave not in self.params.previous:
                    continue
            elif other.fieldwork.end >= self.params.fieldwork.start:
                continue
            codebook = _codebook(other.codebook)
            if codebook is None:
                continue
            wave = Wave(other, codebook, self.unit, unit_by=self.unit_segment)
            if self.params.previous is None and wave.series != self.series:
                continue
            found.append(wave)
        return sorted(found, key=lambda w: w.params.fieldwork.start)

    def history(self, notebook: str) -> dict[str, dict]:
        """Saved results of ``notebook`` for the earlier waves that have them, oldest first."""
        found = {}
        for wave in self.previous:
            res = load_results(wave.output_dir, notebook)
            if res is not None:
                found[wave.id] = res
        return found

    # ---- results ----------------------------------------------------------
    @property
    def lab_dir(self) -> Path:
        """Where a notebook run by hand writes its results (the batch's are left alone)."""
        return self.output_dir / "lab"

    def save(self, notebook: str, payload: dict) -> Path:
        return save_results(self.results_dir or self.lab_dir, notebook, {"wave": self.id, **payload})

    def load(self, notebook: str) -> dict | None:
        """This wave's saved results of ``notebook`` (an interactive run's own first, then the batch's)."""
        if self.results_dir is None:
            own = load_results(self.lab_dir, notebook)
            if own is not None:
                return own
        return load_results(self.output_dir, notebook)


def _wave_files(folder: Path) -> list[WaveParams]:
    """The valid wave parameter files in a folder (the codebook and other YAML files are not)."""
    waves = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            waves.append(load_params(path))
        except CSMInputError:
            continue
    return waves


def _codebook(path: Path) -> Codebook | None:
    try:
        return load_codebook(path)
    except CSMInputError:
        return None


# ---- the intake cache: Parquet tables and a JSON file, never a pickle ----------------------
CACHE_FORMAT = 4  # 3: don't-know counts of the accepted rows only; 4: a blank segment cell stays missing


def write_intake_cache(intake: Intake, path: Path) -> None:
    """Store an :class:`Intake` as ``path/{data,rejected,rejected_rows}.parquet`` + ``meta.json``."""
    import shutil
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=path.parent))
        intake.data.to_parquet(tmp / "data.parquet")
        intake.rejected.to_parquet(tmp / "rejected.parquet")
        raw = intake.rejected_rows.copy()
        raw.columns = [str(c) for c in raw.columns]
        raw.astype({c: "string" for c in raw.columns if c != "row"}).to_parquet(tmp / "rejected_rows.parquet")
        meta = {
            "format": CACHE_FORMAT,
            "source": intake.source,
            "n_read": intake.n_read,
            "dont_know": {str(k): int(v) for k, v in intake.dont_know.items()},
            "reversed_items": list(intake.reversed_items),
            "id_column": intake.id_column,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            tmp.rename(path)
        except OSError:  # another job wrote the same cache first
            shutil.rmtree(tmp, ignore_errors=True)
    except (OSError, ValueError, TypeError, ImportError):
        pass  # a read-only reports folder or an odd column type only costs speed


def read_intake_cache(path: Path) -> Intake | None:
    """The cached :class:`Intake`, or ``None`` when there is none or it is unreadable (then rebuilt)."""
    if not (path / "meta.json").is_file():
        return None
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != CACHE_FORMAT:
            return None
        return Intake(
            data=pd.read_parquet(path / "data.parquet"),
            rejected=pd.read_parquet(path / "rejected.parquet"),
            rejected_rows=pd.read_parquet(path / "rejected_rows.parquet"),
            source=str(meta["source"]),
            n_read=int(meta["n_read"]),
            dont_know=pd.Series(meta["dont_know"], dtype=int),
            reversed_items=tuple(meta["reversed_items"]),
            id_column=meta.get("id_column"),
        )
    except Exception:  # noqa: BLE001 - an unreadable cache is rebuilt, never trusted
        return None


def open_wave(
    params_file: str | Path | WaveParams,
    unit: str | None = None,
    *,
    output_dir: str | Path | None = None,
    language: str | None = None,
) -> Wave:
    """Load and validate a wave from its parameter file (optionally one unit of it).

    ``params_file`` may also be the parsed parameters (``csm run`` parses each file once and
    hands the result down).

    ``output_dir`` and ``language`` are what ``csm run`` injects into a notebook: the batch's
    results go to ``output_dir``; without it (a notebook run by hand) results go to the wave's
    ``lab/`` folder. ``language`` overrides the wave file's report language.
    """
    params = params_file if isinstance(params_file, WaveParams) else load_params(params_file)
    results_dir = None
    if output_dir is not None:
        results_dir = Path(output_dir).resolve()
        reports = (params.root / "reports").resolve()
        if reports not in results_dir.parents:
            raise CSMInputError(f"output_dir must be inside {reports}", file=params.params_file)
    if language is not None and language not in ("en", "fa"):
        raise CSMInputError(f"language must be 'en' or 'fa' (got {language!r})", file=params.params_file)
    return Wave(params, load_codebook(params.codebook), unit, results_dir=results_dir, language_override=language)
