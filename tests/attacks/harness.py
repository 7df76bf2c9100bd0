"""Running the hostile submissions of this folder (c<class>_<trick>.py) and judging them:
each one's docstring names its class and what must come of it:

    exercise: probe                       the exercise it is graded as
    expected: not pass                    a non-pass verdict
    expected: pass, flag process at 16    a pass carrying that run-time flag (kind, line)
    expected: flag exec at 10             that run-time flag, whatever the verdict
    expected: check "NAME" not pass       that one check does not pass

Placeholders in an attack's source are filled per run: @ROOT@ (the checkout), @GRADERS@
(the grader's folder), @HOME@ (the worker's HOME), @TMP@ (a folder outside the run),
@SIBLING@ (another submission's folder), @PORT@ / @UDP_PORT@ (listeners on 127.0.0.1),
@SECRET_NAME@ (a variable of the caller's environment holding a secret).

After every attack the host is checked for harm: .bashrc, the other submission's file,
files in @TMP@, a conftest.py beside the grader, runs in the progress store, bytes at the
listeners, the secret or grader source in the result, and processes left alive. Used by
tests/test_attacks.py and benchmarks/attack_figures.py (which runs on older revisions
too: it relies only on Grader.grade and the result schema).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FAULTS = ROOT / "tests" / "faults"
SECRET_NAME, SECRET = "TRANSFERLINGS_TEST_API_TOKEN", "tok-5f1e-3c9a-secret"
SIBLING_SOURCE = "def answer():\n    return 42\n"
SOLUTION_MARK = "head_prefix = head + \".\""  # a line only the reference solution of prior_knowledge has


def attacks() -> list[Path]:
    return sorted(HERE.glob("c[0-9]_*.py"))


@dataclasses.dataclass(frozen=True)
class Spec:
    exercise: str
    expected: str
    harm: str

    @classmethod
    def of(cls, path: Path) -> "Spec":
        doc = path.read_text().split('"""')[1]  # the source holds placeholders: not Python yet
        fields = dict(re.findall(r"^(exercise|expected|harm): (.+)$", doc, re.M))
        return cls(fields["exercise"], fields["expected"], fields.get("harm", ""))


