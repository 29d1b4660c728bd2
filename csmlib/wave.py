"""One survey wave as the notebooks see it: parameters, codebook, validated data, history.

A notebook starts with::

    wave = csmlib.wave.open_wave(params_file)

and gets the validated wave parameters, the codebook, the accepted responses (with the
rejected rows alongside), label look-ups in the report language, the earlier waves
(found from the other parameter files next to this one, ordered by fieldwork dates), and
helpers to save and read the JSON result files.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from csmlib.codebook import Codebook, load_codebook
from csmlib.data import Intake, load_responses
from csmlib.errors import CSMInputError
from csmlib.params import WaveParams, load_params
from csmlib.results import load_results, save_results


@dataclass
class Wave:
    params: WaveParams
    codebook: Codebook
    unit: str | None = None
    _intake: Intake | None = field(default=None, repr=False)

    # ---- identity ---------------------------------------------------------
    @property
    def id(self) -> str:
        return self.params.wave

    @property
    def language(self) -> str:
        return self.params.options.language

    @property
    def output_dir(self) -> Path:
        return self.params.unit_dir(self.unit)

    @property
    def unit_label(self) -> str | None:
        """The unit as the report names it (``None`` for the whole wave)."""
        return self.level_label(self.params.units.by, self.unit) if self.unit else None

    @property
    def title(self) -> str:
        base = self.params.title or self.id
        return f"{base} — {self.unit_label}" if self.unit else base

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
        ``reports/<wave>/cache/``. The key hashes the export, the codebook, the read options and
        the csmlib/pandas versions, so any change re-validates. The raw file is only ever read.
        """
        if self._intake is None:
            path = self._intake_cache_path()
            if path is not None and path.is_file():
                try:
                    self._intake = pd.read_pickle(path)
                except Exception:  # an unreadable cache is rebuilt, never trusted
                    self._intake = None
            if self._intake is None:
                read = self.params.read
                self._intake = load_responses(self.params.responses, self.codebook, delimiter=read.delimiter,
                                              encoding=read.encoding, sheet=read.sheet)
                if path is not None:
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        tmp = path.with_suffix(f".{os.getpid()}.tmp")
                        pd.to_pickle(self._intake, tmp)
                        tmp.replace(path)
                    except OSError:
                        pass  # a read-only reports folder only costs speed
        return self._intake

    def _intake_cache_path(self) -> Path | None:
        from csmlib import __version__
        from csmlib.results import sha256_file

        p = self.params
        if not Path(p.responses).is_file():
            return None  # load_responses reports the missing file
        key = hashlib.sha256(json.dumps([sha256_file(p.responses), sha256_file(p.codebook), str(p.read), __version__,
                                         pd.__version__]).encode()).hexdigest()[:20]
        return p.output_dir / "cache" / f"intake-{key}.pkl"

    @property
    def data(self) -> pd.DataFrame:
        """Accepted responses (of this wave's unit only, when it is a unit report)."""
        data = self.intake.data
        if self.unit is not None:
            by = self.params.units.by
            data = data[data[by] == self.unit]
        return data

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
        from csmlib.complaints_io import load_complaints

        return load_complaints(self.params.complaints, self.codebook, self.params)

    # ---- history ----------------------------------------------------------
    @cached_property
    def previous(self) -> list["Wave"]:
        """Earlier waves (fieldwork ending before this one starts), oldest first."""
        folder = self.params.params_file.parent
        waves = []
        for path in sorted(folder.glob("*.yaml")):
            if path.resolve() == self.params.params_file:
                continue
            try:
                other = load_params(path)
            except CSMInputError:
                continue  # the codebook and other YAML files in params/ are not wave files
            if other.fieldwork.end < self.params.fieldwork.start:
                waves.append(Wave(other, self.codebook, self.unit))
        return sorted(waves, key=lambda w: w.params.fieldwork.start)

    def history(self, notebook: str) -> dict[str, dict]:
        """Saved results of ``notebook`` for the earlier waves that have them, oldest first."""
        found = {}
        for wave in self.previous:
            res = load_results(wave.output_dir, notebook)
            if res is not None:
                found[wave.id] = res
        return found

    # ---- results ----------------------------------------------------------
    def save(self, notebook: str, payload: dict) -> Path:
        return save_results(self.output_dir, notebook, {"wave": self.id, **payload})

    def load(self, notebook: str) -> dict | None:
        return load_results(self.output_dir, notebook)


def open_wave(params_file: str | Path, unit: str | None = None) -> Wave:
    """Load and validate a wave from its parameter file (optionally one unit of it)."""
    params = load_params(params_file)
    return Wave(params, load_codebook(params.codebook), unit)
