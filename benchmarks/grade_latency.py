"""Grading latency: the floor (importing torch and torchvision), a cold
`transferlings grade freezing --impl solutions`, and warm re-grades of the same through
the warm worker (median of 10), with the warm child's peak RSS.

    python benchmarks/grade_latency.py [--json] [--exercise NAME] [--runs N]
    python benchmarks/grade_latency.py --each [--json] [--runs N]   # warm median of every exercise
Targets: warm median <= 0.5 s and >= 5x faster than cold.
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


def each_exercise(runs: int) -> dict[str, float]:
    """Warm re-grade median (seconds) of every registry exercise's reference solution."""
    from grader import registry
    from grader.engine import Grader

    medians = {}
    with Grader() as grader:
        grader.start()
        for name in registry.names():
            grader.grade(name, ROOT / "solutions", device="cpu")
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                result = grader.grade(name, ROOT / "solutions", device="cpu")
                times.append(time.perf_counter() - start)
                assert result["status"] == "pass", f"{name}: {result['message']}"
            medians[name] = round(statistics.median(times), 3)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--exercise", default="freezing")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--each", action="store_true", help="warm median of every exercise instead")
    args = parser.parse_args()
    if args.each:
        medians = each_exercise(args.runs)
        if args.json:
            print(json.dumps(medians))
        else:
            for name, seconds in medians.items():
                print(f"{name:<18} warm re-grade {seconds:5.2f} s (median of {args.runs})")
        return

    from grader.engine import Grader

    warm = []
    with Grader() as grader:
        grader.start()
        grader.grade(args.exercise, ROOT / "solutions", device="cpu")
        for _ in range(args.runs):
            start = time.perf_counter()
            result = grader.grade(args.exercise, ROOT / "solutions", device="cpu")
            warm.append(time.perf_counter() - start)
            assert result["status"] == "pass", result["message"]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the worker and its children
    floor = min(timed([sys.executable, "-c", "import torch, torchvision"]) for _ in range(2))
    cold = min(timed([sys.executable, "-m", "quiz", "grade", args.exercise, "--impl", "solutions", "--device", "cpu"])
               for _ in range(2))
    figures = {"floor_s": round(floor, 3), "cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3),
               "warm_peak_rss_mb": round(peak_mb, 1)}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"floor  (python -c 'import torch, torchvision')      {figures['floor_s']:6.2f} s")
    print(f"cold   (transferlings grade {args.exercise} --impl solutions) {figures['cold_s']:6.2f} s")
    print(f"warm   (re-grade through the warm worker, median of {args.runs}) {figures['warm_median_s']:6.2f} s"
          f"   {figures['cold_s'] / figures['warm_median_s']:.1f}x faster than cold")
    print(f"peak RSS of a grading process                       {figures['warm_peak_rss_mb']:6.0f} MB")


if __name__ == "__main__":
    main()
