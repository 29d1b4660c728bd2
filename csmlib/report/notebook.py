"""The one call that opens a report notebook.

Every report notebook starts the same way: papermill injects ``params_file``, ``unit``,
``output_dir`` and ``language`` (:meth:`csmlib.survey.params.WaveParams.notebook_parameters`),
and the notebook hands them to :func:`start_report`, which opens the wave and returns it with
the translator of the report language. Run by hand in JupyterLab, the defaults of the
parameters cell open the latest demo wave, and setting ``language = "fa"`` there gives the
Persian report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from csmlib.report.tables import translator
from csmlib.survey.params import WaveParams
from csmlib.survey.wave import Wave, open_wave


def start_report(
    params_file: str | Path | WaveParams,
    unit: str | None = None,
    *,
    output_dir: str | Path | None = None,
    language: str | None = None,
) -> tuple[Wave, Callable[..., str]]:
    """The wave a report notebook shows, and ``T(english, persian)`` for its language.

    ``output_dir`` (set by ``csm run``) is where the batch's results go; without it a notebook
    run by hand writes to the wave's ``lab/`` folder. ``language`` overrides the wave file's
    report language.

    >>> w, T = start_report("params/2026Q3.yaml", language="fa")  # doctest: +SKIP
    >>> T("Satisfaction", "رضایت")  # doctest: +SKIP
    'رضایت'
    """
    wave = open_wave(params_file, unit, output_dir=output_dir, language=language)
    return wave, translator(wave.language)
