"""The command line as a user drives it: exit codes, one-line errors, JSON, workspaces."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import registry
from quiz.cli import main
from quiz.workspace import MARKER, PRISTINE

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quiz", *args], capture_output=True, text=True, cwd=cwd,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def test_list_json_has_the_ten_questions_with_both_titles(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == list(range(1, 11))
    assert all(r["title"]["zh"] and r["title"]["en"] and r["kind"] in ("concept", "coding") for r in rows)
    assert rows[5]["exercises"] == ["freezing", "heads"]


def test_list_puts_the_chosen_language_first(capsys):
    main(["list", "--lang", "zh"])
    out = capsys.readouterr().out
    assert out.index("迁移学习的核心思想") < out.index("core idea")


@pytest.mark.parametrize("args, message", [
    (["grade", "nope"], "unknown exercise 'nope'"),
    (["grade"], "name at least one exercise"),
    (["grade", "freezing", "--all"], "not both"),
    (["grade", "freezing", "--impl", "/no/such/dir"], "no such folder"),
    (["hint", "nope"], "unknown exercise"),
    (["reset", "nope"], "unknown exercise"),
])
def test_usage_errors_exit_2_with_one_line(args, message):
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_device_cuda_without_cuda_is_a_usage_error():
    result = cli("grade", "freezing", "--impl", "solutions", "--device", "cuda")
    if result.returncode != 2:
        pytest.skip("this machine has CUDA")
    assert result.stderr.strip() == "transferlings: --device cuda: CUDA is not available on this machine"


def test_grade_several_impls_in_order_with_json_and_exit_codes(tmp_path):
    candidate = tmp_path / "candidate"
    candidate.mkdir()
    shutil.copy(PRISTINE / "freezing.py", candidate / "freezing.py")
    result = cli("grade", "freezing", "--impl", "solutions", "--impl", str(candidate), "--json", "--device", "cpu")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["impl"], r["status"]) for r in rows] == [("solutions", "pass"), (str(candidate), "fail")]
    keys = {"exercise", "status", "message", "device", "duration_s", "passed", "failed", "tests"}
    assert keys <= rows[0].keys()
    assert {"name", "status", "message", "hint", "duration_s"} <= rows[0]["tests"][0].keys()
    ok = cli("grade", "freezing", "--impl", "solutions", "--device", "cpu")
    assert ok.returncode == 0 and "PASS" in ok.stdout


def test_a_folder_missing_an_exercise_file_is_an_error_result(tmp_path):
    result = cli("grade", "heads", "--impl", str(tmp_path), "--json", "--device", "cpu")
    assert result.returncode == 1
    (row,) = json.loads(result.stdout)
    assert row["status"] == "error" and "no such file" in row["message"]


def test_init_makes_a_workspace_found_from_its_folder_and_keeps_existing_files(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "heads.py").write_text("# mine\n")
    result = cli("init", str(ws))
    assert result.returncode == 0, result.stderr
    assert (ws / MARKER).exists()
    assert (ws / "heads.py").read_text() == "# mine\n"
    for ex in registry.exercises():
        assert (ws / ex.filename).exists()
    graded = cli("grade", "freezing", "--json", "--device", "cpu", cwd=ws)
    assert json.loads(graded.stdout)[0]["impl"] == str(ws)
    from quiz.store import Store

    assert [r["exercise"] for r in Store().runs()] == ["freezing"]  # workspace runs are recorded


def test_reset_keeps_a_backup_and_restores_the_stub(tmp_path):
    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    mine = ws / "freezing.py"
    mine.write_text("def freeze_backbone(model, head, *, train_bn=False):\n    return model  # my attempt\n")
    assert main(["reset", "freezing", "--impl", str(ws)]) == 0
    assert mine.read_bytes() == (PRISTINE / "freezing.py").read_bytes()
    (backup,) = ws.glob("freezing.py.bak-*")
    assert "my attempt" in backup.read_text()
    assert main(["reset", "freezing", "--impl", str(ws)]) == 0
    assert len(list(ws.glob("freezing.py.bak-*"))) == 1


def test_hint_and_solution_print(capsys):
    assert main(["hint", "freezing", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") >= 3
    assert main(["solution", "freezing"]) == 0
    assert "def freeze_backbone" in capsys.readouterr().out
