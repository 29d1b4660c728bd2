"""csmlib: statistics and pipeline of the CSM workbench.

The package is layered; each layer imports only the layers listed before it
(``tests/test_layers.py`` enforces it):

========  ===========================================================================
core      errors, text normalisation, calendars, formula-safe and atomic files, results side files
survey    codebook, wave parameters, reading responses and complaints, the ``Wave``, ``csm init``
stats     one module per method family: pure functions returning DataFrames or frozen dataclasses
report    figures, tables and text for the page, HTML rendering, the register files
batch     executing notebooks, the job graph of a wave, manifest and reports index
cli, demo the command line and the demo data
========  ===========================================================================

Modules of the first, flat layout (``csmlib.kano``, ``csmlib.display``, ...) still import: each old
name is an alias of the module's new home (:data:`MOVED`), so user code and old notebooks keep working.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

#: Old flat module name → its home in the layered package.
MOVED = {
    "errors": "core.errors",
    "text": "core.text",
    "exports": "core.exports",
    "results": "core.results",
    "dates": "core.dates",
    "codebook": "survey.codebook",
    "params": "survey.params",
    "data": "survey.responses",
    "complaints_io": "survey.complaint_intake",
    "complaints_log": "survey.complaint_checks",
    "wave": "survey.wave",
    "draft": "survey.draft",
    "validation": "stats.validate",
    "weighting": "stats.weighting",
    "indicators": "stats.indicators",
    "reliability": "stats.reliability",
    "factor": "stats.factor",
    "factor_extraction": "stats.factor_extraction",
    "factor_rotation": "stats.factor_rotation",
    "polychoric": "stats.polychoric",
    "cfa": "stats.cfa",
    "kano": "stats.kano",
    "drivers": "stats.drivers",
    "_subsets": "stats.subsets",
    "priorities": "stats.priorities",
    "complaints": "stats.complaints",
    "quality": "stats.quality",
    "headline": "stats.headline",
    "feedback": "stats.feedback",
    "comments": "stats.comments",
    "display": "report.tables",
    "render": "report.render",
    "plots": "report.plots",
    "execute": "batch.execute",
    "pipeline": "batch.pipeline",
}


def _new_home(fullname: str) -> str | None:
    """``csmlib.display`` → ``csmlib.report.tables``; ``csmlib.plots.kano`` → ``csmlib.report.plots.kano``."""
    prefix, _, rest = fullname.partition(".")
    if prefix != __name__ or not rest:
        return None
    head, dot, tail = rest.partition(".")
    if head not in MOVED:
        return None
    return f"{__name__}.{MOVED[head]}{dot}{tail}"


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old module path as the very module object at its new home (no copy, no warning)."""

    def find_spec(self, fullname, path=None, target=None):
        home = _new_home(fullname)
        return importlib.util.spec_from_loader(fullname, self) if home else None

    def create_module(self, spec):
        return importlib.import_module(_new_home(spec.name))

    def exec_module(self, module):
        pass  # already executed at its new home


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())  # before the path finder, which would load a second copy
