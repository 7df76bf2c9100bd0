"""Tampering with in-process grading: the obvious tricks never earn a pass. Each attempt
is a submission to a tiny probe grader (tests/faults/probe.py, tensors.py)."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from grader import registry

FAULTS = Path(__file__).parent / "faults"
PROBE = registry.Exercise(
    name="probe", questions=(), title={"en": "probe", "zh": "probe"}, hints={"en": (), "zh": ()},
    points=3, timeout_s=20, grader_file=FAULTS / "probe.py",
)
TENSORS = dataclasses.replace(PROBE, name="tensors", grader_file=FAULTS / "tensors.py")
MODIFIED = "the grading machinery was modified"


@pytest.fixture
def submit(grader_engine, tmp_path, monkeypatch):
    real_get = registry.get
    fakes = {"probe": PROBE, "tensors": TENSORS}
    monkeypatch.setattr(registry, "get", lambda name: fakes.get(name) or real_get(name))

    def run(source: str, exercise: str = "probe") -> dict:
        folder = tmp_path / f"impl{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / f"{exercise}.py").write_text(textwrap.dedent(source))
        return grader_engine.grade(exercise, folder, device="cpu")

    return run


def never_passed(result: dict) -> bool:
    return result["status"] != "pass" and result["passed"] == 0


def test_honest_submissions_pass_without_flags(submit):
    assert submit("def answer():\n    return 42\n")["flags"] == []
    r = submit("def double(x):\n    return 2 * x\n", "tensors")
    assert (r["status"], r["passed"], r["flags"]) == ("pass", 3, [])


def test_patched_runtest_is_modified_machinery(submit):
    r = submit("import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n")
    assert never_passed(r) and r["status"] == "error"
    assert r["message"] == f"{MODIFIED} (_pytest.python.Function.runtest)"
    assert {"kind": "import", "line": 1, "message": "imports _pytest.python (the test harness)",
            "source": "static"} in r["flags"]


def test_runtest_patched_during_a_check_is_caught_after_it(submit):
    r = submit("""
        def answer():
            import _pytest.python
            _pytest.python.Function.runtest = lambda self: None
            return 42
        """)
    assert never_passed(r) and r["status"] == "error"
    assert r["message"] == f"{MODIFIED} (_pytest.python.Function.runtest)"


@pytest.mark.parametrize("source", [
    # outcomes rewritten where pytest builds its reports
    """
    import _pytest.runner
    real = _pytest.runner.CallInfo.from_call.__func__
    def from_call(cls, func, when, reraise=None):
        return real(cls, lambda: None, when, reraise)
    _pytest.runner.CallInfo.from_call = classmethod(from_call)
    """,
    # the grader's own reporter told that nothing failed
    """
    import grader.run.child
    grader.run.child.describe_exception = lambda exc, impl_file: ("", None)
    """,
    # a hook wrapper registered with pytest's plugin manager to turn failures into passes
    """
    import gc, pytest
    class Cheat:
        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_makereport(self, item, call):
            call.excinfo = None
            return (yield)
    config = next(o for o in gc.get_objects() if isinstance(o, pytest.Config))
    config.pluginmanager.register(Cheat())
    """,
    # the check's own code swapped for an empty one
    """
    import sys
    grader_module = sys.modules["probe"]
    grader_module.test_answer.__code__ = (lambda impl: None).__code__
    grader_module.test_type.__code__ = (lambda impl: None).__code__
    """,
])
def test_patched_reporting_is_modified_machinery(submit, source):
    r = submit(textwrap.dedent(source) + "\ndef answer():\n    return 'not 42'\n")
    assert never_passed(r) and r["status"] == "error"
    assert r["message"].startswith((MODIFIED, "refused: your code walks the object graph")), r["message"]
    assert r["flags"]


@pytest.mark.parametrize("patch, what", [
    ("torch.allclose = lambda *a, **k: True", "torch.allclose"),
    ("torch.equal = lambda *a, **k: True", "torch.equal"),
    ("torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)", "torch.Tensor.__eq__"),
])
def test_replaced_torch_comparisons_are_modified_machinery(submit, patch, what):
    r = submit(f"import torch\n{patch}\ndef double(x):\n    return x\n", "tensors")
    assert never_passed(r) and r["status"] == "error"
    assert r["message"] == f"{MODIFIED} ({what})"


FORGE = """
import json, os, stat
def forge(*events):
    for fd in range(3, 256):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                for event in events:
                    os.write(fd, (json.dumps(event) + "\\n").encode())
        except OSError:
            pass
