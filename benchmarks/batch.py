"""Batch grading throughput and memory: the same class graded by 1, 2 and N local workers
and by local Ray with N actors.

    python benchmarks/batch.py [--submissions 40] [--workers N] [--no-ray] [--json]

The class: SUBMISSIONS folders, each holding two exercises, drawn in turn from the
reference solutions and the mutants in tests/mutants (so about half fail). Throughput is
gradings per minute from the first job to the last result (the pool's start-up is shown
apart). Memory, in a second pass over 20 jobs: the proportional set size (PSS, shared
pages split between the processes sharing them) and the RSS of the pool's processes,
sampled every 0.2 s, peak (for Ray: every process Ray started, its own services too);
and, for comparison, N plain workers started independently (each importing torch).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import registry  # noqa: E402
from grader.run.batch import discover  # noqa: E402


def make_class(folder: Path, n: int) -> None:
    names = registry.names()
    mutants = {name: sorted((ROOT / "tests" / "mutants" / name).glob("*.py")) for name in names}
    for i in range(n):
        sub = folder / f"s{i:03d}"
        sub.mkdir(parents=True)
        for k in range(2):
            name = names[(2 * i + k) % len(names)]
            pool = mutants[name]
            source = ROOT / "solutions" / f"{name}.py" if i % 2 == 0 or not pool else pool[i % len(pool)]
            shutil.copy(source, sub / f"{name}.py")


def _tree(pid: int) -> list[int]:
    found, frontier = [pid], [pid]
    while frontier:
        p = frontier.pop()
        try:
            children = [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            continue
        found += children
        frontier += children
    return found


def _memory(pids: list[int]) -> tuple[float, float]:
    pss = rss = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            pass
    return pss / 1024, rss / 1024


class Sampler:
    """Peak PSS and RSS of the processes `roots()` returns (and their descendants)."""

    def __init__(self, roots):
        self.roots, self.peak_pss, self.peak_rss, self.per_worker = roots, 0.0, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            roots = self.roots()
            pids = [p for r in roots for p in _tree(r)]
            pss, rss = _memory(pids)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(pool, jobs, roots) -> dict:
    """Throughput over all jobs with nothing else running, then peak memory while the
    pool grades the first 20 jobs again (reading /proc/PID/smaps_rollup of every process
    costs CPU, more for a pool of more or larger processes, so it must not be timed)."""
    started = time.perf_counter()
    with pool:
        ready = time.perf_counter()
        t0 = time.perf_counter()
        statuses = [result["status"] for _, result in pool.run(jobs, device="cpu")]
        elapsed = time.perf_counter() - t0
        with Sampler(roots) as sampler:
            for _ in pool.run(jobs[:20], device="cpu"):
                pass
    return {"startup_s": round(ready - started, 2), "grading_s": round(elapsed, 2),
            "gradings_per_min": round(60 * len(jobs) / elapsed, 1), "passed": statuses.count("pass"),
            "peak_pss_mb": round(sampler.peak_pss), "peak_rss_mb": round(sampler.peak_rss)}


def local(workers: int, jobs) -> dict:
    from grader.run.pool import LocalPool

    pool = LocalPool(workers)
    figures = measure(pool, jobs, lambda: [pool.zygote.proc.pid] if pool.zygote else [])
    figures["peak_pss_per_worker_mb"] = round(figures["peak_pss_mb"] / workers)
    return figures


def independent(workers: int) -> dict:
    """N plain Graders, each its own process that imports torch: memory only."""
    from grader.run.engine import Grader

    graders = [Grader() for _ in range(workers)]
    for g in graders:
        g.start()
    pss, rss = _memory([p for g in graders for p in _tree(g._proc.pid)])
    for g in graders:
        g.close()
    return {"pss_mb": round(pss), "rss_mb": round(rss)}


def ray(workers: int, jobs) -> dict:
    import ray as _ray

    from grader.run.ray_pool import RayPool

    pool = RayPool(workers)

    def roots():
        if not _ray.is_initialized():
            return []
        return [p for p in _tree(os.getpid()) if p != os.getpid()]

    return measure(pool, jobs, roots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TRANSFERLINGS_HOME", tempfile.mkdtemp())
    with tempfile.TemporaryDirectory() as tmp:
        make_class(Path(tmp), args.submissions)
        jobs = discover(Path(tmp), registry.names()).jobs
        rows = {}
        for n in sorted({1, 2, args.workers}):
            rows[f"local x{n}"] = local(n, jobs)
        if not args.no_ray:
            rows[f"ray x{args.workers}"] = ray(args.workers, jobs)
        rows[f"independent x{args.workers} (memory only)"] = independent(args.workers)
    one = rows["local x1"]["gradings_per_min"]
    for name, row in rows.items():
        if "gradings_per_min" in row:
            row["speedup_vs_1"] = round(row["gradings_per_min"] / one, 2)
    if args.json:
        print(json.dumps({"gradings": len(jobs), "cores": os.cpu_count(), "rows": rows}, indent=2))
        return
    print(f"{len(jobs)} gradings ({args.submissions} submissions x 2 exercises), {os.cpu_count()} cores")
    for name, row in rows.items():
        print(f"{name:36} " + "  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
