"""Warm kernels: each notebook gets its own clean kernel, forked from a zygote that imported the stack."""

import ast
import json
import os
import re
import shutil
import stat
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.notebooks import write_notebook
from csmlib.batch import execute, kernels, zygote

REPO = Path(__file__).resolve().parents[1]
warm_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernels are forked on Linux only")


def _run(tmp_path, name, *sources, **parameters):
    executed = tmp_path / f"{name}.out.ipynb"
    error = execute.execute_notebook(
        write_notebook(tmp_path / f"{name}.ipynb", *sources), executed, parameters=parameters, kernel="csm", timeout=60
    )
    nb = json.loads(executed.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    outputs = ["".join(o.get("text", "")) for c in code for o in c["outputs"]]
    return error, outputs, [c["execution_count"] for c in code]


def _module_imports(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}".startswith("csmlib.")}
    return modules


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ``from package.module import function``
        return False


def _warmed(module: str) -> bool:
    for warm in kernels.WARM_IMPORTS:
        package = warm.removesuffix(".*")
        if module == package or warm.startswith(f"{module}.") or (warm.endswith(".*") and module.startswith(f"{package}.")):
            return True
    return False


def test_the_zygote_imports_what_the_report_notebooks_import():
    wanted = set()
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
                wanted |= _module_imports("\n".join(lines))
    wanted = {m for m in wanted if m.split(".")[0] not in sys.stdlib_module_names and _is_module(m)}
    assert {m for m in wanted if not _warmed(m)} == set(), "add these to kernels.WARM_IMPORTS"


@warm_only
def test_nothing_of_one_notebook_is_visible_to_the_next(tmp_path):
    first = _run(
        tmp_path,
        "a",
        "import os, sys, types, matplotlib\nimport csmlib.stats.kano as kano\n"
        "leaked = 42\nkano.LEAKED = 1\nos.environ['CSM_LEAKED'] = '1'\n"
        "matplotlib.rcParams['lines.linewidth'] = 9\nsys.modules['csm_leaked'] = types.ModuleType('csm_leaked')\n"
        "print(os.getpid())",
    )
    second = _run(
        tmp_path,
        "b",
        "import os, sys\nprint('pandas' in sys.modules)",  # before the notebook imports anything: warm
        "import matplotlib\nimport csmlib.stats.kano as kano\n"
        "print('leaked' in globals(), hasattr(kano, 'LEAKED'), 'CSM_LEAKED' in os.environ, "
        "matplotlib.rcParams['lines.linewidth'], 'csm_leaked' in sys.modules)\nprint(os.getpid())",
    )
    assert first[0] == second[0] == ""
    assert second[1][0] == "True\n"  # the stack was imported before the notebook ran
    isolation, pid = second[1][1].splitlines()
    assert isolation == "False False False 1.5 False"
    assert first[1][0].strip() != pid  # another process
    assert second[2] == [1, 2, 3]  # warming up ran no cell: counts start at 1


@warm_only
def test_each_kernel_seeds_its_random_state_afresh(tmp_path):
    draws = [
        _run(tmp_path, f"r{i}", "import numpy as np, random\nprint(np.random.random(), random.random())")[1][0] for i in range(2)
    ]
    assert draws[0] != draws[1]


@warm_only
def test_the_kernel_runs_in_the_notebooks_folder_with_its_parameters(tmp_path):
    error, outputs, _ = _run(tmp_path, "p", "import os\nprint(os.getcwd(), x)", x=7)
    assert error == "" and outputs == [f"{tmp_path} 7\n"]


def test_a_kernel_that_dies_keeps_the_partial_notebook(tmp_path):
    error, outputs, _ = _run(tmp_path, "dead", "print('before')", "import os; os._exit(3)", "print('after')")
    assert "Dead" in error or "died" in error, error
    assert outputs[0] == "before\n" and "after\n" not in outputs


def test_cold_kernels_when_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CSM_WARM_KERNELS", "0")
    error, outputs, _ = _run(tmp_path, "cold", "import sys\nprint('pandas' in sys.modules)")
    assert error == "" and outputs == ["False\n"]


@warm_only
def test_a_zygote_that_cannot_serve_falls_back_to_cold_kernels(tmp_path, monkeypatch):
    # the inline backend, loaded without a shell, would never show a figure: the zygote refuses
    pool = kernels.KernelPool(imports=("matplotlib_inline.backend_inline",))
    monkeypatch.setattr(kernels, "_POOL", pool)
    try:
        for name in ("f1", "f2"):
            error, outputs, _ = _run(tmp_path, name, "import sys\nprint('matplotlib_inline.backend_inline' in sys.modules)")
            assert error == "" and outputs == ["False\n"]
        assert list(pool.broken.values()) == ["the inline matplotlib backend was loaded while importing"]
        assert pool.zygotes_started == 1  # not retried for every notebook
    finally:
        pool.close()


def test_a_changed_module_file_makes_the_zygote_stale(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("x = 1\n", encoding="utf-8")
    files = {str(module): module.stat().st_mtime_ns}
    assert not zygote.changed(files)
    os.utime(module, ns=(0, module.stat().st_mtime_ns + 1_000_000))
    assert zygote.changed(files)
    module.unlink()
    assert zygote.changed(files)


def test_the_zygote_watches_its_modules_and_matplotlibs_font_list():
    import matplotlib
    import matplotlib.font_manager

    files = zygote.module_files()
    assert zygote.__file__ in files and kernels.__file__ in files
    font_list = [f for f in files if Path(f).parent == Path(matplotlib.get_cachedir()) and Path(f).name.startswith("fontlist")]
    assert len(font_list) == 1  # a font installed and the list rebuilt: the zygote is stale


def test_only_a_plain_ipykernel_command_is_forked():
    assert kernels.interpreter_prefix([sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]) == [sys.executable]
    assert kernels.interpreter_prefix([sys.executable, "-m", "other_kernel", "-f", "c.json"]) is None
    assert kernels.interpreter_prefix(["env", "A=1", sys.executable, "-m", "ipykernel_launcher"]) is None


def test_a_file_the_notebook_left_open_is_written_when_its_kernel_ends(tmp_path):
    error, _, _ = _run(tmp_path, "file", f"handle = open({str(tmp_path / 'left-open.txt')!r}, 'w')\nhandle.write('kept')")
    assert error == "" and (tmp_path / "left-open.txt").read_text() == "kept"


@warm_only
def test_warm_kernels_starts_the_zygote_early_and_ends_it_after_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "_POOL", None)
    monkeypatch.setenv("CSM_KERNEL_IDLE_SECONDS", "0")  # a zygote of the run's own
    with kernels.warm_kernels("csm") as pool:
        zygote = pool.zygote
        assert zygote is not None  # importing before the first notebook asks for a kernel
        assert _run(tmp_path, "w", "print('ok')")[:2] == ("", ["ok\n"])
        assert pool.zygote is zygote and pool.zygotes_started == 1  # the same environment: used as is
        assert zygote.private is not None and zygote.alive()
    assert not zygote.alive() and not zygote.private.exists() and kernels._POOL is None


@warm_only
def test_the_next_run_finds_the_zygote_and_it_ends_when_idle(tmp_path, monkeypatch):
    """Kept between runs (as Quarto keeps its kernel daemon): a second run forks from the first
    run's zygote without importing again; idle long enough, it ends and gives up its socket."""
    monkeypatch.setenv("CSM_KERNEL_IDLE_SECONDS", "2")
    pids, started = [], []
    for name in ("first", "second"):
        # a light zygote of this test's own (other imports, another name): quick to start
        monkeypatch.setattr(kernels, "_POOL", kernels.KernelPool(imports=("json",)))
        with kernels.warm_kernels("csm") as pool:
            assert _run(tmp_path, name, "print('ok')")[:2] == ("", ["ok\n"])
            pids.append(pool.zygote.pid)
            started.append(pool.zygote.started)
            zygote = pool.zygote
    assert pids[0] == pids[1] and started == [True, False]
    assert zygote.private is None and stat.S_IMODE(zygote.path.parent.stat().st_mode) == 0o700
    assert zygote.alive() and zygote.path.exists()  # waiting for the next run
    deadline = time.monotonic() + 30
    while zygote.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not zygote.alive() and not zygote.path.exists() and not Path(f"{zygote.path}.lock").exists()


@warm_only
def test_a_zygote_whose_files_changed_is_replaced_at_the_next_run(tmp_path, monkeypatch):
    (tmp_path / "csm_probe_module.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("CSM_KERNEL_IDLE_SECONDS", "5")
    found = []
    for value in (1, 2):
        if value == 2:  # csmlib edited, a package upgraded: a new run must not fork the old code
            module = tmp_path / "csm_probe_module.py"
            module.write_text("VALUE = 2\n", encoding="utf-8")
            os.utime(module, ns=(0, module.stat().st_mtime_ns + 1_000_000_000))
        pool = kernels.KernelPool(imports=("csm_probe_module",))
        monkeypatch.setattr(kernels, "_POOL", pool)
        try:
            error, outputs, _ = _run(tmp_path, f"v{value}", "import csm_probe_module, os\nprint(csm_probe_module.VALUE)")
            found.append((outputs, pool.zygote.pid, pool.zygote.started))
        finally:
            pool.close()
    (out1, pid1, _), (out2, pid2, started2) = found
    assert out1 == ["1\n"] and out2 == ["2\n"] and pid1 != pid2 and started2


@warm_only
def test_kernels_end_with_the_connection_that_asked_for_them(tmp_path, monkeypatch):
    """A run that ends or dies (its connection closes) takes its kernels with it."""
    from jupyter_client.connect import write_connection_file
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setenv("CSM_KERNEL_IDLE_SECONDS", "3")
    argv = KernelSpecManager().get_kernel_spec("csm").argv
    connection, _ = write_connection_file(str(tmp_path / "kernel.json"))
    env = dict(os.environ)
    z = kernels.Zygote(kernels.interpreter_prefix(argv), env, str(tmp_path))
    try:
        assert z.wait_ready()
        pid = z.fork([a.replace("{connection_file}", connection) for a in argv], str(tmp_path), env)
        assert pid is not None and z.exit_status(pid) is None
    finally:
        z.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@warm_only
def test_a_kernel_writes_to_the_standard_output_of_its_run(tmp_path, capfd):
    error, _, _ = _run(tmp_path, "fd", "import os\nos.write(1, b'kernel-fd-1\\n'); os.write(2, b'kernel-fd-2\\n')")
    assert error == ""
    captured = capfd.readouterr()
    assert "kernel-fd-1" in captured.out and "kernel-fd-2" in captured.err


def test_runs_with_other_limits_use_another_zygote():
    """A kernel inherits its zygote's resource limits, file mask and priority, not its run's: a run
    capped otherwise (``ulimit``) must not be served by a zygote started without the cap."""
    import resource

    prefix, env = ["python"], {"A": "1"}
    name = kernels.zygote_name(prefix, env, "/", ("json",))
    assert kernels.zygote_name(prefix, {**env, "PWD": "/elsewhere", "PYTEST_CURRENT_TEST": "t"}, "/x", ("json",)) == name
    assert kernels.zygote_name(prefix, {**env, "B": "2"}, "/", ("json",)) != name
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft - 1, hard))
    try:
        assert kernels.zygote_name(prefix, env, "/", ("json",)) != name
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert kernels.zygote_name(prefix, env, "/", ("json",)) == name


