"""The warm parent of report kernels: it imports the notebook stack once, then forks kernels.

Started by :mod:`csmlib.batch.kernels` with the interpreter and flags of the kernel's spec
(``python -Xfrozen_modules=off -m csmlib.batch.zygote LISTEN_FD IDLE_SECONDS MODULE...``) and a
listening UNIX socket the starter bound. It imports what a kernel imports as it starts
(``ipykernel_launcher``, the kernel class and its debugger) plus ``MODULE...`` — and nothing
runs in it: no kernel, no notebook, no figure. Each request forks a child that becomes exactly
the kernel ``ipykernel_launcher`` would have started (same arguments, working directory,
environment, standard output and error, own session and process group, a freshly seeded global
random state) but without the seconds of imports. A child serves one notebook and exits;
nothing of one child reaches another. Its exit is a normal one (threads joined, exit handlers
run, streams flushed) but for the teardown of the interpreter's objects, which Python does not
promise and which took a second per kernel.

It serves every ``csm`` process of its user that connects (a run, the next run, a Dask worker),
as Quarto keeps a kernel daemon between renders, and ends ``IDLE_SECONDS`` after its last
connection closed and its last kernel ended. With 0 it is the zygote of one run: it stays the
run's child process (its kernels count in the run's memory and time) and ends with the run. A
connection from another user is closed unanswered. A connection that closes (its run ended or
died) takes the kernels it asked for with it. A zygote whose imported files have changed since
(csmlib edited, a package upgraded) answers a new connection ``{"stale": true}``, gives up its
socket's name and ends once its runs are done; the starter starts a fresh one.

Protocol: one JSON object per message on a ``SOCK_SEQPACKET`` connection. On connecting:
``{"ready": pid, "failed": [modules]}``, ``{"stale": true}`` or ``{"unusable": reason}``.
Requests: ``{"id": n, "argv": [...], "cwd": ..., "env": {...}}`` with the kernel's standard
output and error attached (``SCM_RIGHTS``), answered ``{"id": n, "forked": pid}`` or
``{"id": n, "error": text}``; ``{"id": n, "check": "stale"}``, answered ``{"id": n, "stale":
bool}``. ``{"exited": pid, "status": code}`` when one of the connection's kernels ends (the
zygote reaps its children). A zygote that cannot serve safely answers ``{"unusable": reason}``
and ends; the pool then starts kernels the ordinary way.
"""

from __future__ import annotations

import atexit
import fcntl
import gc
import importlib
import importlib.util
import json
import os
import pkgutil
import select
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path

LAUNCHER = "ipykernel_launcher"
# what ipykernel's kernelapp.init_gui_pylab sets unless the environment chose a backend; set
# before matplotlib is imported here, as it is before any notebook cell imports it in a kernel
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# imported as an IPKernelApp initialises, a third of a second per kernel (the debugger imports
# debugpy); ipykernel.kernelapp itself is imported first
KERNEL_IMPORTS = ("ipykernel.ipkernel", "ipykernel.debugger")
# environment variables the imports set (debugpy sets PYDEVD_USE_FRAME_EVAL unless given):
# a kernel importing them itself would have them, so each kernel gets them unless its own
# environment says otherwise
IMPORTED_ENV: dict[str, str] = {}


def warm_up(modules: list[str]) -> tuple[list[str], str]:
    """Import ``modules`` as a kernel would; return (the ones that failed, why the zygote is unusable or "")."""
    if sys.path and Path(sys.path[0] or ".").resolve() == Path.cwd():  # as ipykernel_launcher does
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    # read when ipykernel is imported: the kernels' parent, whose end ends them, is this process
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    environ = dict(os.environ)
    import ipykernel.kernelapp  # noqa: F401  (the kernel's own start-up imports)

    failed = []
    for module in [*KERNEL_IMPORTS, *_expand(modules)]:
        try:
            importlib.import_module(module)
        except Exception:  # a kernel or notebook importing it fails the same way in its own kernel
            failed.append(module)
    IMPORTED_ENV.update({k: v for k, v in os.environ.items() if environ.get(k) != v})
    # the inline backend hooks into the kernel's shell when first loaded: loaded here, with no
    # shell, it would never display a figure in the kernels forked from here
    if "matplotlib_inline.backend_inline" in sys.modules:
        return failed, "the inline matplotlib backend was loaded while importing"
    if threading.active_count() > 1:  # a fork copies only the forking thread
        return failed, f"{threading.active_count()} threads running after the imports"
    # what the imports left is the kernels' shared, read-only past: the cycle collector of a
    # kernel leaves it alone, so that a collection (IPython runs one at exit) neither takes a
    # second over the whole stack nor copies every page of it into the kernel
    gc.collect()
    gc.freeze()
    return failed, ""


