"""Pre-started report kernels: a clean kernel per notebook without seconds of imports each.

Starting a kernel and importing the notebook stack (pandas, scipy, matplotlib, seaborn, csmlib)
takes seconds: most of a report's run. Here a *zygote* (:mod:`csmlib.batch.zygote`), started
with the interpreter and environment of the kernel's spec, imports the stack once and runs
nothing else; every kernel is forked from it. A forked kernel is a new process with its own
session, working directory, environment, arguments, standard streams and connection file,
exactly what ``ipykernel_launcher`` would have started, already past its imports. It runs one
notebook and is shut down by its notebook client as any kernel, so nothing one notebook does
(variables, module state, rcParams, the environment) reaches another. As soon as a kernel is
handed out, a spare one is forked for the next notebook and starts while this one runs.

Everything else is papermill's and nbclient's: :class:`PooledKernelManager` is an
``AsyncKernelManager`` whose provisioner takes its process from the pool instead of ``Popen``;
timeouts interrupt the kernel's process group, a dead kernel is noticed, a failing notebook
keeps its partial executed notebook. The ordinary start is used when the pool cannot serve:
not on Linux, a spec that is not ``python ... -m ipykernel_launcher``, a custom provisioner,
a zygote that failed to start (or ``CSM_WARM_KERNELS=0``).

The zygote outlives the run that started it: as Quarto keeps its kernel daemon between
renders, the next ``csm run`` of the same user, interpreter and environment finds it through a
UNIX socket in a folder only that user may enter (:func:`shared_folder`) and forks its kernels
at once, without the seconds of imports. It ends ``CSM_KERNEL_IDLE_SECONDS`` (default 300)
after its last run and kernel; with 0 (or without a safe folder) each run starts a zygote of
its own that ends with it. It serves only its own user (the socket's peer is checked), and a
run that ends or dies takes its kernels with it.

One pool per process (:func:`process_pool`): a run without ``--scheduler`` has one (with
``--jobs N`` its notebooks run from N threads, all with kernels of this pool) and each Dask
worker has its own. A run enters :func:`warm_kernels` (on a Dask worker:
:func:`begin_run` and :func:`end_run`), which connects to the zygote at once (starting it if
there is none, so that its imports overlap the run's own start and intake) and lets go of it
with the run. Within a run the notebooks all run the code as it was when the run's zygote
started; outside one, a zygote whose imported files changed since (csmlib edited, a package
upgraded) is replaced before it forks another kernel. The pool is also closed at exit and after
``IDLE_SECONDS`` without a notebook, and forgotten in a forked child.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from queue import Empty
from string import Template

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import LocalPortCache, write_connection_file
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type

from csmlib.batch.zygote import peer_uid, receive, send

LAUNCHER = "ipykernel_launcher"
# the notebook stack; ``package.*``: every module of the package. csmlib's modules import
# without side effects (no rcParams, options or files touched), so all of the layers the
# notebooks use are warmed, and a notebook's new import need not be listed here. The last
# three are imported inside csmlib's functions that the reports call (tables, text, registers)
WARM_IMPORTS = (
    "numpy",
    "pandas",
    "scipy.stats",
    "matplotlib.pyplot",
    "seaborn",
    "IPython.display",
    "csmlib.core.*",
    "csmlib.survey.*",
    "csmlib.stats.*",
    "csmlib.report.*",
    "pandas.io.formats.style",
    "mistune",
    "openpyxl",
)
PORTS = ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")
START_TIMEOUT = 120  # seconds for the zygote's imports on a loaded machine
IDLE_SECONDS = 300
# a zygote waits this long for the next run (CSM_KERNEL_IDLE_SECONDS); the environment variables
# below say where or when a command runs, not what a kernel imports
DAEMON_IDLE_SECONDS = 300.0
VOLATILE_ENV = frozenset({"PWD", "OLDPWD", "_", "SHLVL", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "CSM_KERNEL_IDLE_SECONDS"})
ZYGOTE_PROTOCOL = 2
# jupyter_client polls a kernel that was asked to shut down every 0.1 s: a tenth of a second
# per notebook spent waiting for a kernel that has already ended
SHUTDOWN_POLL_SECONDS = 0.01


def enabled() -> bool:
    """Are kernels forked from a warm zygote here (Linux, not switched off by ``CSM_WARM_KERNELS=0``)?"""
    return sys.platform.startswith("linux") and os.environ.get("CSM_WARM_KERNELS", "1") != "0"


def interpreter_prefix(cmd: list[str]) -> list[str] | None:
    """``[python, *flags]`` of a ``python [flags] -m ipykernel_launcher ...`` command, else None.

    >>> interpreter_prefix(["/v/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"])
    ['/v/bin/python', '-Xfrozen_modules=off']
    >>> interpreter_prefix(["conda", "run", "python", "-m", "ipykernel_launcher"]) is None
    True
    """
    for i in range(1, len(cmd) - 1):
        if cmd[i] == "-m":
            flags = cmd[1:i]
            return cmd[:i] if cmd[i + 1] == LAUNCHER and all(f.startswith("-") for f in flags) else None
    return None


class ForkedProcess:
    """The ``Popen`` interface the provisioner uses, for a kernel the zygote forked (and reaps)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: Zygote):
        self.pid, self.zygote = pid, zygote

    def poll(self) -> int | None:
        return self.zygote.exit_status(self.pid)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (status := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return status

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def idle_seconds() -> float:
    """How long a zygote waits for the next run after its last one (``CSM_KERNEL_IDLE_SECONDS``;
    0: it ends with its run)."""
    try:
        return max(0.0, float(os.environ.get("CSM_KERNEL_IDLE_SECONDS", DAEMON_IDLE_SECONDS)))
    except ValueError:
        return DAEMON_IDLE_SECONDS


def shared_folder() -> Path | None:
    """The folder of the zygotes' sockets, private to this user; None when it is not safe to use.

    ``$XDG_RUNTIME_DIR/csm-kernels`` (or ``csm-kernels-UID`` in the temporary folder), made with
    mode 0700. A folder that is a symbolic link, is another user's, or that others may enter is
    not used: the run's zygote is then its own, in a folder made for it.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) / "csm-kernels" if runtime else Path(tempfile.gettempdir()) / f"csm-kernels-{os.getuid()}"
    with contextlib.suppress(FileExistsError, OSError):
        folder.mkdir(mode=0o700)
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return folder


def zygote_name(prefix: list[str], env: dict[str, str], cwd: str, imports) -> str:
    """The name of the zygote that serves kernels of ``prefix`` in ``env``: equal when it imported the same
    and its kernels inherit what this process's children would (:func:`inherited_limits`).

    The environment counts but for what says where or when a command ran (``PWD``, pytest's
    current test, ...): each kernel still gets the environment of its own request. The folder
    counts only when ``PYTHONPATH`` has a relative entry (read from the starting folder).
    """
    relative = any(part and not os.path.isabs(part) for part in env.get("PYTHONPATH", "").split(os.pathsep))
    identity = {
        "protocol": ZYGOTE_PROTOCOL,
        "prefix": list(prefix),
        "env": {k: v for k, v in sorted(env.items()) if k not in VOLATILE_ENV},
        "cwd": cwd if relative else None,
        "imports": list(imports),
        "limits": inherited_limits(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def inherited_limits() -> dict:
    """What a child process inherits besides its environment: resource limits (``ulimit``), the
    file-creation mask and the scheduling priority. A zygote's kernels get the zygote's, so runs
    with other limits (a memory cap for a big wave) use another zygote."""
    import resource

    limits: dict = {
        name: resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource)) if name.startswith("RLIMIT_")
    }
    with contextlib.suppress(OSError, ValueError):
        limits["nice"] = os.getpriority(os.PRIO_PROCESS, 0)
    with contextlib.suppress(OSError, StopIteration):  # read without changing it (os.umask would, for all threads)
        status = Path("/proc/self/status").read_text().splitlines()
        limits["umask"] = next(line.split()[1] for line in status if line.startswith("Umask:"))
    return limits


class Zygote:
    """The pool's connection to a zygote process: start or find it, fork requests, exit statuses, staleness.

    A zygote kept between runs (``idle_seconds`` > 0) is found by its socket's name in
    :func:`shared_folder` and started when there is none; with 0, or without a safe folder, the
    run starts one of its own, which ends with the run.
    """

    def __init__(self, prefix: list[str], env: dict[str, str], cwd: str, imports=WARM_IMPORTS, idle: float | None = None):
        self.key = (tuple(prefix), tuple(sorted(env.items())))
        self._changed = threading.Condition()
        self.state = "starting"  # then "ready", "stale", "unusable" or "ended"
        self.reason = ""
        self.pid: int | None = None
        self.process: subprocess.Popen | None = None  # a zygote of this run's own
        self.started = False  # this connection started the zygote
        self._replies: dict[int, dict] = {}
        self._exits: dict[int, int] = {}
        self.forked: set[int] = set()
        self._next_id = 0
        idle = idle_seconds() if idle is None else idle
        folder = shared_folder() if idle > 0 else None
        self.private = None if folder is not None else Path(tempfile.mkdtemp(prefix="csm-zygote-"))
        self.path = path = (self.private or folder) / f"{zygote_name(prefix, env, cwd, imports)}.sock"
        try:
            with open(f"{path}.lock", "a") as lock:  # one starter at a time: two runs find one zygote
                fcntl.flock(lock, fcntl.LOCK_EX)
                self.sock = self._connect(path)
                if self.sock is None:
                    self.sock = self._start(path, prefix, env, cwd, imports, idle if self.private is None else 0)
        except BaseException:
            self._remove_private()
            raise
        threading.Thread(target=self._read, daemon=True, name="csm-zygote-reader").start()

    @staticmethod
    def _connect(path: Path) -> socket.socket | None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.connect(str(path))
            if peer_uid(sock) != os.getuid():  # a zygote of one's own only (the folder is too)
                raise PermissionError(path)
        except OSError:
            sock.close()
            return None
        return sock

    def _start(self, path: Path, prefix, env, cwd, imports, idle: float) -> socket.socket:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # the name of a zygote that ended without removing it
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(str(path))
            listener.listen(64)
            shared = self.private is None
            starter = subprocess.Popen(
                [*prefix, "-m", "csmlib.batch.zygote", str(listener.fileno()), repr(idle), *imports],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                # kept between runs, it writes nowhere; each kernel writes where its run does
                stdout=subprocess.DEVNULL if shared else None,
                stderr=subprocess.DEVNULL if shared else None,
                pass_fds=(listener.fileno(),),
                start_new_session=True,  # a Ctrl-C meant for csm does not reach it or its kernels
            )
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sock.connect(str(path))  # waits in the listener's queue until the imports are done
        finally:
            listener.close()
        if shared:  # the process started forks the zygote and ends at once: waited for, not left a zombie
            threading.Thread(target=starter.wait, daemon=True, name="csm-zygote-starter").start()
        else:  # the zygote itself, a child of this process
            self.process = starter
        self.started = True
        return sock

    def _read(self) -> None:
        while True:
            message, _ = receive(self.sock)
            if message is None:
                break
            with self._changed:
                if "ready" in message:
                    self.state, self.pid = "ready", message["ready"]
                elif "stale" in message and "id" not in message:
                    self.state, self.reason = "stale", "its imported files changed"
                elif "unusable" in message:
                    self.state, self.reason = "unusable", message["unusable"]
                elif "exited" in message:
                    self._exits[message["exited"]] = message["status"]
                else:
                    self._replies[message.get("id")] = message
                self._changed.notify_all()
        with self._changed:
            if self.state not in ("unusable", "stale"):
                self.reason = self.reason or "the zygote ended"
                self.state = "ended"
            self._changed.notify_all()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        with self._changed:
            self._changed.wait_for(lambda: self.state != "starting", timeout)
            return self.state == "ready"

    def _ask(self, message: dict, fds: list[int] | None = None, timeout: float = 30) -> dict:
        """Send a request; its reply ({} when none came)."""
        with self._changed:
            if self.state != "ready":
                return {}
            self._next_id += 1
            request_id = message["id"] = self._next_id
            if not send(self.sock, message, fds):
                return {}
            self._changed.wait_for(lambda: request_id in self._replies or self.state != "ready", timeout)
            return self._replies.pop(request_id, {})

    def fork(self, argv: list[str], cwd: str, env: dict[str, str], timeout: float = 30) -> int | None:
        """Fork a kernel started as ``argv`` in ``cwd`` with ``env``; its pid, or None."""
        with open(os.devnull, "wb") as null:
            # the kernel writes to this process's standard output and error, as one started here would
            streams = [fd if _is_open(fd) else null.fileno() for fd in (1, 2)]
            reply = self._ask({"argv": argv, "cwd": cwd, "env": env}, streams, timeout)
        if "forked" in reply:
            with self._changed:
                self.forked.add(reply["forked"])
        return reply.get("forked")

    def exit_status(self, pid: int) -> int | None:
        """A forked kernel's exit code, None while it runs."""
        with self._changed:
            if pid in self._exits:
                return self._exits[pid]
            if self.state == "ready":
                return None
        try:  # the zygote is gone: its children were reparented, and are reaped by their new parent
            os.kill(pid, 0)
            return None
        except ProcessLookupError:
            return -signal.SIGKILL
        except PermissionError:  # the pid was reused by another user's process
            return -signal.SIGKILL

    def running(self) -> set[int]:
        with self._changed:
            return self.forked - set(self._exits)

    def stale(self) -> bool:
        """Has a file the zygote imported changed since it started (a stale zygote would run old code)?"""
        return self._ask({"check": "stale"}, timeout=10).get("stale", True)

    def alive(self) -> bool:
        """Is the zygote process still there?"""
        if self.process is not None:
            return self.process.poll() is None
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return False

    def close(self) -> None:
        """End the connection; the kernels it forked that still run are killed. A zygote of this run
        alone ends with it; a shared one waits for the next run."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        if self.process is not None:
            if self.state == "starting":  # still importing (a run that needed no kernel): nothing forked yet
                with contextlib.suppress(OSError):
                    self.process.kill()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._remove_private()

    def _remove_private(self) -> None:
        if self.private is not None:
            shutil.rmtree(self.private, ignore_errors=True)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


class Spare:
    """A kernel forked ahead of its notebook, with the connection file it was started with."""

    def __init__(self, key: tuple, process: ForkedProcess, connection_file: str, info: dict):
        self.key, self.process, self.connection_file, self.info = key, process, connection_file, info

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(self.process.pid, signal.SIGKILL)
        remove_connection_file(self.connection_file, self.info)


def remove_connection_file(path: str, info: dict) -> None:
    cache = LocalPortCache.instance()
    for port in PORTS:
        cache.return_port(info[port])
    with contextlib.suppress(OSError):
        os.remove(path)


def request_key(cmd: list[str], connection_file: str, env: dict[str, str], cwd: str) -> tuple:
    """What a kernel was started with, but for its connection file (each kernel has its own)."""
    return tuple("{connection_file}" if a == connection_file else a for a in cmd), tuple(sorted(env.items())), cwd


class KernelPool:
    """The zygote of this process and the spare kernel forked from it for the next notebook."""

    def __init__(self, imports=WARM_IMPORTS, idle_seconds: float = IDLE_SECONDS):
        self.imports = tuple(imports)
        self.idle_seconds = idle_seconds
        self.zygote: Zygote | None = None
        self.spare: Spare | None = None
        self.zygotes_started = 0
        self.runs = 0  # runs under way in this process (warm_kernels, begin_run): the zygote stays as it is
        self.broken: dict[tuple, str] = {}  # zygotes that could not serve: those kernels start cold
        self._lock = threading.RLock()
        self._idle_timer: threading.Timer | None = None

    def prepare(self, kernel_name: str) -> None:
        """Start the zygote of ``kernel_name`` now (it imports while the run does other work)."""
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec(kernel_name)
        prefix = interpreter_prefix(spec.argv)
        if prefix is None or spec.metadata.get("kernel_provisioner"):
            return
        env = dict(os.environ)  # as jupyter_client's provisioner builds a kernel's environment
        env.update({k: Template(v).safe_substitute(os.environ) for k, v in spec.env.items()})
        if spec.language.lower().startswith("python"):
            env.pop("PYTHONEXECUTABLE", None)
        with self._lock:
            self._zygote_for(prefix, env, os.getcwd())

    def _zygote_for(self, prefix: list[str], env: dict[str, str], cwd: str) -> Zygote | None:
        key = (tuple(prefix), tuple(sorted(env.items())))
        zygote = self.zygote
        if zygote is not None and zygote.key == key:
            if zygote.state == "starting" or (zygote.state == "ready" and (self.runs or not zygote.stale())):
                return zygote
            if zygote.state in ("unusable", "ended"):
                self.broken[key] = zygote.reason
        if key in self.broken:
            return None
        self._drop_zygote(wait_for_kernels=True)
        try:
            self.zygote = Zygote(prefix, env, cwd, self.imports)
        except OSError as exc:  # e.g. the spec's interpreter is gone: its kernels fail as they would cold
            self.broken[key] = f"the zygote did not start: {exc}"
            return None
        self.zygotes_started += 1
        return self.zygote

    def _drop_zygote(self, wait_for_kernels: bool = False) -> None:
        spare_pid = None
        if self.spare is not None:
            spare_pid = self.spare.process.pid
            self.spare.discard()
            self.spare = None
        if self.zygote is not None:
            zygote, self.zygote = self.zygote, None
            if wait_for_kernels and zygote.running() - {spare_pid}:  # a notebook still runs in one of its kernels
                threading.Thread(target=_close_when_done, args=(zygote, spare_pid), daemon=True).start()
            else:
                zygote.close()

    def launch(self, cmd: list[str], km, env: dict[str, str], cwd: str) -> tuple[ForkedProcess, Spare | None] | None:
        """A running kernel for ``cmd`` (the spare when it matches) and a new spare; None: start it yourself."""
        prefix = interpreter_prefix(cmd)
        if prefix is None or not km.connection_file:
            return None
        with self._lock:
            self._cancel_idle()
            zygote = self._zygote_for(prefix, env, cwd)
            if zygote is not None and not zygote.wait_ready() and zygote.state == "stale":
                zygote = self._zygote_for(prefix, env, cwd)  # a fresh one: the old one gave up its name
            if zygote is None or not zygote.wait_ready():
                if zygote is not None:
                    self.broken[zygote.key] = zygote.reason or "the zygote did not start in time"
                return None
            key = request_key(cmd, km.connection_file, env, cwd)
            spare, self.spare = self.spare, None
            if spare is not None and (spare.key != key or spare.process.zygote is not zygote or spare.process.poll() is not None):
                spare.discard()
                spare = None
            if spare is not None:
                process = spare.process
            else:
                pid = zygote.fork(cmd, cwd, env)
                if pid is None:
                    return None
                process = ForkedProcess(pid, zygote)
            if getattr(km, "curve_publickey", None) is None:  # a spare's connection file has no CurveZMQ keys
                self.spare = self._fork_spare(zygote, cmd, km, env, cwd, key)
            self._arm_idle()
            return process, spare

    def _fork_spare(self, zygote: Zygote, cmd: list[str], km, env: dict[str, str], cwd: str, key: tuple) -> Spare | None:
        cache = LocalPortCache.instance()
        ports = {port: cache.find_available_port(km.ip) for port in PORTS}
        path = str(Path(km.connection_file).with_name(f"kernel-{uuid.uuid4()}.json"))
        _, info = write_connection_file(
            path,
            ip=km.ip,
            key=str(uuid.uuid4()).encode(),
            transport=km.transport,
            signature_scheme=km.session.signature_scheme,
            kernel_name=km.kernel_name,
            **ports,
        )
        pid = zygote.fork([path if a == km.connection_file else a for a in cmd], cwd, env)
        if pid is None:
            remove_connection_file(path, info)
            return None
        return Spare(key, ForkedProcess(pid, zygote), path, info)

    def _arm_idle(self) -> None:
        if self.idle_seconds:
            self._idle_timer = threading.Timer(self.idle_seconds, self._close_if_idle)
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def _cancel_idle(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _close_if_idle(self) -> None:
        with self._lock:
            spare_pid = self.spare.process.pid if self.spare else None
            if self.zygote is not None and self.zygote.running() - {spare_pid}:
                self._arm_idle()  # a long notebook is still running
            else:
                self._drop_zygote()

    def close(self, wait_for_kernels: bool = False) -> None:
        """Discard the spare kernel and end the zygote (``wait_for_kernels``: once its notebooks are done)."""
        with self._lock:
            self._cancel_idle()
            self._drop_zygote(wait_for_kernels)


def _close_when_done(zygote: Zygote, spare_pid: int | None) -> None:
    while zygote.running() - {spare_pid}:
        time.sleep(0.5)
    zygote.close()


_POOL: KernelPool | None = None
_POOL_LOCK = threading.Lock()


def process_pool() -> KernelPool:
    """This process's pool, created on first use."""
    with _POOL_LOCK:
        return _pool_under_lock()


def _pool_under_lock() -> KernelPool:
    global _POOL
    if _POOL is None:
        _POOL = KernelPool()
    return _POOL


def close_process_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.close()


def _forget_pool() -> None:  # a forked child must not share its parent's zygote and spare
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


atexit.register(close_process_pool)
os.register_at_fork(after_in_child=_forget_pool)


def begin_run(kernel_name: str | None = None) -> None:
    """A run of notebooks begins in this process; :func:`end_run` ends it (Dask workers get both
    through ``Client.run``).

    With ``kernel_name``, the zygote starts importing at once, so that its imports overlap
    whatever the run does before its first notebook (without, the first notebook starts it).
    Until the run ends, the zygote is not replaced when its files change: the run's notebooks all
    run one version of the code.
    """
    with _POOL_LOCK:  # not between end_run's last look at the pool and its closing it
        pool = _pool_under_lock()
        pool.runs += 1
    if kernel_name and enabled():
        with contextlib.suppress(Exception):  # no early start: the first notebook starts the zygote
            pool.prepare(kernel_name)


def end_run() -> None:
    """The end of a run begun by :func:`begin_run`: with no other run under way, the spare kernel
    and the zygote end (the zygote once the kernels still running have finished)."""
    global _POOL
    with _POOL_LOCK:
        pool = _POOL
        if pool is None:
            return
        pool.runs = max(pool.runs - 1, 0)
        if pool.runs:
            return
        _POOL = None
    pool.close(wait_for_kernels=True)


@contextlib.contextmanager
def warm_kernels(kernel_name: str | None = None):
    """A run of notebooks in this process (:func:`begin_run`, :func:`end_run`); yields the pool.

    Entered again inside itself (the command line enters it before the pipeline does), the
    innermost exit leaves the pool to the outermost.
    """
    begin_run(kernel_name)
    try:
        yield process_pool()
    finally:
        end_run()


class PooledProvisioner(LocalProvisioner):
    """``LocalProvisioner`` whose kernel process comes from the process's :class:`KernelPool`."""

    adopted: Spare | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        launched = None
        if enabled():
            try:
                launched = process_pool().launch(cmd, self.parent, env, cwd)
            except Exception:  # the pool never fails a notebook: this kernel starts the ordinary way
                launched = None
        if launched is None:
            return await super().launch_kernel(cmd, **kwargs)
        process, self.adopted = launched
        self.process, self.pid, self.pgid, self.cwd = process, process.pid, process.pid, cwd
        if self.adopted is not None:  # the spare was started with its own connection file
            cache = LocalPortCache.instance()
            for port in PORTS:
                cache.return_port(self.connection_info[port])
            self.connection_info = dict(self.adopted.info, key=self.adopted.info["key"].encode())
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if self.adopted is not None and not restart:
            with contextlib.suppress(OSError):
                os.remove(self.adopted.connection_file)


class ReadyKernelClient(AsyncKernelClient):
    """nbclient's kernel client, told that a new kernel is ready as soon as the kernel says so.

    jupyter_client's ``wait_for_ready`` gets a ``kernel_info`` reply, then empties IOPub until it
    has been silent for 0.2 s: a fifth of a second per notebook in which nothing happens, as long
    as a warm kernel takes to start. Here the wait ends with the message that says the kernel is
    ready: IOPub's ``idle`` status after the answered ``kernel_info`` request (everything the
    kernel published before it is read and dropped, as there). The rest is jupyter_client's: the
    request is sent again while no reply comes or IOPub is not yet connected (no status within
    0.2 s: the kernel published it before this client subscribed), and a dead kernel or the
    timeout raise ``RuntimeError``.
    """

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        if not isinstance(self.parent, KernelManager):  # as jupyter_client: heartbeats first
            while not await self._async_is_alive():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond to heartbeats in {timeout} seconds and timed out")
                await asyncio.sleep(0.2)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                if await self._idle_after(reply["parent_header"].get("msg_id")):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    wait_for_ready = _async_wait_for_ready

    async def _idle_after(self, request_id: str | None, silence: float = 0.2) -> bool:
        """Read IOPub up to the kernel's ``idle`` after request ``request_id``; False after ``silence`` seconds without a message."""
        while True:
            try:
                message = await self.iopub_channel.get_msg(timeout=silence)
            except Empty:
                return False
            if (
                message["msg_type"] == "status"
                and message["content"].get("execution_state") == "idle"
                and message["parent_header"].get("msg_id") == request_id
            ):
                return True


class PooledKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` (what nbclient uses) starting its kernel through :class:`PooledProvisioner`,
    with a :class:`ReadyKernelClient`."""

    client_class = DottedObjectName("csmlib.batch.kernels.ReadyKernelClient")
    client_factory = Type(klass="jupyter_client.asynchronous.AsyncKernelClient", default_value=ReadyKernelClient)

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
        await super()._async_finish_shutdown(waittime, min(pollinterval, SHUTDOWN_POLL_SECONDS), restart)

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None and not self.kernel_spec.metadata.get("kernel_provisioner"):
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = PooledProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