entry = {"name": "x", "status": "pass", "message": "", "hint": "", "duration_s": 0.0, "level": "basic",
         "points": 1, "hidden": False, "output": ""}
"""


@pytest.mark.parametrize("tail", [
    # a whole passing run, then a quiet exit before the real checks report
    """
    forge({"event": "test", "id": "probe.py::test_answer", "entry": entry},
          {"event": "test", "id": "probe.py::test_type", "entry": entry}, {"event": "end"})
    os._exit(0)
    """,
    # a pass for the running check, then the real (failing) report
    """
    def answer():
        forge({"event": "ran", "id": "probe.py::test_answer"},
              {"event": "test", "id": "probe.py::test_answer", "entry": entry})
        return "not 42"
    """,
])
def test_forged_events_on_the_result_pipe_never_pass(submit, tail):
    r = submit(FORGE + textwrap.dedent(tail))
    assert never_passed(r)
    assert r["status"] == "error" and r["message"] == f"{MODIFIED} (forged events on the result pipe)"
    kinds = {f["kind"] for f in r["flags"]}
    assert {"fd", "process"} & kinds or "fd" in kinds


def test_killing_the_worker_never_passes_and_the_next_run_works(submit):
    r = submit("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\ndef answer():\n    return 42\n")
    assert r["status"] in ("crash", "error") and r["passed"] == 0
    if r["isolation"]["level"] == "full":  # signals are scoped to the run: the kill is refused
        assert "PermissionError" in r["message"]
        assert any(f["kind"] == "process" and f["line"] == 2 and f["source"] == "runtime" for f in r["flags"])
    else:
        assert "worker died" in r["message"]
    assert submit("def answer():\n    return 42\n")["status"] == "pass"


@pytest.mark.parametrize("source, message", [
    ("import pytest\ndef answer():\n    pytest.skip('too hard')\n", "your code skipped the check"),
    ("def answer():\n    raise KeyboardInterrupt\n", "grading was cut short"),
])
def test_skipping_or_interrupting_checks_never_passes(submit, source, message):
    r = submit(source)
    assert r["status"] in ("fail", "error") and r["passed"] == 0
    assert message in r["message"] + " ".join(t["message"] for t in r["tests"])


def test_the_workers_own_pipe_is_out_of_reach(submit):
    done = {"event": "done", "result": {"exercise": "probe", "impl": "x", "status": "pass", "message": "forged",
                                         "device": "cpu", "duration_s": 0.0, "passed": 2, "failed": 0, "points": 3,
                                         "max_points": 3, "tests": [], "flags": []}}
    r = submit(FORGE + f"done = {done!r}\n" + textwrap.dedent("""
        forge(*({**done, "job": job} for job in range(1, 2000)))
        def answer():
            return "not 42"
        """))
    assert r["status"] != "pass" and r["message"] != "forged"


def test_a_submission_that_rewrites_itself_keeps_its_flags(submit):
    r = submit("import gc\ntry:\n    open(__file__, 'w').write('def answer():\\n    return 42\\n')\n"
               "except OSError:\n    pass\ndef answer():\n    return 42\n")
    assert r["status"] == "pass"
    assert [f["message"] for f in r["flags"]] == ["imports gc (the object graph)"]


def test_a_real_graders_module_is_watched(grade, tmp_path):
    source = (FAULTS.parent.parent / "solutions" / "transfer_rate.py").read_text()
    cheat = tmp_path / "transfer_rate.py"
    cheat.write_text(source + "\nimport sys\nsys.modules['grader.graders.transfer_rate'].SEEDS = (0,)\n")
    r = grade("transfer_rate", cheat)
    assert r["status"] == "error" and r["message"] == f"{MODIFIED} (grader.graders.transfer_rate.SEEDS)"
