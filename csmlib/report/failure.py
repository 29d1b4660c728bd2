"""The page of a report that failed: which report, what failed in one plain line, what to change.

No traceback and no absolute path reaches a manager's page; the executed notebook keeps the details.
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup


from csmlib.report.page import UI_TEXT, NavLink, write_page
from csmlib.report.safe_html import escape

FAILURE_HINTS = {
    "en": {
        "input": "Correct the file, row or column named above (survey data, codebook or parameter file), then run "
        "<code>csm validate {params}</code> and <code>csm run {params}</code> again.",
        "codebook": "Check the codebook entry ({codebook}) and the data column for the item, column or segment named "
        "above, then run <code>csm validate {params}</code>.",
        "timeout": "The report ran longer than its time limit: raise <code>options.timeout</code> (or lower "
        "<code>options.n_boot</code>) in {params} and run it again.",
        "kernel": "The report's Python process stopped, often for lack of memory: run again with fewer parallel jobs "
        "(<code>csm run --jobs 1 {params}</code>).",
        "environment": "A package is missing from the environment: run <code>make env</code> again, then "
        "<code>csm run {params}</code>.",
        "other": "Run <code>csm validate {params}</code>; if it reports no problem, pass the details below to the analyst.",
        "details": "the executed notebook <code>{notebook}</code> (open it in JupyterLab: the failing cell shows "
        "the whole error).",
        "details_missing": "the executed notebook would be <code>{notebook}</code>; it was not written, so run "
        "<code>csm run {params}</code> in a terminal to see the error.",
    },
    "fa": {
        "input": "فایل، ردیف یا ستونی را که در بالا آمده است (داده پیمایش، کدنامه یا فایل پارامتر) اصلاح کنید و سپس "
        "<code>csm validate {params}</code> و دوباره <code>csm run {params}</code> را اجرا کنید.",
        "codebook": "مدخل کدنامه ({codebook}) و ستون داده را برای گویه، ستون یا گروهی که در بالا آمده است بررسی کنید و "
        "سپس <code>csm validate {params}</code> را اجرا کنید.",
        "timeout": "اجرای گزارش از مهلت زمانی آن بیشتر شد: <code>options.timeout</code> را در {params} بیشتر "
        "(یا <code>options.n_boot</code> را کمتر) کنید و دوباره اجرا کنید.",
        "kernel": "فرایند پایتون گزارش متوقف شد (اغلب به‌علت کمبود حافظه): با کارهای موازی کمتر دوباره اجرا کنید "
        "(<code>csm run --jobs 1 {params}</code>).",
        "environment": "بسته‌ای در محیط نصب نیست: <code>make env</code> را دوباره اجرا کنید و سپس <code>csm run {params}</code>.",
        "other": "<code>csm validate {params}</code> را اجرا کنید؛ اگر مشکلی گزارش نکرد، جزئیات زیر را به تحلیلگر بدهید.",
        "details": "دفترچه اجراشده <code>{notebook}</code> (آن را در JupyterLab باز کنید: سلول خطادار خطای کامل را نشان می‌دهد).",
        "details_missing": "دفترچه اجراشده باید <code>{notebook}</code> باشد اما نوشته نشد؛ "
        "<code>csm run {params}</code> را در خط فرمان اجرا کنید تا خطا را ببینید.",
    },
}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def notebook_failure(nb) -> str | None:
    """The one-line error of a failed (or unfinished) executed notebook, ``None`` when it ran through.

    An error output gives ``"ename: evalue"``; papermill's failure flags or code cells left
    unexecuted after a timeout or a dead kernel give a generic line (``""`` in that case).
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                if output.get("ename") == "SystemExit" and str(output.get("evalue", "")) in ("", "0"):
                    continue
                return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
    papermill = nb.get("metadata", {}).get("papermill")
    if papermill is None:
        return None
    if papermill.get("exception"):
        return ""
    for cell in nb.cells:
        if cell.cell_type == "code":
            status = cell.get("metadata", {}).get("papermill", {}).get("status")
            if status == "failed" or (cell.source.strip() and cell.get("execution_count") is None):
                return ""
    return None


def project_root(*paths) -> Path | None:
    """The project folder (the one holding ``params/``) above the first of ``paths`` that has one."""
    for path in paths:
        if path is None:
            continue
        path = Path(path).absolute()
        for folder in [path, *path.parents]:
            if (folder / "params").is_dir():
                return folder
    return None