def _expand(modules: list[str]):
    """The modules, with ``package.*`` standing for every module of the package."""
    for module in modules:
        if not module.endswith(".*"):
            yield module
            continue
        try:
            package = importlib.import_module(module[:-2])
        except Exception:
            continue
        yield from (i.name for i in pkgutil.walk_packages(package.__path__, f"{package.__name__}.", onerror=lambda _: None))


def module_files() -> dict[str, int]:
    """Modification time of every imported module's file, and of matplotlib's list of fonts (read
    as matplotlib is imported: a font installed and the list rebuilt since): a change means the
    zygote is stale."""
    paths = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
    font_manager = sys.modules.get("matplotlib.font_manager")
    if font_manager is not None:
        import matplotlib

        paths.append(os.path.join(matplotlib.get_cachedir(), f"fontlist-v{font_manager.FontManager.__version__}.json"))
    files = {}
    for path in paths:
        if path:
            try:
                files[path] = os.stat(path).st_mtime_ns
            except OSError:
                pass
    return files


def changed(files: dict[str, int]) -> bool:
    """Has any of ``files`` (path → modification time) changed or gone since?"""
    for path, mtime in files.items():
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return True
        except OSError:
            return True
    return False


MESSAGE_BYTES = 1 << 20  # a request: a kernel's arguments and environment


def send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> bool:
    """Send one message (with file descriptors attached); False when the other end is gone."""
    data = json.dumps(message).encode()
    try:
        if fds:
            socket.send_fds(sock, [data], fds)
        else:
            sock.send(data)
        return True
    except OSError:
        return False


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict | None, list[int]]:
    """One message and the descriptors attached to it; (None, []) when the connection has ended."""
    try:
        data, fds, _flags, _ = socket.recv_fds(sock, MESSAGE_BYTES, max_fds)
    except OSError:
        return None, []
    if not data:
        return None, fds
    try:
        message = json.loads(data)
    except ValueError:
        message = None
    return (message if isinstance(message, dict) else None), fds


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end of a UNIX socket (``SO_PEERCRED``)."""
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return uid


class Server:
    """The zygote's connections, its kernels (each of one connection) and its lifetime."""

    def __init__(self, listener: socket.socket, idle_seconds: float, failed: list[str], files: dict[str, int]):
        self.listener, self.idle_seconds, self.failed, self.files = listener, idle_seconds, failed, files
        self.path = listener.getsockname()
        try:
            self.name = os.stat(self.path)  # the socket's name, given up only while it is still this one's
        except OSError:
            self.name = None
        self.clients: dict[socket.socket, set[int]] = {}
        self.owner: dict[int, socket.socket] = {}
        self.retiring = False
        self.idle_since = time.monotonic()

    def give_up_name(self) -> None:
        """Remove the socket's name (no new connection reaches this zygote) unless another zygote took it."""
        if self.name is None:
            return
        with open(f"{self.path}.lock", "a") as lock:  # the lock a starter holds while it looks and starts
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                now = os.stat(self.path)
                if (now.st_dev, now.st_ino) == (self.name.st_dev, self.name.st_ino):
                    os.unlink(self.path)
                    # the lock goes too (a starter that opened it already may start a second
                    # zygote of the name: harmless, the one that lost its name ends when idle)
                    os.unlink(lock.name)
            except OSError:
                pass
        self.name = None

    def serve(self) -> dict:
        """Fork a kernel per request; return the request in the child, end the process in the zygote."""
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake select(); children are reaped below
        while True:
            self.reap()
            busy = bool(self.clients or self.owner)
            timeout = None
            if not busy:  # a connection already waiting is served, even past the idle time
                timeout = max(0.0, self.idle_since + (0 if self.retiring else self.idle_seconds) - time.monotonic())
            # the listener too once its name is given up: runs that connected before are served
            ready, _, _ = select.select([self.listener, wake_r, *self.clients], [], [], timeout)
            if not ready and not busy:
                self.give_up_name()
                self.retiring = True
                while select.select([self.listener], [], [], 0)[0]:  # a run that connected meanwhile is served
                    self.accept()
                if not self.clients:
                    os._exit(0)
                continue
            if wake_r in ready:
                os.read(wake_r, 512)
            if self.listener in ready:
                self.accept()
            for client in [c for c in ready if c in self.clients]:
                request = self.handle(client)
                if request is not None:  # in the forked kernel
                    signal.set_wakeup_fd(-1)
                    for fd in (wake_r, wake_w):
                        os.close(fd)
                    return request

    def accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        if peer_uid(client) != os.getuid():  # only its own user's runs fork kernels here
            client.close()
            return
        if changed(self.files):  # old code: a new run gets a fresh zygote
            self.retiring = True
            self.give_up_name()
            send(client, {"stale": True})
            client.close()
            return
        if send(client, {"ready": os.getpid(), "failed": self.failed}):
            self.clients[client] = set()
        else:
            client.close()

    def handle(self, client: socket.socket) -> dict | None:
        message, fds = receive(client, max_fds=2)
        if message is None:  # the run is over or died: so are the notebooks its kernels ran
            for fd in fds:
                os.close(fd)
            self.drop(client)
            return None
        if message.get("check") == "stale":
            send(client, {"id": message.get("id"), "stale": changed(self.files)})
            return None
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            send(client, {"id": message.get("id"), "error": f"fork failed: {exc}"})
            return None
        if pid == 0:
            for fd, target in zip(fds, (1, 2)):  # the run's own standard output and error
                os.dup2(fd, target)
            for fd in fds:
                os.close(fd)
            self.listener.close()
            for other in self.clients:
                other.close()
            return message
        for fd in fds:
            os.close(fd)
        self.clients[client].add(pid)
        self.owner[pid] = client
        send(client, {"id": message.get("id"), "forked": pid})
        return None

    def drop(self, client: socket.socket) -> None:
        for pid in self.clients.pop(client, set()):
            _kill_group(pid)
        client.close()
        self.idle_since = time.monotonic()

    def reap(self) -> None:
        while self.owner:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            client = self.owner.pop(pid, None)
            if client is not None and client in self.clients:
                self.clients[client].discard(pid)
                send(client, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})
            self.idle_since = time.monotonic()


