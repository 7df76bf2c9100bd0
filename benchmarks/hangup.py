"""How long after the terminal hangs up until no process of the app is left.

Starts `python -m quiz` under a fresh pseudo-terminal, idle or grading an infinite loop
(transfer_rate, reached through the command palette as a user would), closes the
terminal's master side (as closing the window or `tmux kill-session` does) and times until
the app, its grading worker and the grading child are all gone. The target is 2 s (tests/test_hangup.py).

    python benchmarks/hangup.py [--runs 3]
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT))

from grader import registry  # noqa: E402
from quiz.storage import workspace  # noqa: E402

KEYS = ["\x10", "transfer_rate", "\r", "r"]  # command palette, the exercise, grade


def alive() -> dict[int, tuple[int, str]]:
    table = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if fields[0] != "Z":
            table[int(entry)] = (int(fields[1]), cmd)
    return table


def tree(pid: int) -> set[int]:
    table, found = alive(), {pid}
    while grown := {p for p, (parent, _) in table.items() if parent in found} - found:
        found |= grown
    return found & set(table)


def one_run(grading: bool) -> float:
    tmp = Path(tempfile.mkdtemp())
    ws = tmp / "ws"
    ws.mkdir()
    for ex in registry.exercises():
        shutil.copyfile(workspace.pristine(ex.name), ws / ex.filename)
    (ws / workspace.MARKER).write_text("")
    (ws / "transfer_rate.py").write_text("while True:\n    pass\n")
    env = dict(os.environ, TRANSFERLINGS_HOME=str(tmp / "home"), TERM="xterm-256color", PYTHONPATH=str(ROOT))
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(ws)
        os.execve(sys.executable, [sys.executable, "-m", "quiz"], env)

    def drain(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([master], [], [], 0.05)[0]:
                os.read(master, 65536)

    def workers() -> int:
        return sum("grader.run.worker" in alive().get(p, (0, ""))[1] for p in tree(pid))

    while workers() < 1:
        drain(0.1)
    if grading:
        for key in KEYS:
            drain(1.0)
            os.write(master, key.encode())
        deadline = time.monotonic() + 60
        while workers() < 2:
            if time.monotonic() > deadline:
                sys.exit("the grading never started: the keys no longer reach the exercise screen")
            drain(0.1)
        drain(1.0)
    before = tree(pid)
    os.close(master)
    start = time.monotonic()
    while before & set(alive()):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.005)
    shutil.rmtree(tmp, ignore_errors=True)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name, grading in (("idle", False), ("grading an infinite loop", True)):
        times = [one_run(grading) for _ in range(args.runs)]
        print(f"{name:26} all processes gone {statistics.median(times):.2f} s after the hang-up "
              f"(median of {args.runs}, max {max(times):.2f} s)")


if __name__ == "__main__":
    main()
