"""PDF copies of a wave's report pages, printed by headless Chromium (``csm run --pdf``).

Each report page becomes ``<report folder>/pdf/<report>.pdf``; the wave's index page (the executive
summary and the list of reports) and the other reports, in order, become one document
``reports/<wave>/<wave>.pdf`` (a unit's report set: ``units/<unit>/<wave>-<unit>.pdf``) with one
bookmark per report. The pages' own print style sheet (``@media print`` in ``report.css``) decides
the layout: A4, headings kept with what follows, wide tables fitted to the page.

Chromium is driven through its DevTools protocol over a pipe (``--remote-debugging-pipe``): no port
is opened, the profile is a temporary folder removed afterwards, and every host name resolves to
nothing, so printing never reaches the network (the pages load nothing from it anyway). Links to
local files would carry the machine's folder names and break once the PDF is sent on: in the wave's
document a link to one of its reports jumps to that report's first page; every other ``file:``
link is removed. Each PDF is written to a temporary file and moved into place.

When Chromium is not installed, the run goes on without PDFs and says so in one line.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from csmlib.core.exports import atomic_path
from csmlib.report.failure import plain_error
from csmlib.report.wave_pages import SUMMARY
from csmlib.survey.wave import Wave

#: Debian's package installs ``chromium``; Ubuntu's older ones ``chromium-browser``.
CHROMIUM_NAMES = ("chromium", "chromium-browser")
NOT_INSTALLED = (
    "PDFs not made: headless Chromium is not installed; install it (Debian/Ubuntu: apt install chromium) "
    "and run again with --pdf (the HTML reports are complete)"
)

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing is fetched from the network
    "--proxy-server=127.0.0.1:9",  # and no address is reached directly either
    "--remote-debugging-pipe",
)

#: The strip at the foot of every printed page: the report's title and "page / pages".
#: Chromium fills the spans (as text) itself; the font size must be given, its default is tiny.
_FOOTER = Markup(
    "<div dir=\"{}\" style=\"width:100%; margin:0 14mm; font:7.5pt 'DejaVu Sans', 'Vazirmatn', sans-serif; "
    'color:#5f6b76; display:flex; justify-content:space-between; gap:8mm">'
    '<span class="title"></span><span style="white-space:nowrap; direction:ltr">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


def find_chromium() -> str | None:
    """The Chromium executable on the PATH, or ``None``."""
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def chromium_for_pdf(log: Callable[[str], None] = print) -> str | None:
    """The Chromium to print with; when there is none, says once that no PDF is made and how to get them."""
    found = find_chromium()
    if found is None:
        log(NOT_INSTALLED)
    return found


class PdfError(RuntimeError):
    """Chromium could not be started or could not print a page."""


class Chromium:
    """One headless Chromium for a run of pages, spoken to over its DevTools pipe.

    The browser reads commands from its file descriptor 3 and writes replies and events to 4, each a
    JSON message ending in a NUL byte. Use as a context manager; :meth:`print_pdf` prints one page.
    """

    def __init__(self, executable: str, *, timeout: float = 120):
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="csm-pdf-")
        commands_in, self._commands = os.pipe()
        self._replies, replies_out = os.pipe()

        def wire():  # in the child, before exec: the pipes become the browser's fds 3 and 4
            # first out of the way of 3 and 4, so that placing one cannot close the other
            read_end = fcntl.fcntl(commands_in, fcntl.F_DUPFD_CLOEXEC, 5)
            write_end = fcntl.fcntl(replies_out, fcntl.F_DUPFD_CLOEXEC, 5)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        try:
            self._process = subprocess.Popen(
                [executable, *_FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=False,  # Python's own descriptors are not inheritable; 3 and 4 must stay open
                preexec_fn=wire,
                start_new_session=True,  # its helper processes can be ended with it
            )
        except OSError as exc:
            self._cleanup()
            raise PdfError(f"Chromium could not be started: {exc.strerror or exc}") from None
        finally:
            os.close(commands_in)
            os.close(replies_out)
        self._buffer = b""
        self._events: list[dict] = []
        self._next_id = 0
        try:
            self.send("Browser.getVersion", timeout=max(timeout, 60))
        except PdfError:
            self.close()
            raise

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # ---------------------------------------------------------------- protocol
    def send(self, method: str, session: str | None = None, *, timeout: float | None = None, **params) -> dict:
        """Send one command and return its result (raises :class:`PdfError` on an error or time-out)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except OSError as exc:
            raise PdfError(f"Chromium stopped ({exc.strerror or exc})") from None
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise PdfError(f"{method}: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, session: str, deadline: float) -> dict:
        """The first ``event`` of ``session`` (an event that came before this call counts too)."""
        while True:
            for i, seen in enumerate(self._events):
                if seen.get("method") == event and seen.get("sessionId") == session:
                    return self._events.pop(i)
            self._events.append(self._receive(deadline, event))

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PdfError(f"Chromium did not answer in time ({waiting_for})")
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise PdfError(f"Chromium stopped ({waiting_for})")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    # ---------------------------------------------------------------- printing
    def print_pdf(self, page: Path, *, direction: str = "ltr") -> bytes:
        """Print one HTML file with its print style sheet (``@page`` size and margins), backgrounds
        and status colours included, page numbers in the footer strip."""
        deadline = time.monotonic() + self.timeout
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        try:
            session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.send("Page.enable", session)
            navigated = self.send("Page.navigate", session, url=Path(page).resolve().as_uri())
            if navigated.get("errorText"):
                raise PdfError(f"{Path(page).name}: {navigated['errorText']}")
            self.wait_for("Page.loadEventFired", session, deadline)
            printed = self.send(
                "Page.printToPDF",
                session,
                timeout=max(deadline - time.monotonic(), 1),
                printBackground=True,
                preferCSSPageSize=True,
                displayHeaderFooter=True,
                headerTemplate="<span></span>",
                footerTemplate=str(_FOOTER.format(direction)),
                generateDocumentOutline=True,
            )
            return base64.b64decode(printed["data"])
        finally:
            with contextlib.suppress(PdfError):
                self.send("Target.closeTarget", targetId=target, timeout=10)
            self._events.clear()  # they were about this page

    def close(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            try:
                self.send("Browser.close", timeout=10)
                process.wait(timeout=10)
            except (PdfError, subprocess.TimeoutExpired):
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)  # the browser and its helpers, nothing else
                process.wait(timeout=10)
        self._cleanup()

    def _cleanup(self) -> None:
        for fd in (getattr(self, "_commands", None), getattr(self, "_replies", None)):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._commands = self._replies = None
        shutil.rmtree(self._profile, ignore_errors=True)


# ---------------------------------------------------------------------------- links and documents
def _file_key(uri: str) -> str | None:
    """A ``file:`` link's local path without its ``#fragment`` (``None`` for any other link)."""
    parts = urlsplit(uri)
    return os.path.normpath(unquote(parts.path)) if parts.scheme == "file" else None


def _relink(writer, first_pages: dict[str, int]) -> None:
    """``file:`` links to a document's own pages jump to them; every other ``file:`` link is removed."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    for page in writer.pages:
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for ref in annotations.get_object():
            annotation = ref.get_object()
            action = annotation.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            key = _file_key(str(uri)) if uri is not None else None
            if key is not None:
                if key not in first_pages:
                    continue
                jump = ArrayObject([writer.pages[first_pages[key]].indirect_reference, NameObject("/Fit")])
                annotation[NameObject("/A")] = DictionaryObject({NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): jump})
            kept.append(ref)
        page[NameObject("/Annots")] = kept


@contextlib.contextmanager
def _quiet_pypdf():
    """pypdf logs warnings about harmless quirks of Chromium's files (an object count in the trailer);
    the run's output stays free of them."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _write_pdf(writer, target: Path, title: str) -> None:
    writer.add_metadata({"/Title": title, "/Creator": "CSM workbench"})
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        writer.write(handle)


def save_pdf(data: bytes, target: Path, title: str) -> int:
    """Write one printed page as ``target`` (its ``file:`` links removed); returns its page count."""
    from pypdf import PdfReader, PdfWriter

    with _quiet_pypdf():
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        _relink(writer, {})
        _write_pdf(writer, target, title)
    return len(writer.pages)


@dataclass(frozen=True)
class PdfPart:
    """One page of a wave in its combined document: its title (the bookmark), its HTML file (links to it
    jump to the part) and the PDF Chromium printed (links untouched); ``also`` are pages it stands for
    (the index page shows the summary report)."""

    title: str
    html: Path
    printed: bytes
    also: tuple[Path, ...] = ()


def merge_pdfs(parts: Sequence[PdfPart], target: Path, title: str) -> int:
    """One PDF of ``parts`` in order, one bookmark per part; returns its page count."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    first_pages: dict[str, int] = {}
    with _quiet_pypdf():
        for part in parts:
            start = len(writer.pages)
            writer.append(PdfReader(io.BytesIO(part.printed)), outline_item=part.title)
            for page in (part.html, *part.also):
                first_pages.setdefault(os.path.normpath(Path(page).resolve()), start)
        _relink(writer, first_pages)
        _write_pdf(writer, target, title)
    return len(writer.pages)


# ---------------------------------------------------------------------------- a wave
def _report_sets(wave: Wave, jobs: Sequence) -> list[tuple[str | None, list]]:
    """The jobs whose page exists, per report set (the whole wave first, then each unit), in order."""
    sets: dict[str | None, list] = {}
    for job in jobs:
        if (wave.params.unit_dir(job.unit) / job.html).is_file():
            sets.setdefault(job.unit, []).append(job)
    return sorted(sets.items(), key=lambda s: (s[0] is not None, s[0] or ""))


def write_wave_pdfs(
    wave: Wave,
    jobs: Sequence,
    titles: dict[str, str],
    *,
    chromium: str,
    log: Callable[[str], None] = print,
    timeout: float = 180,
) -> list[Path]:
    """Print every report page of ``jobs`` and the wave's combined PDF(s); returns the combined ones.

    ``jobs`` are the run's records (``notebook``, ``unit``, ``html``, ``status``) in report order.
    The combined document opens with the index page (also kept as ``pdf/index.pdf``); the summary
    report is not repeated after it when the index opens with it (its job did not fail). A page
    Chromium cannot print is reported in one line and left out; the run goes on.
    """
    started = time.perf_counter()
    root = wave.params.root or Path(".")
    direction = "rtl" if wave.language == "fa" else "ltr"
    combined: list[Path] = []
    n_pages = n_reports = 0
    try:
        with Chromium(chromium, timeout=timeout) as browser:

            def printed(html: Path, target: Path, title: str) -> bytes | None:
                try:
                    data = browser.print_pdf(html, direction=direction)
                    save_pdf(data, target, title)
                    return data
                except Exception as exc:  # noqa: BLE001 - one page that cannot be printed must not stop the others
                    log(f"warning: {wave.id}: {os.path.relpath(target, root)} not written: {_reason(exc, root)}")
                    return None

            for unit, unit_jobs in _report_sets(wave, jobs):
                folder = wave.params.unit_dir(unit)
                label = f"{wave.id} · {unit}" if unit else wave.id
                summary = next((j for j in unit_jobs if j.notebook == SUMMARY and j.status != "failed"), None)
                parts = []
                index = folder / "index.html"
                if index.is_file() and (data := printed(index, folder / "pdf" / "index.pdf", label)):
                    also = (folder / summary.html,) if summary else ()
                    parts.append(PdfPart(titles.get(SUMMARY, label) if summary else label, index, data, also))
                for job in unit_jobs:
                    title = titles.get(job.notebook, job.notebook)
                    html, target = folder / job.html, folder / "pdf" / f"{Path(job.html).stem}.pdf"
                    if data := printed(html, target, f"{title} — {label}"):
                        n_reports += 1
                        if not (job is summary and parts):  # the index page already shows it
                            parts.append(PdfPart(title, html, data))
                if parts:
                    target = folder / (f"{wave.id}-{folder.name}.pdf" if unit else f"{wave.id}.pdf")
                    n_pages += merge_pdfs(parts, target, label)
                    combined.append(target)
    except Exception as exc:  # noqa: BLE001 - the PDFs come after the wave's pages: they never stop the run
        log(f"warning: {wave.id}: PDFs not made: {_reason(exc, root)}")
        return combined
    shown = ", ".join(os.path.relpath(p, root) for p in combined) or "none"
    log(f"{wave.id:<10} PDF {shown} ({n_reports} reports, {n_pages} pages, {time.perf_counter() - started:.1f} s)")
    return combined


def _reason(exc: Exception, root: Path) -> str:
    """What went wrong, in one line without the project's folder names."""
    return plain_error(str(exc) if isinstance(exc, PdfError) else f"{type(exc).__name__}: {exc}", root)