def _relative(path, root: Path | None) -> str:
    path = Path(path)
    if root is not None:
        for base in (root, root.resolve()):
            try:
                return Path(path).absolute().relative_to(base).as_posix()
            except ValueError:
                pass
    return path.as_posix()


def plain_error(message: str, root: Path | None = None) -> str:
    """An exception message as one plain line: no colour codes, no traceback, paths relative to ``root``."""
    text = _ANSI.sub("", str(message or ""))
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if root is not None:
        for base in sorted({str(root), str(root.resolve())}, key=len, reverse=True):
            line = line.replace(base.rstrip("/") + "/", "").replace(base, ".")
    return line if len(line) <= 400 else line[:399] + "…"


def _failure_kind(message: str) -> str:
    name = message.split(":", 1)[0].strip() if ":" in message else ""
    lowered = message.lower()
    if "timeout" in name.lower() or "timed out" in lowered or "time limit" in lowered or "مهلت زمانی" in message:
        return "timeout"
    if "deadkernel" in name.lower() or "kernel died" in lowered or "kernel" in name.lower():
        return "kernel"
    if name in ("ModuleNotFoundError", "ImportError"):
        return "environment"
    if name == "CSMInputError":
        return "input"
    if name in ("KeyError", "ValueError", "TypeError", "IndexError") or "codebook" in lowered:
        return "codebook"
    return "other"


def failure_html(
    *,
    notebook: str,
    message: str,
    language: str,
    executed: Path | None = None,
    root: Path | None = None,
    params_file: str | Path | None = None,
) -> Markup:
    """The failure box of a report page: which report, what failed (one line), what to change,
    where the analyst finds the details."""
    text = UI_TEXT[language]
    hints = FAILURE_HINTS[language]
    line = plain_error(message, root) or text["failed_unknown"]
    params = _relative(params_file, root) if params_file else "params/<wave>.yaml"
    codebook = "params/survey.yaml"
    if root is not None and params_file:
        codebook = _codebook_of(Path(params_file), root) or codebook
    values = {
        "params": escape(params),
        "codebook": Markup("<code>{}</code>").format(codebook),
        "notebook": escape(_relative(executed, root) if executed is not None else "reports/<wave>/notebooks/"),
    }
    hint = Markup(hints[_failure_kind(line)]).format(**values)
    details = Markup(hints["details" if executed is not None and Path(executed).is_file() else "details_missing"]).format(
        **values
    )
    return Markup(
        '<div class="csm-alert csm-failure" role="alert"><h2 id="csm-failed">{heading}</h2>'
        "<p><strong>{notebook}</strong></p>"
        '<p><strong>{what}:</strong> <span class="csm-error">{line}</span></p>'
        "<p><strong>{fix}:</strong> {hint}</p>"
        "<p><strong>{where}:</strong> {details}</p></div>"
    ).format(
        heading=text["failed_heading"],
        notebook=notebook,
        what=text["failed_what"],
        line=line,
        fix=text["failed_fix"],
        hint=hint,
        where=text["failed_details"],
        details=details,
    )


def _codebook_of(params_file: Path, root: Path) -> str | None:
    """The codebook path a wave's parameter file names (read as plain YAML; ``None`` if unknown)."""
    try:
        import yaml

        data = yaml.safe_load(Path(params_file).read_text(encoding="utf-8"))
        return str(data.get("codebook")) if isinstance(data, dict) and data.get("codebook") else None
    except Exception:
        return None


def render_failure(
    target: Path,
    *,
    notebook: str,
    message: str,
    organisation: str,
    wave_label: str,
    language: str,
    nav: list[NavLink],
    executed: Path | None = None,
    root: Path | None = None,
    params_file: str | Path | None = None,
) -> Path:
    """The page of a report that failed: which report, what failed in one line (paths relative to
    the project), what to change, and where the executed notebook with the details is.

    ``executed`` defaults to ``<target folder>/notebooks/<target name>.ipynb``, ``root`` to the
    folder above ``target`` that holds ``params/``.
    """
    target = Path(target)
    if executed is None:
        executed = target.parent / "notebooks" / f"{target.stem}.ipynb"
    root = root if root is not None else project_root(params_file, target)
    body = failure_html(
        notebook=notebook, message=message, language=language, executed=executed, root=root, params_file=params_file
    )
    return write_page(
        target, title=notebook, organisation=organisation, subtitle=wave_label, language=language, nav=nav, body=body
    )
