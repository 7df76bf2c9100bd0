"""The worker's hold on what a grading run starts: it reaps and kills every descendant,
and measures the run's memory by unique pages.

- `become_subreaper()`: orphans of a run (a setsid + double-fork daemon) are re-parented
  to the worker instead of init, so `kill_descendants()` after each run finds and kills
  them. Not inherited across fork: each zygote-forked worker calls it itself.
- `tree(pid)`: a process and all its descendants; `resident_mb` / `proportional_mb` of
  such a tree count anonymous and shared-memory pages only (what a run allocates), never
  file pages such as libtorch's code, which every process on the machine shares.
  PSS (proportional set size, /proc/PID/smaps_rollup) counts a page shared by N
  processes as 1/N in each, so a run that forks Python workers is charged each
  copy-on-write page once, not once per process; resident size (cheap, /proc/PID/status)
  is its upper bound.
"""

from __future__ import annotations

import os
import signal
import time

from grader.guard import kernel


def become_subreaper() -> bool:
    try:
        kernel.prctl(kernel.PR_SET_CHILD_SUBREAPER, 1)
        return True
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """Direct children of `pid`, from every thread's list."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out += map(int, f.read().split())
        except OSError:
            pass
    return out


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, frontier = [pid], [pid]
    while frontier:
        for child in children(frontier.pop()):
            if child not in found:
                found.append(child)
                frontier.append(child)
    return found


def resident_mb(pids: list[int]) -> float:
    """Resident anonymous and shared-memory pages of `pids`, each page once per process."""
    return _sum_kb(pids, "status", (b"RssAnon:", b"RssShmem:")) / 1024


def proportional_mb(pids: list[int]) -> float:
    """Anonymous and shared-memory pages of `pids` by PSS: a page shared by N processes
    counts 1/N in each, so pages shared only inside `pids` are counted once in all."""
    return _sum_kb(pids, "smaps_rollup", (b"Pss_Anon:", b"Pss_Shmem:")) / 1024


def _sum_kb(pids: list[int], proc_file: str, fields: tuple[bytes, ...]) -> int:
    """The sum of the kB `fields` in /proc/PID/`proc_file` over `pids` (a gone process: 0)."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/{proc_file}", "rb") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith(fields))
        except (OSError, IndexError, ValueError):
            pass
    return total


def reap_zombies() -> int:
    """Reap exited children (orphans pile up as zombies under a subreaper)."""
    n = 0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return n
        if not pid:
            return n
        n += 1


def kill_descendants(timeout: float = 5.0) -> int:
    """SIGKILL and reap every child of this (subreaper) process, round after round:
    killing one re-parents its own children to us. Returns how many were signalled."""
    killed = 0
    me = os.getpid()
    deadline = time.monotonic() + timeout
    reap_zombies()
    while time.monotonic() < deadline:
        kids = children(me)
        if not kids:
            break
        for kid in kids:
            try:
                os.kill(kid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for kid in kids:
            while time.monotonic() < deadline:
                try:
                    if os.waitpid(kid, os.WNOHANG)[0]:
                        break
                except ChildProcessError:
                    break
                time.sleep(0.0005)
    return killed


def nproc_for(uid: int, headroom: int = 64) -> int:
    """RLIMIT_NPROC for a run as `uid`: the limit counts every process and thread of the
    real uid system-wide, so it is that count now plus `headroom`."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as f:
                real = None
                for line in f:
                    if line.startswith(b"Uid:"):
                        real = int(line.split()[1])
                    elif line.startswith(b"Threads:"):
                        if real == uid:
                            count += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            pass
    return count + headroom
