"""OS isolation of grading runs (grader.guard.confine): what the candidate's code runs as,
with what limits and environment, where it may write, what a result says about it, and
the path where the machine cannot isolate (simulated: an old kernel, macOS, or
TRANSFERLINGS_ISOLATION=off)."""

from __future__ import annotations

import ast
import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader import registry
from grader.guard import confine, landlock

ROOT = Path(__file__).resolve().parent.parent
PROBE = registry.Exercise(
    name="probe", questions=(), title={"en": "probe", "zh": "probe"}, hints={"en": (), "zh": ()},
    points=3, timeout_s=20, grader_file=ROOT / "tests" / "faults" / "probe.py",
)


@pytest.fixture
def submit(grader_engine, tmp_path, monkeypatch):
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda name: PROBE if name == "probe" else real_get(name))

    def run(source: str) -> dict:
        folder = tmp_path / f"impl{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "probe.py").write_text(textwrap.dedent(source))
        return grader_engine.grade("probe", folder, device="cpu")

    return run


def printed(result: dict) -> dict:
    """`name value` lines the candidate printed in its first check, values as Python literals."""
    lines = result["tests"][0]["output"].splitlines()
    return {name: ast.literal_eval(value) for name, _, value in (ln.partition(" ") for ln in lines) if value}


def test_probe_says_none_and_why_on_a_kernel_without_landlock(monkeypatch):
    monkeypatch.setattr(landlock, "abi", lambda: (0, "kernel 5.4.0 has no Landlock (needs Linux 5.13 or later)"))
    iso = confine.probe()
    assert iso.level == "none"
    assert "kernel 5.4.0 has no Landlock (needs Linux 5.13 or later)" in iso.missing


def test_probe_says_partial_and_what_is_missing_on_an_older_landlock(monkeypatch):
    monkeypatch.setattr(landlock, "abi", lambda: (3, ""))
    iso = confine.probe()
    assert iso.level == "partial"
    assert any("TCP" in m for m in iso.missing) and any("signal" in m for m in iso.missing)


