"""Open a page in headless Chromium as a person would, through the DevTools protocol.

Collects console errors, uncaught exceptions and every network request, and takes a
screenshot. Used by the report tests; needs Debian's ``chromium`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1280,1600",
]


@dataclass
class PageVisit:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:", "blob:"))]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def visit(path: Path, screenshot: Path | None = None, timeout: float = 30) -> PageVisit:
    import websocket

    profile = Path(tempfile.mkdtemp(prefix="csm-chromium-"))
    proc = subprocess.Popen(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + timeout
        while not port_file.is_file() or not port_file.read_text().strip():
            if time.time() > deadline:
                raise TimeoutError("chromium did not start")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        import urllib.request

        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json").read())
        page = next(t for t in targets if t["type"] == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout)
        counter = iter(range(1, 10_000))
        out = PageVisit()

        def send(method, **params):
            msg_id = next(counter)
            ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == msg_id:
                    return msg.get("result", {})
                handle(msg)

        def handle(msg):
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Network.requestWillBeSent":
                out.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                out.exceptions.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.console_errors.append(params["entry"]["text"])

        for domain in ("Network", "Runtime", "Log", "Page"):
            send(f"{domain}.enable")
        send("Page.navigate", url=path.resolve().as_uri())
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = json.loads(ws.recv())
            handle(msg)
            if msg.get("method") == "Page.loadEventFired":
                break
        time.sleep(0.5)
        out.title = send("Runtime.evaluate", expression="document.title")["result"].get("value", "")
        if screenshot is not None:
            height = send("Runtime.evaluate", expression="document.body.scrollHeight")["result"]["value"]
            shot = send(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": 1280, "height": min(int(height), 6000), "scale": 1},
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        ws.close()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
