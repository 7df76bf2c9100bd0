"""The grading engine's verdicts for every way a candidate's code can go wrong. Uses a
two-check probe grader (tests/faults/probe.py) so each run takes a fraction of a second."""

from __future__ import annotations

import dataclasses
import os
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader import registry
from grader.run.engine import Grader, GradingCancelled, GradingError

PROBE = registry.Exercise(
    name="probe", questions=(), title={"en": "probe", "zh": "probe"}, hints={"en": (), "zh": ()},
    points=3, timeout_s=20, grader_file=Path(__file__).parent / "faults" / "probe.py",
)


@pytest.fixture(scope="module")
def engine():
    with Grader(memory_mb=768) as g:
        g.start()
        yield g


@pytest.fixture
def probe(engine, tmp_path, monkeypatch):
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda name: PROBE if name == "probe" else real_get(name))

    def run(source: str, **kwargs) -> dict:
        folder = tmp_path / f"impl{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "probe.py").write_text(textwrap.dedent(source))
        return engine.grade("probe", folder, device="cpu", **kwargs)

    return run


def statuses(result):
    return [t["status"] for t in result["tests"]]


def test_correct_code_passes_with_points(probe):
    r = probe("def answer():\n    return 42\n")
    assert (r["status"], r["passed"], r["failed"], r["points"], r["max_points"]) == ("pass", 2, 0, 3, 3)
    assert [t["name"] for t in r["tests"]] == ["answer() returns 42", "answer() is an int"]
    assert r["device"] == "cpu" and r["duration_s"] > 0


def test_wrong_answer_fails_with_the_graders_message_and_hint(probe):
    r = probe("def answer():\n    return '42'\n")
    assert r["status"] == "fail" and statuses(r) == ["fail", "fail"]
    assert r["tests"][0]["message"] == "expected 42, got '42'"
    assert r["tests"][0]["hint"] == "return 42"


def test_exception_in_candidate_code_is_one_line_with_location(probe):
    r = probe("def answer():\n    return {}['k']\n")
    assert r["status"] == "fail"
    assert r["tests"][0]["message"] == "KeyError: 'k' (at probe.py:2)"
    assert "Traceback" not in r["tests"][0]["message"]


def test_stub_reports_not_implemented(probe):
    r = probe("def answer():\n    raise NotImplementedError\n")
    assert r["status"] == "fail"
    assert "not implemented" in r["tests"][0]["message"] and "probe.py:2" in r["tests"][0]["message"]


def test_syntax_error_is_an_error_with_file_and_line(probe):
    r = probe("def answer(:\n    return 42\n")
    assert r["status"] == "error"
    assert "SyntaxError" in r["message"] and "probe.py:1" in r["message"]


def test_import_error_is_an_error_with_file_and_line(probe):
    r = probe("import os\nimport no_such_module_here\n")
    assert r["status"] == "error"
    assert "ModuleNotFoundError" in r["message"] and "probe.py:2" in r["message"]


def _live_descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            for child in map(int, (task / "children").read_text().split()):
                state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(child)
                frontier.append(child)
    return found


def test_infinite_loop_times_out_and_kills_every_process_it_started(probe, engine):
    r = probe("""
        import os, time
        def answer():
            if os.fork() == 0:
                os.setsid()  # out of the run's process group
                time.sleep(300)
            while True:
                pass
        """, timeout=3)
    assert r["status"] == "timeout"
    assert "time limit of 3 s" in r["message"] and "answer() returns 42" in r["message"]
    assert statuses(r) == ["error", "skip"]
    assert _live_descendants(engine._proc.pid) == []


def test_segfault_is_a_crash(probe):
    r = probe("import ctypes\ndef answer():\n    return ctypes.string_at(0)\n")
    assert r["status"] == "crash" and "segmentation fault" in r["message"]


def test_os_exit_is_a_crash_never_a_pass(probe):
    r = probe("import os\ndef answer():\n    os._exit(0)\n")
    assert r["status"] == "crash" and r["passed"] == 0


@pytest.mark.parametrize("where", ["call", "import"])
def test_sys_exit_is_an_error_never_a_pass(probe, where):
    source = "import sys\ndef answer():\n    sys.exit(0)\n" if where == "call" else "import sys\nsys.exit(0)\n"
    r = probe(source)
    assert r["status"] == "error" and r["passed"] == 0
    assert "sys.exit" in r["message"]


def test_printing_10_mb_is_capped_per_check(probe):
    r = probe("def answer():\n    print('x' * 10_000_000)\n    return 42\n")
    assert r["status"] == "pass"
    out = r["tests"][0]["output"]
    assert len(out) < 5000 and "output cut: 10.0 MB" in out


ALLOCATE = "a = []\nwhile True:\n    a.append(bytearray(512 * 2**20))\n"


@pytest.mark.parametrize("source", [
    "def answer():\n    return len(bytearray(64 * 2**40))\n",
    "def answer():\n" + textwrap.indent(ALLOCATE, "    "),
    "def answer():\n    try:\n" + textwrap.indent(ALLOCATE, "        ") + "    except MemoryError:\n"
    "        raise ValueError('no memory')\n",
])
def test_the_first_memory_limit_hit_ends_the_run_at_once(probe, source):
    start = time.monotonic()
    r = probe(source, timeout=30)
    elapsed = time.monotonic() - start
    assert (r["status"], r["message"]) == ("crash", "memory limit exceeded while running: answer() returns 42")
    assert statuses(r) == ["error", "skip"]
    assert elapsed < 15, f"took {elapsed:.1f} s: the run went on after the first MemoryError"
    assert probe("def answer():\n    return 42\n")["status"] == "pass"