def test_probe_says_none_on_macos(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    iso = confine.probe()
    assert iso.level == "none" and "no OS isolation on darwin" in iso.missing[0]


@pytest.mark.skipif(not sys.platform.startswith("linux") or confine.probe().level != "full",
                    reason="needs a Linux kernel with Landlock ABI 6 or later")
def test_candidate_code_runs_unprivileged_limited_and_with_a_clean_environment(submit):
    r = submit("""
        import os, resource, tempfile
        def answer():
            print("uid", (os.getuid(), os.geteuid()))
            print("limits", {n: resource.getrlimit(getattr(resource, n))[0] for n in ("RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CORE")})
            print("env", sorted(os.environ))
            print("home", (os.environ["HOME"], tempfile.gettempdir()))
            print("name", repr(__name__))
            open(os.path.join(os.environ["HOME"], "scratch.txt"), "w").write("mine")
            print("scratch", os.listdir(os.environ["HOME"]))
            return 42
        """)
    assert r["status"] == "pass" and r["isolation"]["level"] == "full", (r["message"], r["isolation"])
    seen = printed(r)
    if os.geteuid() == 0:  # the tests run as root here: the candidate must not
        assert 0 not in seen["uid"]
    assert all(value != resource_infinity() for value in seen["limits"].values()), seen["limits"]
    assert seen["limits"]["RLIMIT_CORE"] == 0
    assert not any(k.startswith(("PYTEST", "TRANSFERLINGS")) for k in seen["env"]), seen["env"]
    home, tmp = seen["home"]
    assert home == tmp and "transferlings-run-" in home
    assert seen["name"] == "probe"
    assert "scratch.txt" in seen["scratch"]
    deadline = time.monotonic() + 5  # removed just after the result is sent
    while Path(home).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(home).exists(), "the scratch folder outlived its run"


def resource_infinity() -> int:
    import resource

    return resource.RLIM_INFINITY


def test_an_unisolated_machine_refuses_a_batch_and_says_so_in_every_result(tmp_path, monkeypatch, capsys):
    from quiz.cli import main

    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "prior_knowledge.py").write_text((ROOT / "solutions" / "prior_knowledge.py").read_text())
    out = tmp_path / "out"
    monkeypatch.setenv("TRANSFERLINGS_ISOLATION", "off")
    assert main(["batch", str(subs), "prior_knowledge", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "would not be isolated (turned off by TRANSFERLINGS_ISOLATION=off" in err and "--allow-unisolated" in err
    assert not out.exists()

    assert main(["batch", str(subs), "prior_knowledge", "--workers", "1", "--out", str(out),
                 "--allow-unisolated"]) == 0
    [row] = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert row["status"] == "pass"
    assert row["isolation"]["level"] == "none"
    assert "turned off by TRANSFERLINGS_ISOLATION=off" in row["isolation"]["missing"]
    page = (out / "report.html").read_text()
    assert "0 of 1 gradings ran fully isolated" in page and "a pass there is no proof" in page
    assert "without full isolation" in capsys.readouterr().out


def test_the_cli_shows_the_isolation_and_which_flags_were_seen_at_run_time():
    from rich.console import Console

    from quiz.results.terminal import render_result

    result = {"exercise": "probe", "impl": "mine", "status": "pass", "message": "all 1 checks passed", "device": "cpu",
              "duration_s": 0.1, "passed": 1, "failed": 0, "points": 1, "max_points": 1,
              "tests": [{"name": "answer() returns 42", "status": "pass", "message": "", "hint": "", "points": 1}],
              "flags": [{"kind": "exec", "line": 11, "message": "runs code built at run time", "source": "runtime"},
                        {"kind": "exec", "line": 11, "message": "calls exec() (code built at run time)",
                         "source": "static"}],
              "isolation": {"level": "none", "applied": ["rlimits"], "missing": ["kernel 5.4.0 has no Landlock"]}}
    console = Console(width=300, record=True)
    console.print(render_result(result))
    text = console.export_text()
    assert "isolation none" in text
    assert "not isolated: kernel 5.4.0 has no Landlock" in text
    assert ("(seen while it ran: line 11: runs code built at run time; in its source: line 11: calls exec() "
            "(code built at run time))") in text


def test_names_and_points_come_from_the_workers_plan_never_from_the_child():
    from grader.run.judge import Run

    sent = []
    run = Run({"job": 1}, sent.append, sandbox=None)
    meta = {"id": "p.py::t", "name": "t returns 42", "level": "basic", "points": 2, "hint": "h", "hidden": True}
    run.plan, run.meta = [meta], {meta["id"]: meta}
    run._event({"event": "ran", "id": "p.py::t"})
    run._event({"event": "test", "id": "p.py::t", "status": "pass", "message": "", "duration": 0.0, "output": "",
                "points": 27000, "name": "forged", "hidden": False,
                "entry": {"name": "forged", "points": 27000, "status": "pass"}})
    entry = run.done["p.py::t"]
    assert (entry["name"], entry["points"], entry["hidden"], entry["status"]) == ("t returns 42", 2, True, "pass")
    run._event({"event": "test", "id": "p.py::other", "status": "pass"})
    assert run.stop == ("error", "the grading machinery was modified (an unplanned or repeated report for p.py::other)")


@pytest.mark.parametrize("status", ["skip", "xfail", None])
def test_a_check_reported_as_anything_but_pass_fail_or_error_is_tampering(status):
    from grader.run.judge import Run

    run = Run({"job": 1}, lambda e: None, sandbox=None)
    meta = {"id": "p.py::t", "name": "t", "level": "basic", "points": 1, "hint": "", "hidden": False}
    run.plan, run.meta = [meta], {meta["id"]: meta}
    run._event({"event": "test", "id": "p.py::t", "status": status})
    assert run.stop[0] == "error" and "a report of" in run.stop[1]


def test_a_run_passes_only_when_every_planned_check_passed():
    from grader.results import assemble, test_entry

    plan = [{"id": f"p.py::t{i}", "name": f"t{i}", "points": 1} for i in range(3)]
    done = {m["id"]: test_entry(m, "pass") for m in plan[:2]} | {"p.py::t2": test_entry(plan[2], "skip", "skipped")}
    r = assemble(exercise="p", impl="x", device="cpu", duration_s=0.0, plan=plan, done=done)
    assert r["status"] == "error" and r["passed"] == 2
    assert r["isolation"]["level"] == "none"  # a result that never ran says so too


def test_every_result_carries_its_isolation(submit):
    r = submit("def answer():\n    return 42\n")
    assert set(r["isolation"]) == {"level", "applied", "missing"}
    assert r["isolation"]["level"] == confine.probe(confine.NOBODY if os.geteuid() == 0 else None).level