def test_the_zygotes_folder_is_used_only_when_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = kernels.shared_folder()
    assert folder == tmp_path / "csm-kernels" and stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o777)  # others may enter
    assert kernels.shared_folder() is None
    folder.chmod(0o700)
    uid = os.getuid()
    monkeypatch.setattr(kernels.os, "getuid", lambda: uid + 1)  # another user's
    assert kernels.shared_folder() is None
    monkeypatch.undo()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / "csm-kernels").symlink_to(elsewhere)  # a link planted in its place
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "link"))
    assert kernels.shared_folder() is None


@warm_only
def test_without_a_private_folder_the_run_has_a_zygote_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "shared_folder", lambda: None)
    z = kernels.Zygote(*_spec_prefix_env(), str(tmp_path), imports=("json",))
    try:
        assert z.wait_ready() and z.private is not None
    finally:
        z.close()
    assert not z.alive() and not z.private.exists()


def _spec_prefix_env():
    from jupyter_client.kernelspec import KernelSpecManager

    return kernels.interpreter_prefix(KernelSpecManager().get_kernel_spec("csm").argv), dict(os.environ)


def test_the_zygote_serves_only_its_own_user_and_never_old_code(tmp_path, monkeypatch):
    """The zygote's side of a connection: another user's is closed unanswered; when its imported
    files have changed, a new connection is told so and the socket's name is given up."""
    import socket

    path = str(tmp_path / "z.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(4)
    module = tmp_path / "m.py"
    module.write_text("x = 1\n", encoding="utf-8")
    server = zygote.Server(listener, 60, [], {str(module): module.stat().st_mtime_ns})

    def connect():
        client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        client.connect(path)
        client.settimeout(5)
        return client

    a = connect()
    uid = os.getuid()
    assert zygote.peer_uid(a) == uid
    monkeypatch.setattr(zygote, "peer_uid", lambda sock: uid + 1)
    server.accept()
    assert zygote.receive(a) == (None, []) and not server.clients  # closed unanswered
    monkeypatch.undo()
    b = connect()
    server.accept()
    assert zygote.receive(b)[0] == {"ready": os.getpid(), "failed": []}
    os.utime(module, ns=(0, module.stat().st_mtime_ns + 1_000_000))
    c = connect()
    server.accept()
    assert zygote.receive(c)[0] == {"stale": True} and not os.path.exists(path) and server.retiring
    listener.close()
    for sock in (a, b, c):
        sock.close()


@warm_only
def test_a_failing_cell_keeps_the_partial_notebook(tmp_path):
    error, outputs, counts = _run(tmp_path, "fails", "print('before')", "1 / 0", "print('after')")
    assert error == "ZeroDivisionError: division by zero"
    assert outputs[0] == "before\n" and "after\n" not in outputs
    assert counts == [1, 2, 3, None]  # the cells after the failing one are not run


def test_a_run_inside_a_run_leaves_the_pool_to_the_outer_one(monkeypatch):
    monkeypatch.setattr(kernels, "_POOL", None)
    monkeypatch.setenv("CSM_WARM_KERNELS", "0")  # no zygote: only the scoping is looked at
    with kernels.warm_kernels("csm") as outer:
        with kernels.warm_kernels("csm") as inner:
            assert inner is outer and outer.runs == 2
        assert kernels._POOL is outer and outer.runs == 1
    assert kernels._POOL is None


def test_a_changed_zygote_serves_out_its_run_and_is_replaced_after_it(monkeypatch):
    class Stale:  # a zygote whose imported files changed since it started
        def __init__(self, prefix, env, cwd, imports=()):
            self.key, self.state, self.closed = (tuple(prefix), tuple(sorted(env.items()))), "ready", False

        def stale(self):
            return True

        def running(self):
            return set()

        def close(self):
            self.closed = True

    monkeypatch.setattr(kernels, "Zygote", Stale)
    pool = kernels.KernelPool()
    first = pool._zygote_for(["python"], {}, ".")
    pool.runs = 1
    assert pool._zygote_for(["python"], {}, ".") is first  # one run, one version of the code
    pool.runs = 0
    assert pool._zygote_for(["python"], {}, ".") is not first and first.closed


PROBE = "import os, sys\nprint('pandas' in sys.modules, os.getpid())"  # run before the notebook imports anything


@warm_only
@pytest.mark.parametrize("how", ["--jobs 1", "--jobs 2", pytest.param("--scheduler", marks=pytest.mark.slow)])
def test_pipeline_runs_each_notebook_in_a_warm_kernel_of_its_own(tmp_path, demo_root, how):
    """One at a time, two at a time (from two threads) and on Dask workers: warm kernels, one per
    notebook; a failing notebook keeps its partial notebook and gets a failure page."""
    from click.testing import CliRunner

    from csmlib.cli import main

    for folder in ("params", "data"):
        shutil.copytree(demo_root / folder, tmp_path / folder)
    notebooks = tmp_path / "probes"
    notebooks.mkdir()
    write_notebook(notebooks / "01_probe.ipynb", PROBE)
    write_notebook(notebooks / "02_fails.ipynb", PROBE, "raise ValueError('the probe fails')", "print('after')")
    run = ["run", str(tmp_path / "params" / "2025Q4.yaml"), "--notebooks", str(notebooks)]
    if how == "--scheduler":
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            result = CliRunner().invoke(main, [*run, "--scheduler", cluster.scheduler_address])
    else:
        result = CliRunner().invoke(main, [*run, *how.split()])
    assert result.exit_code == 1, result.output  # a notebook failed
    assert re.search(r"01_probe\s+ok", result.output) and re.search(
        r"02_fails\s+failed.*ValueError: the probe fails", result.output
    )
    out = tmp_path / "reports" / "2025Q4"
    pids = set()
    for name in ("01_probe", "02_fails"):
        cells = json.loads((out / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
        printed = ["".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
        warm, pid = next(p for p in printed if p.startswith(("True", "False"))).split()
        assert warm == "True", name  # the stack was imported before the notebook ran: a forked kernel
        assert "after\n" not in printed and (out / f"{name}.html").is_file()
        pids.add(pid)
    assert len(pids) == 2  # a kernel of its own each
    assert "the probe fails" in (out / "02_fails.html").read_text(encoding="utf-8")  # its failure page


class _Channel:
    """A client channel that hands out queued messages, then times out (``queue.Empty``)."""

    def __init__(self, messages):
        self.messages = list(messages)

    async def get_msg(self, timeout=None):
        from queue import Empty

        if not self.messages:
            raise Empty
        return self.messages.pop(0)


def _status(state: str, parent: str) -> dict:
    return {"msg_type": "status", "content": {"execution_state": state}, "parent_header": {"msg_id": parent}}


def _ready_client(shell, iopub):
    client = kernels.ReadyKernelClient(parent=kernels.PooledKernelManager())
    sent = []
    client.kernel_info = lambda: sent.append(f"info-{len(sent) + 1}") or sent[-1]

    async def alive():
        return True

    client._async_is_alive = alive
    client._shell_channel, client._iopub_channel = _Channel(shell), _Channel(iopub)
    return client, sent


def test_a_new_kernel_is_ready_at_its_idle_status_not_after_a_silence():
    """The wait ends at IOPub's idle after the answered kernel_info request: what follows is left
    unread (jupyter_client reads on until 0.2 s of silence)."""
    import asyncio

    reply = {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": "info-1"}, "content": {"protocol_version": "5.3"}}
    later = {"msg_type": "stream", "parent_header": {}, "content": {}}
    iopub = [{"msg_type": "iopub_welcome", "parent_header": {}}, _status("busy", "info-1"), _status("idle", "info-1"), later]
    client, sent = _ready_client([reply], iopub)
    asyncio.run(client.wait_for_ready(timeout=5))
    assert sent == ["info-1"] and client.iopub_channel.messages == [later]


def test_a_kernel_whose_status_was_missed_is_asked_again():
    """IOPub connected after the kernel published its status (nothing within 0.2 s): kernel_info is
    sent again and the wait ends at the idle of the second request."""
    import asyncio

    replies = [
        {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": f"info-{i}"}, "content": {"protocol_version": "5.3"}}
        for i in (1, 2)
    ]
    client, sent = _ready_client(replies, [])
    client._iopub_channel.messages = []
    original = client._idle_after

    async def idle_after(request_id, silence=0.2):
        if request_id == "info-2":  # by now IOPub is connected
            client._iopub_channel.messages = [_status("busy", "info-2"), _status("idle", "info-2")]
        return await original(request_id, silence)

    client._idle_after = idle_after
    asyncio.run(client.wait_for_ready(timeout=5))
    assert sent == ["info-1", "info-2"]
