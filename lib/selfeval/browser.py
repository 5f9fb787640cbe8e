"""Find and run Debian's Chromium headless: print pages to PDF, inspect pages over DevTools.

Chromium always runs with a throw-away profile, no background networking, every request
pointed at a dead proxy (so a page can never reach the network) and a hard timeout: it
cannot hang a scheduled run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from selfeval.config import chromium_override

INSTALL_HINT = (
    "Chromium is not installed: install it with `apt-get install -y chromium` (Debian) "
    "— the HTML pack was still published."
)
CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium", "/usr/lib/chromium/chromium")
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
)
OFFLINE_FLAGS = ("--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>")
LOCAL_SCHEMES = ("file:", "data:", "about:", "chrome-error:", "devtools:")


class BrowserMissing(RuntimeError):
    """Chromium is not installed."""

    def __init__(self, message: str = INSTALL_HINT) -> None:
        super().__init__(message)


class BrowserFailed(RuntimeError):
    """Chromium ran but did not do what was asked (crash, timeout, no output)."""


def find_chromium() -> Path | None:
    """Chromium's executable (``$SELFEVAL_CHROMIUM`` first), or None if it is not installed."""
    override = chromium_override()
    for name in (override,) if override else CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def require_chromium() -> Path:
    """Chromium's executable, or BrowserMissing with how to install it."""
    chromium = find_chromium()
    if chromium is None:
        raise BrowserMissing()
    return chromium


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)


def run_chromium(args: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess:
    """Run headless Chromium once with a throw-away profile; kill it all after ``timeout`` s."""
    chromium = require_chromium()
    with tempfile.TemporaryDirectory(prefix="selfeval-chromium-") as profile:
        cmd = [str(chromium), *HEADLESS_FLAGS, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)
            raise BrowserFailed(f"Chromium did not finish within {timeout:.0f} seconds") from exc
        except BaseException:
            _kill_group(proc)
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def print_to_pdf(html: Path, pdf: Path, *, timeout: float = 180) -> Path:
    """Print a local HTML file to PDF with headless Chromium (print CSS applies)."""
    pdf = Path(pdf).resolve()
    pdf.unlink(missing_ok=True)
    result = run_chromium(
        [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", Path(html).resolve().as_uri()],
        timeout=timeout,
    )
    if not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (result.stderr or "").strip().splitlines()[-3:]
        raise BrowserFailed(
            f"Chromium did not write {pdf.name} (exit {result.returncode}): {' | '.join(tail)}"
        )
    return pdf


# --- DevTools: open pages like a reader would, and watch what they do -------------------------


@dataclass
class PageReport:
    """What a headless reader saw on one page."""

    url: str
    title: str = ""
    lang: str = ""
    h1_count: int = 0
    images: list[dict] = field(default_factory=list)  # alt, width (naturalWidth), complete
    nav_links: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for

    @property
    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]


_PAGE_FACTS = """JSON.stringify({
  title: document.title,
  lang: document.documentElement.lang,
  h1: document.querySelectorAll('h1').length,
  images: Array.from(document.images).map(i => ({
    alt: i.getAttribute('alt'), width: i.naturalWidth, complete: i.complete})),
  nav: Array.from(document.querySelectorAll('nav.site-nav a')).map(a => a.getAttribute('href'))
})"""


class DevTools:
    """A minimal Chrome DevTools Protocol client for one page (needs ``websocket-client``)."""

    def __init__(self, ws_url: str, timeout: float) -> None:
        import websocket  # websocket-client

        self.timeout = timeout
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.events: list[dict] = []
        self._next_id = 0

    def _receive(self) -> dict:
        return json.loads(self.ws.recv())

    def call(self, method: str, **params) -> dict:
        """Send one command and wait for its result (events seen meanwhile are kept)."""
        self._next_id += 1
        self.ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = self._receive()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise BrowserFailed(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            self.events.append(message)
        raise BrowserFailed(f"{method}: no answer within {self.timeout:.0f} seconds")

    def wait_for(self, event: str) -> dict:
        """Wait for an event (it may already have arrived)."""
        for message in self.events:
            if message.get("method") == event:
                return message
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = self._receive()
            self.events.append(message)
            if message.get("method") == event:
                return message
        raise BrowserFailed(f"no {event} within {self.timeout:.0f} seconds")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserFailed(f"script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def close(self) -> None:
        self.ws.close()


def _page_target(port: int, timeout: float) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as response:
            targets = json.loads(response.read())
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise BrowserFailed("Chromium opened no page")


@contextmanager
def devtools(timeout: float = 60) -> Iterator[DevTools]:
    """Headless Chromium (offline, throw-away profile) with a DevTools session on its page."""
    chromium = require_chromium()
    with tempfile.TemporaryDirectory(prefix="selfeval-chromium-") as profile:
        cmd = [
            str(chromium),
            *HEADLESS_FLAGS,
            *OFFLINE_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        session = None
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not port_file.is_file() or not port_file.read_text().strip():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise BrowserFailed("Chromium did not start its DevTools server")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            session = DevTools(_page_target(port, timeout), timeout)
            for domain in ("Page", "Runtime", "Log", "Network"):
                session.call(f"{domain}.enable")
            yield session
        finally:
            if session is not None:
                session.close()
            _kill_group(proc)


def _facts(session: DevTools, url: str) -> PageReport:
    facts = json.loads(session.evaluate(_PAGE_FACTS))
    return PageReport(
        url=url,
        title=facts["title"],
        lang=facts["lang"],
        h1_count=facts["h1"],
        images=facts["images"],
        nav_links=facts["nav"],
    )


def _collect(session: DevTools, report: PageReport) -> None:
    """Move console errors and requests seen since the last page into ``report``."""
    for message in session.events:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            report.requests.append(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            report.console_errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            report.console_errors.append(" ".join(str(a.get("value")) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            report.console_errors.append(params["entry"].get("text", "error"))
    session.events.clear()


def read_pack(index_html: Path, *, timeout: float = 60) -> list[PageReport]:
    """Open ``index_html`` from disk and follow its navigation bar to every page, by clicking.

    Returns one report per page visited (index first).
    """
    index_url = Path(index_html).resolve().as_uri()
    reports: list[PageReport] = []
    with devtools(timeout) as session:
        session.events.clear()
        session.call("Page.navigate", url=index_url)
        session.wait_for("Page.loadEventFired")
        first = _facts(session, index_url)
        _collect(session, first)
        reports.append(first)
        for href in first.nav_links:
            if href == "index.html":
                continue
            session.events.clear()
            clicked = session.evaluate(
                "(() => { const a = Array.from(document.querySelectorAll('nav.site-nav a'))"
                f".find(a => a.getAttribute('href') === {json.dumps(href)});"
                " if (!a) return false; a.click(); return true; })()"
            )
            if not clicked:
                raise BrowserFailed(f"no navigation link to {href}")
            session.wait_for("Page.loadEventFired")
            url = session.evaluate("location.href")
            report = _facts(session, url)
            _collect(session, report)
            reports.append(report)
    return reports
