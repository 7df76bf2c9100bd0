"""Grading latency: the floor (importing torch and torchvision), a cold
`transferlings grade freezing --impl solutions`, and warm re-grades of every exercise's
reference solution through the warm worker (median of N each), with the peak RSS of the
worker and its grading children.

    python benchmarks/grade_latency.py [--json] [--exercise NAME ...] [--runs N] [--no-cold]
                                       [--against REV]
`--against REV` also times the engine of git revision REV (the whole grader/run/ and
grader/guard/ trees, and grader/results.py) on the same graders and solutions,
interleaved with this tree's in random order, and prints both medians, their ratio and
the mean CPU seconds per re-grade (worker and child), so a change to the engine is
measured in the same conditions.
Targets: warm median <= 0.5 s for freezing and >= 5x faster than cold.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENGINE_TREES = ("grader/run", "grader/guard")
ENGINE_FILES = ("grader/results.py",)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def engine_of(rev: str, into: Path) -> Path:
    """A copy of this tree's grader/ and solutions/ whose engine (ENGINE_TREES, replaced
    whole, and ENGINE_FILES) is that of `rev`."""
    shutil.copytree(ROOT / "grader", into / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", into / "solutions")
    for tree in ENGINE_TREES:
        shutil.rmtree(into / tree)
        archive = subprocess.run(["git", "archive", rev, tree], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    for name in ENGINE_FILES:
        text = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
        (into / name).write_text(text)
    return into


def _grader_at(root: Path):
    """A Grader whose engine (and so worker) comes from `root`."""
    if root == ROOT:
        from grader.run.engine import Grader
    else:
        spec = importlib.util.spec_from_file_location("engine_under_comparison", root / "grader" / "run" / "engine.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        Grader = module.Grader
    return Grader()


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and its reaped children (the grading runs)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def warm_times(exercises: list[str], runs: int, roots: dict[str, Path]) -> dict:
    """{label: {exercise: (median wall s, mean CPU s)}}; runs take turns over exercises and
    roots (in random order) so that a change in the machine's load spreads over all."""
    from grader import registry

    real_get = registry.get

    def grade(label: str, name: str) -> dict:
        registry.get = lambda n: dataclasses.replace(real_get(n), grader_file=roots[label] / "grader" / "graders" / f"{n}.py")
        try:
            return graders[label].grade(name, roots[label] / "solutions", device="cpu")
        finally:
            registry.get = real_get

    graders = {label: _grader_at(root) for label, root in roots.items()}
    wall = {label: {name: [] for name in exercises} for label in roots}
    cpu = {label: {name: [] for name in exercises} for label in roots}
    order = random.Random(0)
    try:
        for label in roots:
            graders[label].start()
            for name in exercises:
                grade(label, name)
        for _ in range(runs):
            for name in exercises:
                for label in order.sample(list(roots), len(roots)):
                    pid = graders[label]._proc.pid
                    cpu_before, start = _cpu_s(pid), time.perf_counter()
                    result = grade(label, name)
                    wall[label][name].append(time.perf_counter() - start)
                    cpu[label][name].append(_cpu_s(pid) - cpu_before)
                    assert result["status"] == "pass", f"{label} {name}: {result['message']}"
    finally:
        for grader in graders.values():
            grader.close()
    return {label: {name: (round(statistics.median(wall[label][name]), 3), round(statistics.mean(cpu[label][name]), 3))
                    for name in exercises} for label in roots}


def main() -> None:
    from grader import registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--exercise", action="append", choices=registry.names(),
                        help="only this exercise (repeatable; default: all)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-cold", action="store_true", help="skip the floor and the cold grade")
    parser.add_argument("--against", metavar="REV", help="also time the engine of git revision REV, interleaved")
    args = parser.parse_args()
    exercises = args.exercise or registry.names()

    with tempfile.TemporaryDirectory(prefix="grade_latency_") as tmp:
        roots = {"this tree": ROOT}
        if args.against:
            roots[args.against] = engine_of(args.against, Path(tmp))
        times = warm_times(exercises, args.runs, roots)
    warm = {name: wall for name, (wall, _) in times["this tree"].items()}
    figures: dict = {"warm_median_s": warm,
                     "warm_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
    if args.against:
        figures["warm_cpu_s"] = {name: cpu for name, (_, cpu) in times["this tree"].items()}
        figures["against"] = {"rev": args.against, "warm_median_s": {n: w for n, (w, _) in times[args.against].items()},
                              "warm_cpu_s": {n: c for n, (_, c) in times[args.against].items()}}
    if not args.no_cold:
        cold_exercise = exercises[0]
        figures["floor_s"] = round(min(timed([sys.executable, "-c", "import torch, torchvision"]) for _ in range(2)), 3)
        figures["cold_exercise"] = cold_exercise
        figures["cold_s"] = round(min(
            timed([sys.executable, "-m", "quiz", "grade", cold_exercise, "--impl", "solutions", "--device", "cpu"])
            for _ in range(2)), 3)
    if args.json:
        print(json.dumps(figures))
        return
    if args.against:
        print(f"warm re-grade, median of {args.runs} (CPU s, mean)   this tree       {args.against:>12}    ratio")
        for name in exercises:
            (w, c), (w0, c0) = times["this tree"][name], times[args.against][name]
            print(f"  {name:17} {w:11.3f} ({c:.3f}) {w0:11.3f} ({c0:.3f})   {w / w0:5.2f} (CPU {c / c0:.2f})")
    else:
        for name, median in warm.items():
            print(f"warm   {name:17} re-grade through the warm worker, median of {args.runs}  {median:6.2f} s")
    print(f"peak RSS of the worker and its grading processes              {figures['warm_peak_rss_mb']:6.0f} MB")
    if not args.no_cold:
        print(f"floor  (python -c 'import torch, torchvision')                  {figures['floor_s']:6.2f} s")
        print(f"cold   (transferlings grade {figures['cold_exercise']} --impl solutions)  {figures['cold_s']:6.2f} s"
              f"   {figures['cold_s'] / warm[figures['cold_exercise']]:.1f}x the warm re-grade")


if __name__ == "__main__":
    main()