def test_running_out_of_memory_at_import_is_a_crash(probe):
    r = probe(ALLOCATE + "def answer():\n    return 42\n", timeout=30)
    assert (r["status"], r["message"]) == ("crash", "memory limit exceeded while importing probe.py")
    assert r["passed"] == 0


def test_streams_events_in_order(probe):
    events = []
    probe("def answer():\n    return 42\n", on_event=events.append)
    kinds = [e["event"] for e in events]
    assert kinds == ["plan", "start", "test", "start", "test"]
    assert [t["name"] for t in events[0]["tests"]] == ["answer() returns 42", "answer() is an int"]


def test_cancel_stops_a_run(probe):
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(GradingCancelled):
        probe("def answer():\n    while True:\n        pass\n", cancel=cancel)
    assert time.monotonic() - start < 5
    assert probe("def answer():\n    return 42\n")["status"] == "pass"


def test_usage_errors(engine, tmp_path):
    with pytest.raises(GradingError, match="unknown exercise"):
        engine.grade("nope", tmp_path)
    with pytest.raises(GradingError, match="no such folder"):
        engine.grade("freezing", tmp_path / "missing")
    with pytest.raises(GradingError, match="no such file"):
        engine.grade("freezing", tmp_path)
    if not engine.cuda:
        with pytest.raises(GradingError, match="CUDA is not available"):
            engine.grade("freezing", Path("solutions"), device="cuda")


def test_grading_runs_in_a_child_never_in_the_caller(probe):
    r = probe("import os\nPID = os.getpid()\ndef answer():\n    assert os.getpid() != %d\n    return 42\n" % os.getpid())
    assert r["status"] == "pass"


def test_a_missing_exception_reads_as_an_expectation(probe, tmp_path, monkeypatch):
    grader = tmp_path / "raises_probe.py"
    grader.write_text(
        "import pytest\nfrom grader.authoring.checks import check\n\n"
        "@check('answer() rejects bad input', level='basic', points=1, hint='raise ValueError')\n"
        "def test_raises(impl):\n    with pytest.raises(ValueError):\n        impl.answer()\n")
    exercise = dataclasses.replace(PROBE, grader_file=grader)
    monkeypatch.setattr(registry, "get", lambda name: exercise)
    r = probe("def answer():\n    return 42\n")
    assert r["tests"][0]["message"] == "expected ValueError to be raised, but the call returned normally"



def test_closing_the_grader_mid_run_leaves_no_process_behind(tmp_path, monkeypatch):
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda name: PROBE if name == "probe" else real_get(name))
    (tmp_path / "probe.py").write_text("def answer():\n    while True:\n        pass\n")
    grader = Grader()
    grader.start()
    pids = []
    runner = threading.Thread(target=lambda: pids.append(grader.grade("probe", tmp_path, device="cpu")), daemon=True)
    runner.start()
    end = time.monotonic() + 10
    while grader._child_pid is None and time.monotonic() < end:
        time.sleep(0.05)
    child = grader._child_pid
    assert child is not None
    worker = grader._proc.pid
    start = time.monotonic()
    grader.close()
    assert time.monotonic() - start < 5, "close() waited for the run instead of stopping it"
    time.sleep(0.5)
    for pid in (child, worker):
        alive = Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        assert not alive, f"process {pid} still running"


def test_a_memory_error_the_grader_catches_still_ends_the_run(probe, tmp_path, monkeypatch):
    grader = tmp_path / "catching_probe.py"
    grader.write_text(
        "from grader.authoring.checks import check, raising\n\n"
        "@check('answer() rejects bad input', level='basic', points=1, hint='raise ValueError')\n"
        "def test_rejects(impl):\n    problem = raising(impl.answer)\n    assert problem is None, problem\n\n"
        "@check('answer() rejects it again', level='basic', points=1, hint='raise ValueError')\n"
        "def test_again(impl):\n    assert raising(impl.answer) is None\n")
    monkeypatch.setattr(registry, "get", lambda name: dataclasses.replace(PROBE, grader_file=grader))
    r = probe("def answer():\n" + textwrap.indent(ALLOCATE, "    "), timeout=30)
    assert (r["status"], r["message"]) == ("crash", "memory limit exceeded while running: answer() rejects bad input")
    assert statuses(r) == ["error", "skip"]


def test_a_result_reads_in_chinese_where_the_grader_has_chinese(probe):
    from grader.results import localized

    result = probe("def answer():\n    return 41\n")
    first = localized(result, "zh")["tests"][0]
    assert (first["name"], first["hint"], first["message"]) == ("answer() 返回 42", "返回 42", "应为 42，实际为 41")
    english = localized(result, "en")["tests"][0]
    assert (english["name"], english["message"]) == ("answer() returns 42", "expected 42, got 41")


FORKS = """
import os, time
def answer():
    kids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            block = b"x" * ({mb} * 2**20)
            time.sleep({hold})
            os._exit(0 if block else 1)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    return 42
"""


def test_forked_python_workers_are_charged_their_shared_pages_once(probe):
    """Each fork shares the warm process's pages (an RSS sum counts them four times over,
    far past the 768 MB limit): by unique pages (PSS) the run stays well inside it."""
    r = probe(FORKS.format(mb=16, hold=0.8), timeout=30)
    assert r["status"] == "pass", r["message"]


def test_memory_spread_over_forks_is_still_counted(probe):
    """The forks hold their blocks for seconds, so a watchdog starved of CPU by a busy
    machine still sees them together; the kill ends the run long before they let go."""
    r = probe(FORKS.format(mb=450, hold=8), timeout=30)
    assert r["status"] == "crash" and r["message"].startswith("memory limit exceeded"), r["message"]
