"""The wheel works outside the checkout: built offline from the project's files, installed
into a throwaway folder, and used from another folder (the questions, a workspace made
from its own stubs, a grading by its own grader, the notebook extension)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "quiz", "grader", "exercises", "solutions", "transferlings")
DATA = ["grader/registry.toml", "grader/run/pytest.ini", "grader/stubs/transfer_rate.py", "grader/fixtures/houses_backbone.pt",
        "grader/fixtures/digits_target.npz", "grader/fixtures/digits_build.json", "quiz/content/q01.toml", "quiz/path.toml",
        "quiz/ui/app.tcss", "quiz/reach/templates/app_index.html", "transferlings/__init__.py"]


def run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), f"{args}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def test_the_wheel_installs_and_grades_away_from_the_checkout(tmp_path):
    source, wheels, target, elsewhere = (tmp_path / d for d in ("source", "wheels", "site", "elsewhere"))
    source.mkdir()
    for name in SOURCES:  # a copy: building writes build/ and *.egg-info beside the sources
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir",
         str(wheels), str(source)], tmp_path, env)
    (wheel,) = wheels.glob("transferlings-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [path for path in DATA if path not in names] == []
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        tmp_path, env)

    elsewhere.mkdir()
    env = dict(env, PYTHONPATH=str(target), TRANSFERLINGS_HOME=str(tmp_path / "home"), TRANSFERLINGS_LANG="en")
    listed = run([sys.executable, "-m", "quiz", "list", "--json"], elsewhere, env)
    assert len(json.loads(listed.stdout)) == 10
    # the extension, its workspace made from the wheel's stubs, and the wheel's own modules
    probe = ("import json, quiz, grader.run.engine, transferlings\n"
             "from IPython.core.interactiveshell import InteractiveShell\n"
             "shell = InteractiveShell.instance()\n"
             "shell.run_line_magic('load_ext', 'transferlings')\n"
             "from quiz.reach.notebook import notebook_workspace\n"
             "print(json.dumps({'files': [quiz.__file__, grader.run.engine.__file__, transferlings.__file__],\n"
             "                  'magics': sorted(shell.magics_manager.magics['cell']),\n"
             "                  'workspace': str(notebook_workspace())}))\n")
    found = json.loads(run([sys.executable, "-c", probe], elsewhere, env).stdout.strip().splitlines()[-1])
    assert all(Path(f).is_relative_to(target) for f in found["files"]), found["files"]
    assert "grade" in found["magics"]
    stub = Path(found["workspace"]) / "transfer_rate.py"
    assert stub.read_bytes() == (ROOT / "grader" / "stubs" / "transfer_rate.py").read_bytes()

    graded = run([sys.executable, "-m", "quiz", "grade", "transfer_rate", "--device", "cpu", "--json",
                  "--impl", str(target / "solutions"), "--impl", found["workspace"]], elsewhere, env)
    solution, untouched = json.loads(graded.stdout)
    assert (solution["status"], untouched["status"]) == ("pass", "fail")
    assert solution["passed"] == len(solution["tests"]) > 0 and untouched["points"] < untouched["max_points"]
    assert not (elsewhere / "workspace").exists() and not any(elsewhere.iterdir())
