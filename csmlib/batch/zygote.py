"""The warm parent of report kernels: it imports the notebook stack once, then forks kernels.

Run by :mod:`csmlib.batch.kernels` with the interpreter and flags of the kernel's spec
(``python -Xfrozen_modules=off -m csmlib.batch.zygote CMD_FD REPLY_FD MODULE...``). It imports
what a kernel imports as it starts (``ipykernel_launcher``, the kernel class and its debugger)
plus ``MODULE...`` — and nothing runs in it: no kernel, no notebook, no figure. Each request
forks a child that becomes exactly the kernel ``ipykernel_launcher`` would have started (same
arguments, working directory, environment, own session and process group, a freshly seeded
global random state) but without the seconds of imports. A child serves one notebook and
exits; nothing of one child reaches another. Its exit is a normal one (threads joined, exit
handlers run, streams flushed) but for the teardown of the interpreter's objects, which Python
does not promise and which took a second per kernel.

Protocol, one JSON object a line. Requests on ``CMD_FD``: ``{"id": n, "argv": [...],
"cwd": ..., "env": {...}}``. Replies on ``REPLY_FD``: ``{"ready": pid, "files": {path: mtime_ns},
"failed": [modules]}`` once, then ``{"id": n, "forked": pid}`` or ``{"id": n, "error": text}`` per
request and ``{"exited": pid, "status": code}`` when a kernel ends (the zygote reaps its
children). End of file on ``CMD_FD`` (the pool closed, or its process died) kills the kernels
still running and ends the zygote. A zygote that cannot serve safely replies
``{"unusable": reason}`` and ends; the pool then starts kernels the ordinary way.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import importlib.util
import json
import os
import pkgutil
import select
import signal
import sys
import threading
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


def _send(fd: int, message: dict) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode())


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
    """Modification time of every imported module's file: a change means the zygote is stale."""
    files = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path:
            try:
                files[path] = os.stat(path).st_mtime_ns
            except OSError:
                pass
    return files


def serve(cmd_fd: int, reply_fd: int) -> dict:
    """Fork a kernel per request; return the request in the child, end the process in the zygote."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake select(); children are reaped below
    children: set[int] = set()
    buffer = b""
    while True:
        _reap(children, reply_fd)
        ready, _, _ = select.select([cmd_fd, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        if cmd_fd not in ready:
            continue
        chunk = os.read(cmd_fd, 65536)
        if not chunk:  # the pool is gone: so are the notebooks these kernels were running
            for pid in children:
                _kill_group(pid)
            os._exit(0)
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                pid = os.fork()
            except OSError as exc:
                _send(reply_fd, {"id": request["id"], "error": f"fork failed: {exc}"})
                continue
            if pid == 0:
                signal.set_wakeup_fd(-1)
                for fd in (cmd_fd, reply_fd, wake_r, wake_w):
                    os.close(fd)
                return request
            children.add(pid)
            _send(reply_fd, {"id": request["id"], "forked": pid})


def _reap(children: set[int], reply_fd: int) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        _send(reply_fd, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
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
    cmd_fd, reply_fd, modules = int(argv[0]), int(argv[1]), argv[2:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the pool ends it, not a Ctrl-C meant for csm
    failed, unusable = warm_up(modules)
    if unusable:
        _send(reply_fd, {"unusable": unusable})
        return
    _send(reply_fd, {"ready": os.getpid(), "files": module_files(), "failed": failed})
    zygote_pid = os.getpid()
    request = serve(cmd_fd, reply_fd)
    become_kernel(request, zygote_pid)


if __name__ == "__main__":
    main(sys.argv[1:])
