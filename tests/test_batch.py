"""Batch grading end to end: the local pool and Ray on real submissions (passing, failing,
hanging, crashing, killing their worker), resume after kill -9, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quiz.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "prior_knowledge"  # the fastest grader
SOLUTION = (ROOT / "solutions" / f"{EXERCISE}.py").read_text()
STUB = (ROOT / "grader" / "stubs" / f"{EXERCISE}.py").read_text()
KINDS = {
    "alice": SOLUTION,
    "bob <b>": STUB,
    "carol": "while True:\n    pass\n",
    "dave": "import os\nos._exit(3)\n",
    "erin": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
    "frank": None,  # hands in nothing
    "gina": "import os, signal\nparent = open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1]\n"
            "os.kill(int(parent), signal.SIGKILL)\n",  # kills what forked its worker, then fails
}
# isolated runs (Linux with Landlock): signals are scoped to the run and /proc is out of
# reach, so erin's and gina's kills are refused and their imports fail
EXPECTED = {"alice": "pass", "bob <b>": "fail", "carol": "timeout", "dave": "crash", "erin": "error", "gina": "error"}


def make_class(root: Path, kinds: dict[str, str | None] = KINDS) -> Path:
    subs = root / "subs"
    for name, source in kinds.items():
        (subs / name).mkdir(parents=True)
        if source is not None:
            (subs / name / f"{EXERCISE}.py").write_text(source)
    return subs


def read_results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def run_batch(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    subs = make_class(tmp_path)
    out = tmp_path / "out"
    code = main(["batch", str(subs), EXERCISE, "--workers", "2", "--timeout", "4", "--out", str(out), *extra])
    return code, out


def check_class_results(code: int, out: Path) -> None:
    assert code == 1
    rows = read_results(out)
    assert {r["submission"]: r["status"] for r in rows} == EXPECTED
    assert all(len(r["sha256"]) == 64 and r["exercise"] == EXERCISE for r in rows)
    erin = next(r for r in rows if r["submission"] == "erin")
    assert "PermissionError" in erin["message"]
    assert any(f["kind"] == "process" and f["source"] == "runtime" for f in erin["flags"])
    assert all(r["isolation"]["level"] == "full" for r in rows)
    csv = (out / "scores.csv").read_text().splitlines()
    assert csv[0].startswith("submission,prior_knowledge_points")
    assert any(line.startswith("frank,,missing") for line in csv)
    page = (out / "report.html").read_text()
    assert "bob &lt;b&gt;" in page and "bob <b>" not in page and "<script" not in page
    assert "every grading ran fully isolated (6 of 6)" in page


def test_local_pool_grades_every_kind_of_submission_and_goes_on(tmp_path):
    code, out = run_batch(tmp_path)
    check_class_results(code, out)


def test_ray_grades_the_same_class_the_same_way(tmp_path):
    pytest.importorskip("ray")
    code, out = run_batch(tmp_path, "--ray")
    check_class_results(code, out)


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        p = frontier.pop()
        try:
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for c in map(int, children):
            if c not in found:
                found.add(c)
                frontier.append(c)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(p)
    return alive


def test_resume_after_kill_9_grades_each_file_exactly_once(tmp_path):
    slow = SOLUTION + "\nimport time\ntime.sleep(0.7)\n"
    subs = make_class(tmp_path, {f"s{i:02d}": slow for i in range(8)})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "quiz", "batch", str(subs), EXERCISE, "--workers", "2", "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    family = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = read_results(out)
    assert 2 <= len(before) < 8, "the kill should land mid-batch"
    time.sleep(2)
    assert not _alive(family), "the pool's processes must die with the batch"

    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 2, again.stderr  # results exist: --resume is needed
    assert "--resume" in again.stderr
    resumed = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    after = read_results(out)
    assert after[: len(before)] == before
    assert sorted(r["submission"] for r in after) == [f"s{i:02d}" for i in range(8)]
    assert all(r["status"] == "pass" for r in after)


def test_a_torn_last_line_does_not_count(tmp_path):
    from grader.run.batch import ResultsFile, discover

    subs = make_class(tmp_path, {"a": SOLUTION, "b": SOLUTION})
    batch = discover(subs, [EXERCISE])
    results = ResultsFile(tmp_path / "out")
    results.append(batch.jobs[0], {"exercise": EXERCISE, "status": "pass", "points": 1})
    with open(results.path, "ab") as f:
        f.write(b'{"submission": "b", "exercise": "prior_kno')
    assert [j.submission for j in results.pending(batch)] == ["b"]
    assert results.path.read_bytes().endswith(b"}\n")


@pytest.mark.parametrize("setup, expected", [
    (lambda p: p.mkdir(), "has no submission folders"),
    (lambda p: p.write_text("x"), "is a file"),
    (lambda p: (p / "bad\nname").mkdir(parents=True), "control characters"),
    (lambda p: (p / "alice").mkdir(parents=True), "no submission in"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, capsys, setup, expected):
    subs = tmp_path / "subs"
    setup(subs)
    assert main(["batch", str(subs), EXERCISE, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1


def test_unknown_exercise_and_bad_workers_are_usage_errors(tmp_path, capsys):
    subs = make_class(tmp_path, {"a": SOLUTION})
    assert main(["batch", str(subs), "--out", str(tmp_path / "out"), "nope"]) == 2
    assert "unknown exercise 'nope'" in capsys.readouterr().err
    assert main(["batch", str(subs), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_odd_but_valid_submission_names_are_graded(tmp_path):
    subs = make_class(tmp_path, {"Zoë Ünal (late)": SOLUTION, "李雷": SOLUTION})
    out = tmp_path / "out"
    assert main(["batch", str(subs), EXERCISE, "--workers", "1", "--out", str(out)]) == 0
    assert sorted(r["submission"] for r in read_results(out)) == ["Zoë Ünal (late)", "李雷"]


POISON = STUB + f'''
import os
here = os.path.dirname(os.path.abspath(__file__))
reference = {SOLUTION!r}
for attempt in (
    lambda: open({str(ROOT / "grader" / "graders" / "conftest.py")!r}, "w").write(
        "import pytest\\n@pytest.hookimpl(wrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n"
        "    call.excinfo = None\\n    return (yield)\\n"),
    lambda: [open(os.path.join(here, "..", other, "{EXERCISE}.py"), "w").write(reference)
             for other in os.listdir(os.path.join(here, ".."))],
):
    try:
        attempt()
    except OSError:
        pass
'''


def test_a_hostile_submission_cannot_change_how_the_others_are_graded(tmp_path):
    """The first submission poisons the grader (a conftest.py turning failures into passes)
    and overwrites every other submission with the reference; the honest wrong ones
    graded after it must still fail, with isolation shown in the report."""
    conftest = ROOT / "grader" / "graders" / "conftest.py"
    mutant = (ROOT / "tests" / "mutants" / EXERCISE / "alpha_beta_swapped.py").read_text()
    subs = make_class(tmp_path, {"a-poison": POISON, "b-stub": STUB, "c-mutant": mutant, "d-right": SOLUTION})
    out = tmp_path / "out"
    try:
        main(["batch", str(subs), EXERCISE, "--workers", "1", "--out", str(out)])
        assert not conftest.exists(), "a submission wrote into the grader"
    finally:
        conftest.unlink(missing_ok=True)
    rows = {r["submission"]: r for r in read_results(out)}
    assert {s: r["status"] for s, r in rows.items()} == {"a-poison": "fail", "b-stub": "fail", "c-mutant": "fail",
                                                         "d-right": "pass"}
    assert (subs / "b-stub" / f"{EXERCISE}.py").read_text() == STUB
    assert all(r["isolation"]["level"] == "full" for r in rows.values())
    poison_flags = {(f["kind"], f["source"]) for f in rows["a-poison"]["flags"]}
    assert ("file", "runtime") in poison_flags
    assert "every grading ran fully isolated (4 of 4)" in (out / "report.html").read_text()
