"""Watch latency: from saving the exercise file to the first failing check on screen, and
to the whole result, for `transferlings watch freezing` in a pseudo-terminal (a real
terminal session: the warm worker, file polling, streamed events, rendering).

    python benchmarks/watch_latency.py [--saves N] [--json]
Target: save -> first failing check <= 0.5 s (median) for freezing on this machine.

Saves are atomic renames, as editors do; the clock starts just before the rename. Two
kinds of save, as in an edit loop: "same" saves a try that still fails the check that
failed first last time (watch runs that check first, as pytest's --ff), "new" saves a
different wrong implementation (from tests/mutants/freezing, in turn), whose first
failure has to stream in with the full run.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ["requires_grad_only.py", "head_not_reenabled.py", "one_off_eval.py", "whole_model_eval.py"]
FIRST, DONE = b"first failing check", b"FAIL "


class Session:
    def __init__(self, home: Path, workspace: Path):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(workspace)
            os.environ.update(TRANSFERLINGS_HOME=str(home), PYTHONPATH=str(ROOT), COLUMNS="120")
            os.execv(sys.executable, [sys.executable, "-m", "quiz", "watch", "freezing", "--device", "cpu", "--lang", "en"])
        self.out = b""

    def wait_for(self, marker: bytes, start: int, timeout: float = 120) -> tuple[float, int]:
        """Time when `marker` first appears after offset `start`, and the offset past it."""
        end = time.monotonic() + timeout
        while True:
            found = self.out.find(marker, start)
            if found >= 0:
                return time.monotonic(), found + len(marker)
            if time.monotonic() > end:
                raise SystemExit(f"no {marker!r} within {timeout} s:\n{self.out[-2000:].decode(errors='replace')}")
            ready, _, _ = select.select([self.fd], [], [], 0.005)
            if ready:
                self.out += os.read(self.fd, 65536)

    def quit(self) -> None:
        os.write(self.fd, b"q")
        os.waitpid(self.pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, ws = Path(tmp) / "home", Path(tmp) / "ws"
        ws.mkdir(parents=True)
        target = ws / "freezing.py"
        shutil.copy(ROOT / "tests/mutants/freezing" / MUTANTS[0], target)
        (ws / ".transferlings-workspace").write_text("")
        session = Session(home, ws)
        _, offset = session.wait_for(DONE, 0)  # worker started, first grading shown
        figures: dict[str, list[float]] = {}
        for i in range(args.saves):
            for kind in ("same", "new"):
                mutant = MUTANTS[(i + (kind == "new")) % len(MUTANTS)]
                tmp_file = ws / ".freezing.py.swp"
                tmp_file.write_text((ROOT / "tests/mutants/freezing" / mutant).read_text() + f"\n# {kind} {i}\n")
                t0 = time.monotonic()
                os.replace(tmp_file, target)
                t_first, offset = session.wait_for(FIRST, offset)
                t_done, offset = session.wait_for(DONE, offset)
                figures.setdefault(f"{kind}: save_to_first_failure", []).append(t_first - t0)
                figures.setdefault(f"{kind}: save_to_full_result", []).append(t_done - t0)
                time.sleep(0.3)
        session.quit()
    summary = {"saves_of_each_kind": args.saves}
    for key, values in figures.items():
        summary[f"{key}_median_s"] = round(statistics.median(values), 3)
        summary[f"{key}_max_s"] = round(max(values), 3)
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:42} {value}")


if __name__ == "__main__":
    main()
