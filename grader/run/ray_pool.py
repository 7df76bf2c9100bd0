"""Batch grading on a Ray cluster: one actor per worker slot, each holding a warm Grader.

    with RayPool(8, address="ray://head:10001") as pool:   # address=None: a local Ray
        for job, result in pool.run(jobs):
            ...

A job travels as the submission file's bytes (workers need no shared file system) and
comes back as the result dict. A job whose actor dies is retried once on a fresh actor,
then recorded as a crash. Ray is an optional extra (`pip install transferlings[cluster]`);
the nodes need transferlings installed. Imports neither torch nor pytest here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from grader.run.engine import DEFAULT_MEMORY_MB


class GradingActor:
    """Lives in a Ray worker process: a warm grader forked by its own zygote (as in the
    local pool, so a submission that kills what forked its worker hits the zygote, not
    the actor), and a scratch folder per job."""

    def __init__(self, memory_mb: int):
        from grader.run.pool import ForkedGrader, Zygote

        self.grader = ForkedGrader(Zygote(), memory_mb=memory_mb)
        self.grader.start()

    def ready(self) -> dict | None:
        """The isolation this actor's runs get (grader.guard.confine.probe on its node)."""
        return self.grader.isolation

    def grade(self, exercise: str, filename: str, source: bytes, impl: str, device: str, timeout: float | None) -> dict:
        from grader.run.pool import worker_lost

        with tempfile.TemporaryDirectory(prefix="transferlings-") as tmp:
            (Path(tmp) / filename).write_bytes(source)
            result = self.grader.grade(exercise, tmp, device=device, timeout=timeout)
            if worker_lost(result):
                result = self.grader.grade(exercise, tmp, device=device, timeout=timeout)
        result["impl"] = impl
        return result


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ValueError("--ray needs Ray: pip install 'transferlings[cluster]'") from None
    return ray


class RayPool:
    """`workers` GradingActors on the Ray cluster at `address` (None: start a local one)."""

    def __init__(self, workers: int, address: str | None = None, *, memory_mb: int = DEFAULT_MEMORY_MB):
        if workers < 1:
            raise ValueError("--workers must be at least 1")
        self.workers = workers
        self.address = address
        self.memory_mb = memory_mb
        self.ray = _import_ray()
        self.actors: list = []
        self._started_ray = False
        self.isolation: dict | None = None  # the least isolated actor's

    def __enter__(self) -> "RayPool":
        ray = self.ray
        if not ray.is_initialized():
            options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            if self.address is None:
                options["num_cpus"] = self.workers
            try:
                ray.init(address=self.address, **options)
            except ConnectionError as e:
                raise ValueError(f"--ray {self.address}: cannot reach a Ray cluster there ({e})") from None
            self._started_ray = True
        self._actor_class = ray.remote(num_cpus=1)(GradingActor)
        self.actors = [self._new_actor() for _ in range(self.workers)]
        levels = ray.get([actor.ready.remote() for actor in self.actors])  # warm before the first job
        order = {"none": 0, "partial": 1, "full": 2}
        self.isolation = min(levels, key=lambda i: order.get((i or {}).get("level"), 0)) if levels else None
        return self

    def __exit__(self, *exc) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []
        if self._started_ray:
            self.ray.shutdown()

    def _new_actor(self):
        return self._actor_class.remote(self.memory_mb)

    def run(self, jobs: Iterable, *, device: str = "auto", timeout: float | None = None) -> Iterator[tuple]:
        ray = self.ray
        todo = [(job, 0) for job in jobs]
        todo.reverse()
        idle = list(range(len(self.actors)))
        running: dict = {}  # ObjectRef -> (job, tries, slot)

        def submit(slot: int, job, tries: int) -> None:
            ref = self.actors[slot].grade.remote(job.exercise, job.file.name, job.source(), str(job.path), device, timeout)
            running[ref] = (job, tries, slot)

        while todo or running:
            while todo and idle:
                job, tries = todo.pop()
                submit(idle.pop(), job, tries)
            ready, _ = ray.wait(list(running), num_returns=1)
            ref = ready[0]
            job, tries, slot = running.pop(ref)
            try:
                result = ray.get(ref)
            except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as e:
                self.actors[slot] = self._new_actor()
                idle.append(slot)
                if tries == 0:
                    todo.append((job, 1))
                    continue
                result = job.error_result(f"the grading worker died twice on this submission ({type(e).__name__})")
            else:
                idle.append(slot)
            yield job, result
