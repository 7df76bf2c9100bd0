"""The worker's side of isolating grading runs (grader.guard.confine does the child's):
who the candidate runs as, what it may read, its scratch folder and environment.

    sandbox = Sandbox.here()                 # once, after the preload: the probe
    sandbox.reap()                           # in each worker process: become the subreaper
    scratch, policy, env, nproc = sandbox.prepare(impl_file, device)   # before each fork
    sandbox.finish()                         # after each run: kill every descendant
    sandbox.clean(scratch)                   # once the result is sent: remove the scratch folder

What a child may read: the standard library, site-packages, system libraries, the
grader's fixture data and the candidate's own file. Denied (the self-test checks them):
the reference solutions, the grader's sources (hidden checks included), the progress
store and the home folder. Writable: only the run's scratch folder.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from grader.guard import confine, environment, processes

ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Where the app keeps its progress store (quiz.storage.locations.home, repeated
    here: the grader never imports the app)."""
    override = os.environ.get("TRANSFERLINGS_HOME")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "transferlings"


@dataclass
class Sandbox:
    uid: int | None  # who candidate code runs as (None: as this process's user)
    denied: list[str]
    readable: list[str]
    expected: confine.Isolation  # what probe() says confine() will achieve
    nproc: tuple[float, int] = (0.0, 0)  # (when, RLIMIT_NPROC) for a run as this process's user

    @classmethod
    def here(cls) -> "Sandbox":
        uid = confine.NOBODY if os.geteuid() == 0 else None
        denied = [str(ROOT / "solutions"), str(ROOT / "grader"), str(data_dir()), os.path.expanduser("~")]
        readable = confine.grading_readable(denied, extra=[ROOT / "grader" / "fixtures"])
        # linecache holds the source of every module a warm-up traceback went through:
        # keep it (a run formats torch's stacks on every manual_seed), but not the grader's
        confine.scrub_linecache(confine.policy(readable, denied=denied, uid=uid))
        return cls(uid, denied, readable, confine.probe(uid))

    def reap(self) -> None:
        """Make this process the reaper of every orphan its runs leave (not inherited
        across fork: each worker calls it)."""
        if not processes.become_subreaper():
            self.expected.missing.append("no subreaper: a daemon the candidate starts may outlive its run")
            self.expected.settle(any(a.startswith("landlock") for a in self.expected.applied))

    def prepare(self, impl_file: str, device: str) -> tuple[str, confine.Policy, dict, int]:
        devices = confine.gpu_devices() if device == "cuda" else []
        readable = self.readable + [impl_file] + (list(confine.GPU_READABLE) if device == "cuda" else [])
        policy = confine.policy(readable, denied=self.denied, devices=devices, uid=self.uid)
        scratch = environment.make_scratch(self.uid)
        user = environment.user_name(self.uid if self.uid is not None else os.geteuid())
        return scratch, policy, environment.child_env(scratch, user), self._nproc()

    def _nproc(self) -> int:
        """64 for the dedicated uid; for this process's user, how many processes and
        threads it has now plus 64 (a /proc walk, so at most every 10 seconds)."""
        if self.uid is not None:
            return 64
        if time.monotonic() - self.nproc[0] > 10:
            self.nproc = (time.monotonic(), processes.nproc_for(os.getuid()))
        return self.nproc[1]

    @staticmethod
    def finish() -> None:
        processes.kill_descendants()

    @staticmethod
    def clean(scratch: str) -> None:
        environment.remove_scratch(scratch)