def _kill_group(pid: int) -> None:
    """Kill a kernel and its process group (the kernel itself also before it made its group)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def become_kernel(request: dict, zygote_pid: int) -> None:
    """In the forked child: take on the kernel's session, files, environment and arguments; run it."""
    os.setsid()  # as jupyter_client's launcher: its own session, interrupted through its group
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for name, value in IMPORTED_ENV.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    os.environ["JPY_PARENT_PID"] = str(zygote_pid)  # the kernel ends if its parent (the zygote) dies
    argv = request["argv"]
    launcher = importlib.util.find_spec(LAUNCHER).origin
    sys.argv = [launcher, *argv[argv.index(LAUNCHER) + 1 :]]
    if "numpy" in sys.modules:  # a fresh kernel seeds numpy's global generator from the OS
        sys.modules["numpy"].random.seed()
    from ipykernel import kernelapp

    try:
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    # the rest of a normal exit: other threads joined, exit handlers run (IPython's among them,
    # which clears the notebook's namespace), the standard streams flushed. Tearing down the
    # interpreter's modules and objects, half a second for the whole stack, is skipped as in
    # multiprocessing's forked workers: Python promises nothing more at exit
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def main(argv: list[str]) -> None:
    listen_fd, idle_seconds, modules = int(argv[0]), float(argv[1]), argv[2:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the pool ends it, not a Ctrl-C meant for csm
    if idle_seconds > 0 and os.fork():  # kept between runs: the starter waits for this process only
        os._exit(0)
    listener = socket.socket(fileno=listen_fd)
    failed, unusable = warm_up(modules)
    os.chdir("/")  # the folder it was started in may go; each kernel is given its own
    server = Server(listener, idle_seconds, failed, module_files())
    if unusable:
        server.give_up_name()
        listener.setblocking(False)
        while True:  # the connections already waiting are told why
            try:
                client, _ = listener.accept()
            except OSError:
                break
            send(client, {"unusable": unusable})
            client.close()
        return
    zygote_pid = os.getpid()
    request = server.serve()
    become_kernel(request, zygote_pid)


if __name__ == "__main__":
    main(sys.argv[1:])
