"""Grading latency: the floor (importing torch and torchvision), a cold
`transferlings grade freezing --impl solutions`, and warm re-grades of every exercise's
reference solution through the warm worker (median of N each), with the peak RSS of the
worker and its grading children.

    python benchmarks/grade_latency.py [--json] [--exercise NAME ...] [--runs N] [--no-cold]
Targets: warm median <= 0.5 s for freezing and >= 5x faster than cold.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def warm_medians(exercises: list[str], runs: int) -> dict[str, float]:
    """Median warm re-grade per exercise; the exercises take turns so that a change in
    the machine's load spreads over all of them."""
    from grader.engine import Grader

    times: dict[str, list[float]] = {name: [] for name in exercises}
    with Grader() as grader:
        grader.start()
        for name in exercises:
            grader.grade(name, ROOT / "solutions", device="cpu")
        for _ in range(runs):
            for name in exercises:
                start = time.perf_counter()
                result = grader.grade(name, ROOT / "solutions", device="cpu")
                times[name].append(time.perf_counter() - start)
                assert result["status"] == "pass", f"{name}: {result['message']}"
    return {name: round(statistics.median(t), 3) for name, t in times.items()}


def main() -> None:
    from grader import registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--exercise", action="append", choices=registry.names(),
                        help="only this exercise (repeatable; default: all)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-cold", action="store_true", help="skip the floor and the cold grade")
    args = parser.parse_args()
    exercises = args.exercise or registry.names()

    warm = warm_medians(exercises, args.runs)
    figures: dict = {"warm_median_s": warm,
                     "warm_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
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
    for name, median in warm.items():
        print(f"warm   {name:17} re-grade through the warm worker, median of {args.runs}  {median:6.2f} s")
    print(f"peak RSS of the worker and its grading processes              {figures['warm_peak_rss_mb']:6.0f} MB")
    if not args.no_cold:
        print(f"floor  (python -c 'import torch, torchvision')                  {figures['floor_s']:6.2f} s")
        print(f"cold   (transferlings grade {figures['cold_exercise']} --impl solutions)  {figures['cold_s']:6.2f} s"
              f"   {figures['cold_s'] / warm[figures['cold_exercise']]:.1f}x the warm re-grade")


if __name__ == "__main__":
    main()
