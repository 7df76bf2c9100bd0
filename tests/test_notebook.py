"""`%load_ext transferlings` in a real Jupyter kernel (ipykernel, run by nbclient) with the
real grader: cells are graded, shown, recorded as attempts of the notebook workspace, and
wrong input is one line in the cell, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

from notebook_kernel import run_cells

from grader import registry

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "solutions" / "transfer_rate.py").read_text(encoding="utf-8")
# negative_transfer compares as if higher were always better, also for errors
WRONG = (ROOT / "tests" / "mutants" / "transfer_rate" / "negative_ignores_direction.py").read_text(encoding="utf-8")


def test_cells_are_graded_shown_and_recorded_and_wrong_input_is_one_line(tmp_path):
    from quiz.storage.store import Store

    home = Path(os.environ["TRANSFERLINGS_HOME"])  # the test's own (conftest)
    cells = [
        "%load_ext transferlings",                                           # 0
        "%%grade transfer_rate --device cpu\n" + SOLUTION,                   # 1 right
        "%%grade transfer_rate --device cpu\n" + WRONG,                      # 2 wrong
        "%%grade no_such_exercise\nx = 1\n",                                 # 3
        "%%grade transfer_rate\ndef transfer_rate(:\n    pass\n",            # 4 syntax error
        "%grade transfer_rate --device cpu --lang zh",                       # 5 the workspace file
        "%transferlings status",                                             # 6
        "%transferlings hint transfer_rate",                                 # 7
        "%transferlings show 99",                                            # 8
        "%grade",                                                            # 9 no exercise
    ]
    out = run_cells(cells, tmp_path, env={"TRANSFERLINGS_HOME": str(home), "TRANSFERLINGS_LANG": "en"})
    workspace = home / "notebook"
    assert str(workspace) in out[0]["stdout"]

    right, wrong = out[1], out[2]
    points = registry.get("transfer_rate").points
    assert "PASS" in right["html"] and f"{points}/{points} points" in right["html"] and "this cell" in right["html"]
    assert right["text"].startswith("PASS    transfer_rate")  # text/plain: the terminal's rendering
    assert "FAIL" in wrong["html"] and "With errors, negative transfer means a higher error" in wrong["html"]
    assert "expected True, got False" in wrong["html"] and "hint:" in wrong["html"]
    assert wrong["html"].index("✗") < wrong["html"].index("✓")  # failures first

    for i, message in [(3, "UsageError: unknown exercise 'no_such_exercise' (known: freezing, heads"),
                       (4, "UsageError: transfer_rate.py: syntax error on line 1 of the cell: invalid syntax"),
                       (8, "UsageError: there is no question 99"),
                       (9, "UsageError: the following arguments are required: exercise")]:
        assert out[i]["stderr"].startswith(message) and out[i]["stderr"].count("\n") == 1, (i, out[i])
        assert out[i]["error"] == "" and out[i]["html"] == "", (i, out[i])  # no traceback, no empty report

    zh = out[5]["html"]  # the workspace's file is the last cell graded: the wrong one
    assert "FAIL" in zh and "项检查通过" in zh and str(workspace) in zh
    assert "transfer_rate     failing" in out[6]["text"] and f"workspace: {workspace}" in out[6]["text"]
    assert "<pre" in out[6]["html"]
    assert "1. " in out[7]["text"]

    attempts = Store().attempts("transfer_rate")  # the app's store, as `transferlings grade` records
    assert [a["status"] for a in attempts] == ["fail", "fail", "pass"]
    assert all(Path(a["impl"]) == workspace for a in attempts)
    assert attempts[2]["code"] == SOLUTION and attempts[1]["code"] == WRONG
    assert (workspace / "transfer_rate.py").read_text(encoding="utf-8") == WRONG
