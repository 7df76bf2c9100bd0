"""`transferlings serve` in headless Chromium: how long until the home screen is drawn
after the page is opened, and how long until the server and every process of a session
(the app and its grading worker) are gone after Ctrl+C (SIGINT) or a SIGKILL of the
server (the app notices alone). Needs Debian's chromium and chromium-driver.

    python benchmarks/serve.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from serve_browser import chromium, descendants, missing_browser, served, wait_for_text, wait_gone  # noqa: E402


def one(kind: str, env: dict) -> tuple[float, float]:
    with served(env=env) as (url, proc), chromium() as driver:
        started = time.monotonic()
        driver.get(url)
        wait_for_text(driver, "Continue", timeout=60)
        drawn = time.monotonic() - started
        time.sleep(3)  # the session's grading worker is up
        processes = descendants(proc.pid)
        started = time.monotonic()
        proc.send_signal(getattr(signal, kind))
        proc.wait()
        left = wait_gone(processes, 10)
        if left:
            raise SystemExit(f"{kind}: processes left behind: {left}")
        return drawn, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    why = missing_browser()
    if why:
        raise SystemExit(why)
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, TRANSFERLINGS_HOME=home, TRANSFERLINGS_LANG="en")
        drawn, gone = {}, {}
        for kind in ("SIGINT", "SIGKILL"):
            runs = [one(kind, env) for _ in range(args.runs)]
            drawn[kind] = [d for d, _ in runs]
            gone[kind] = [g for _, g in runs]
    print(f"home drawn after the page opens: median {statistics.median(drawn['SIGINT'] + drawn['SIGKILL']):.2f} s")
    for kind, label in (("SIGINT", "Ctrl+C (SIGINT) with a tab open"), ("SIGKILL", "server SIGKILLed")):
        print(f"{label}: server and session gone in median {statistics.median(gone[kind]):.2f} s "
              f"(max {max(gone[kind]):.2f} s, {args.runs} runs)")


if __name__ == "__main__":
    main()
