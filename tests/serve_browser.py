"""Helpers for the browser tests of `transferlings serve`: the server on a free loopback
port, and Debian's headless Chromium (through /usr/bin/chromedriver, so Selenium never
downloads a driver) reading the terminal's text out of xterm.js.

textual-serve's page draws the terminal with xterm.js on a canvas (WebGL), so the screen
is pixels: there is no text in the DOM. The xterm Terminal object is a local inside
textual.js, so it is caught as it is made: before any script of the page runs (CDP
Page.addScriptToEvaluateOnNewDocument), a setter for `terminal` on Object.prototype keeps
what textual.js assigns (`this.terminal = new Terminal(...)`) as window.__xterm, and
xterm's public buffer API gives every row as text (wide characters included).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parent.parent

HOOK = r"""
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(v) {
    Object.defineProperty(this, "terminal", {value: v, writable: true, configurable: true, enumerable: true});
    if (v && typeof v.loadAddon === "function" && v.buffer) { window.__xterm = v; }
  },
});
"""

SCREEN_JS = r"""
const t = window.__xterm;
if (!t) { return null; }
const b = t.buffer.active, rows = [];
for (let i = 0; i < t.rows; i++) {
  const line = b.getLine(b.viewportY + i);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\n");
"""


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return (f"{path} not found: `apt-get install -y chromium chromium-driver` (Debian; .ci/run does it) "
                    "to run the browser tests")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(*options: str, env: dict):
    """`transferlings serve --port P OPTIONS` in its own process group; yields (url, the
    server's Popen). Its output goes to a file (an unread pipe would fill and block the
    server); an error in the block gets its last lines attached. The server gets a
    SIGINT (Ctrl+C) at the end, then a SIGKILL if it is still there."""
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "quiz", "serve", "--port", str(port), *options], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        end = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with status {proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > end:
                    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/", proc
    except BaseException as e:
        log.seek(0)
        e.add_note("--- server output ---\n" + log.read().decode(errors="replace")[-3000:])
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@contextmanager
def chromium(width: int = 1200, height: int = 760):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                # offline: no name but loopback resolves, so a page that needs the internet shows it
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL),
                              options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
        yield driver
    finally:
        driver.quit()


def screen_text(driver) -> str | None:
    return driver.execute_script(SCREEN_JS)


def wait_for_text(driver, needle: str, timeout: float = 30) -> str:
    end = time.monotonic() + timeout
    text = None
    while time.monotonic() < end:
        text = screen_text(driver)
        if text and needle in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never appeared on the served screen; it shows:\n{text}")


def wait_for_gone(driver, needle: str, timeout: float = 20) -> str:
    end = time.monotonic() + timeout
    text = None
    while time.monotonic() < end:
        text = screen_text(driver)
        if text is not None and needle not in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} is still on the served screen:\n{text}")


def press(driver, *keys: str) -> None:
    """Type into xterm's hidden textarea, as a person types into the page. A lone ESC
    followed at once by a key reads as alt+key: wait for the screen after an escape."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(*keys)


def foreign_resources(driver) -> list[str]:
    """What the page loaded from anywhere but this machine."""
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [u for u in urls if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1"))]


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (a grading worker sits in its own session, not its group)."""
    found, todo = [], [pid]
    while todo:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(todo.pop())], capture_output=True, text=True).stdout
        children = [int(x) for x in out.split()]
        found += children
        todo += children
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]