class Listener:
    """A TCP and a UDP socket on 127.0.0.1 that keep whatever reaches them."""

    def __init__(self) -> None:
        self.received = b""
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._tcp, daemon=True), threading.Thread(target=self._udp, daemon=True)]
        for t in self.threads:
            t.start()

    @property
    def ports(self) -> tuple[int, int]:
        return self.tcp.getsockname()[1], self.udp.getsockname()[1]

    def _tcp(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    while chunk := conn.recv(65536):
                        self.received += chunk
                except OSError:
                    pass

    def _udp(self) -> None:
        while not self.stop.is_set():
            try:
                self.received += self.udp.recv(65536)
            except OSError:
                continue

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()
        self.tcp.close()
        self.udp.close()


@dataclasses.dataclass
class World:
    """A fake user around one warm grader: HOME, progress store, a temp folder,
    submissions, listeners and a secret in the caller's environment."""

    base: Path
    grader: object
    listener: Listener

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def tmp(self) -> Path:
        return self.base / "tmp"

    @property
    def subs(self) -> Path:
        return self.base / "subs"


@contextmanager
def world(base: Path, grader_class, **grader_kwargs):
    """Start a Grader (of `grader_class`) whose caller has a fake HOME, progress store and
    a secret in its environment; yields the World."""
    for folder in ("home", "data", "tmp", "subs"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    (base / "home" / ".bashrc").write_text("# the user's own\n")
    saved = {k: os.environ.get(k) for k in ("HOME", "TRANSFERLINGS_HOME", SECRET_NAME)}
    os.environ.update(HOME=str(base / "home"), TRANSFERLINGS_HOME=str(base / "data"), **{SECRET_NAME: SECRET})
    listener = Listener()
    grader = grader_class(**grader_kwargs)
    try:
        grader.start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield World(base, grader, listener)
    finally:
        grader.close()
        listener.close()


def fill(source: str, w: World, grader_dir: Path, sibling: Path) -> str:
    tcp, udp = w.listener.ports
    for key, value in {"@ROOT@": ROOT, "@GRADERS@": grader_dir, "@HOME@": w.home, "@TMP@": w.tmp,
                       "@SIBLING@": sibling, "@PORT@": tcp, "@UDP_PORT@": udp, "@SECRET_NAME@": SECRET_NAME}.items():
        source = source.replace(key, str(value))
    return source


def _runs(data: Path) -> int:
    db = data / "progress.sqlite3"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("select count(*) from runs").fetchone()[0]
        except sqlite3.Error:
            return 0


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@dataclasses.dataclass
class Outcome:
    spec: Spec
    result: dict
    harms: list[str]

    @property
    def runtime_flags(self) -> list[dict]:
        return [f for f in self.result.get("flags", []) if f.get("source") == "runtime"]

    def passed(self) -> bool:
        check = re.match(r'check "(.+)" not pass', self.spec.expected)
        if check:
            return any(t["name"] == check.group(1) and t["status"] == "pass" for t in self.result["tests"])
        return self.result["status"] == "pass"

    @property
    def category(self) -> str:
        """blocked (no pass), flagged (a pass with a run-time flag), static (a pass flagged
        only by the source scan), undetected (a pass, no flag)."""
        if not self.passed():
            return "blocked"
        if self.runtime_flags:
            return "flagged"
        return "static" if self.result.get("flags") else "undetected"

    def meets_expectation(self) -> bool:
        flag = re.search(r"flag (\w+) at (\d+)", self.spec.expected)
        if flag and not any(f["kind"] == flag.group(1) and f["line"] == int(flag.group(2))
                            for f in self.runtime_flags):
            return False
        if self.spec.expected.startswith("pass"):
            return self.passed()
        if "not pass" in self.spec.expected:
            return not self.passed()
        return True


def run(w: World, path: Path, grader_file: Path, timeout: float = 30) -> Outcome:
    """Grade the attack at `path` (its exercise's grader at `grader_file`) and check the host."""
    spec = Spec.of(path)
    grader_dir = Path(grader_file).parent
    folder, sibling = w.subs / path.stem, w.subs / f"{path.stem}-other"
    folder.mkdir(parents=True, exist_ok=True)
    sibling.mkdir(parents=True, exist_ok=True)
    (sibling / "probe.py").write_text(SIBLING_SOURCE)
    (folder / f"{spec.exercise}.py").write_text(fill(path.read_text(), w, grader_dir, sibling))
    conftest = grader_dir / "conftest.py"
    had_conftest = conftest.exists()
    runs_before, tmp_before = _runs(w.data), set(os.listdir(w.tmp))
    received_before = len(w.listener.received)
    try:
        result = w.grader.grade(spec.exercise, folder, device="cpu", timeout=timeout)
        if "outlives" in spec.harm:
            time.sleep(1.5)  # the daemon writes a second after the run
        else:
            time.sleep(0.3)
        harms = []
        text = json.dumps(result)
        if (w.home / ".bashrc").read_text() != "# the user's own\n":
            harms.append("~/.bashrc changed")
        if (sibling / "probe.py").read_text() != SIBLING_SOURCE:
            harms.append("another submission's file changed")
        if set(os.listdir(w.tmp)) - tmp_before:
            harms.append(f"files left outside the run: {sorted(set(os.listdir(w.tmp)) - tmp_before)}")
        if conftest.exists() and not had_conftest:
            harms.append(f"{conftest} written")
        if _runs(w.data) != runs_before:
            harms.append("the progress store gained runs")
        if len(w.listener.received) != received_before:
            harms.append("bytes reached the listener on 127.0.0.1")
        if SECRET in text:
            harms.append("the caller's secret is in the result")
        if re.search(r"@check\(|(from|import) grader\.", text) or SOLUTION_MARK in text:
            harms.append("grader or reference source is in the result")
        alive = [int(p) for p in re.findall(r"daemon (\d+)", text) if _alive(int(p))]
        if alive:
            harms.append(f"processes outlived the run: {alive}")
        return Outcome(spec, result, harms)
    finally:
        (w.home / ".bashrc").write_text("# the user's own\n")
        if conftest.exists() and not had_conftest:
            conftest.unlink()
        for name in set(os.listdir(w.tmp)) - tmp_before:
            (w.tmp / name).unlink()
        for pid in (int(p) for p in re.findall(r"daemon (\d+)", locals().get("text", ""))):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
