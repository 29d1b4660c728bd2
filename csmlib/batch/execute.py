"""Executing one report notebook with papermill.

papermill writes the output notebook before and after every cell, each time serialising the
whole notebook with its embedded figures: some 30 writes per report, a quarter of a second or
more of a report's run. Here the output notebook is written when execution starts, when it ends
(also after a failed cell, a timeout or a dead kernel, so a partial notebook is kept) and, during
a long cell, every ``autosave_cell_every`` seconds as papermill does — not after every cell.

Each notebook runs in a kernel of its own, forked from a zygote that imported the notebook
stack once (:mod:`csmlib.batch.kernels`): the seconds of a kernel's start and imports are paid
once per process, not once per notebook. ``CSM_WARM_KERNELS=0`` starts each kernel cold.
"""

from __future__ import annotations

import time
from pathlib import Path

import papermill as pm
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from csmlib.batch import kernels

ENGINE = "csm"
KERNEL_START_RETRIES = 3


class _WriteAtEnds(NotebookExecutionManager):
    """papermill's execution manager, without the write after every cell's start and end."""

    _in_cell_event = False

    def _without_saving(self, event, *args, **kwargs):
        self._in_cell_event = True
        try:
            return event(*args, **kwargs)
        finally:
            self._in_cell_event = False

    def cell_start(self, cell, cell_index=None, **kwargs):
        return self._without_saving(super().cell_start, cell, cell_index, **kwargs)

    def cell_complete(self, cell, cell_index=None, **kwargs):
        return self._without_saving(super().cell_complete, cell, cell_index, **kwargs)

    def save(self, **kwargs):
        if not self._in_cell_event:
            super().save(**kwargs)


class WriteAtEndsEngine(NBClientEngine):
    """papermill's nbclient engine with :class:`_WriteAtEnds` as its execution manager."""

    @classmethod
    def execute_notebook(
        cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False, autosave_cell_every=30, **kwargs
    ):
        nb_man = _WriteAtEnds(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output, autosave_cell_every=autosave_cell_every
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


papermill_engines.register(ENGINE, WriteAtEndsEngine)


def execute_notebook(source: Path, executed: Path, *, parameters: dict, kernel: str, timeout: int | None) -> str:
    """Run ``source`` into ``executed``; return "" or a one-line error.

    A kernel that fails to start (a start race between parallel jobs) is retried; an error in
    a cell is not. The kernel comes from this process's :func:`~csmlib.batch.kernels.process_pool`
    (enter :func:`~csmlib.batch.kernels.warm_kernels` to start it early and end it after a run).
    """
    for attempt in range(KERNEL_START_RETRIES):
        try:
            pm.execute_notebook(
                str(source),
                str(executed),
                parameters=parameters,
                engine_name=ENGINE,
                kernel_name=kernel,
                execution_timeout=timeout,
                cwd=str(source.parent),
                progress_bar=False,
                log_output=False,
                # the kernel's own log (its local-TCP notice, the "KeyboardInterrupt caught in
                # kernel" of Jupyter's own shutdown) would flood the batch's progress lines; a
                # cell's error is in the executed notebook, the report page and the run's summary
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                # a kernel forked from the process's warm zygote (see csmlib.batch.kernels)
                kernel_manager_class=kernels.PooledKernelManager,
            )
            return ""
        except pm.PapermillExecutionError as exc:
            return f"{exc.ename}: {exc.evalue}".splitlines()[0]
        except Exception as exc:  # the kernel did not start or died: retry a start race, then report
            error = f"{type(exc).__name__}: {exc}".splitlines()[0]
            started = executed.is_file() and '"execution_count": 1' in executed.read_text(encoding="utf-8")
            if started or attempt == KERNEL_START_RETRIES - 1:
                return error
            time.sleep(1 + attempt)
    return "unreachable"
