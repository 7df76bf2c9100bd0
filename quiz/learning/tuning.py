"""FSRS parameters optimised from the user's own review log.

py-fsrs's Optimizer fits the parameters only from reviews that come at least a day after
the card's previous review; below MIN_REVIEWS (its mini-batch size, 512) of those it
returns the default parameters unchanged, so we do not run it and say how many are still
needed. It needs torch, pandas and tqdm (`pip install "fsrs[optimizer]"`): it runs in a
separate process (`python -m quiz.learning.tuning DB`), never in the UI's, and a missing extra is
reported in one line. The result is stored as the `fsrs_parameters` setting, which
quiz.learning.schedule uses from then on.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
import sys
from datetime import datetime
from pathlib import Path

from fsrs import ReviewLog, Scheduler

from quiz.learning import schedule
from quiz.storage.store import Store

MIN_REVIEWS = 512  # py-fsrs's mini-batch: fewer and it returns the defaults
MAX_SEQUENCE = 64  # py-fsrs learns from each card's first 64 reviews


def review_logs(store: Store) -> list[ReviewLog]:
    return [ReviewLog.from_json(r["log"]) for r in reversed(store.reviews()) if r["log"]]


def countable_reviews(logs: list[ReviewLog]) -> int:
    """Reviews the optimiser learns from, counted as py-fsrs does: among each card's first
    MAX_SEQUENCE reviews, those a day or more after the card's previous one."""
    last: dict[int, datetime] = {}
    seen: Counter = Counter()
    n = 0
    for log in sorted(logs, key=lambda log: log.review_datetime):
        seen[log.card_id] += 1
        if seen[log.card_id] > MAX_SEQUENCE:
            continue
        previous = last.get(log.card_id)
        if previous is not None and (log.review_datetime - previous).days > 0:
            n += 1
        last[log.card_id] = log.review_datetime
    return n


def optimise(store: Store, python: str = sys.executable, timeout: float = 600) -> str:
    """Fit and store the parameters when there are enough reviews; returns what happened,
    in one line. RuntimeError when the optimiser cannot run."""
    n = countable_reviews(review_logs(store))
    if n < MIN_REVIEWS:
        return (f"{n} of the {MIN_REVIEWS} reviews FSRS needs to optimise (reviews a day or more after the previous one);"
                " keeping the default parameters")
    proc = subprocess.run([python, "-m", "quiz.learning.tuning", str(store.path)], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parents[2])
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["the optimiser failed"]
        raise RuntimeError(lines[-1])
    parameters = json.loads(proc.stdout)
    Scheduler(parameters=parameters)  # validates the bounds
    store.set_setting(schedule.SETTING_PARAMETERS, json.dumps(parameters))
    return f"optimised the FSRS parameters from {n} reviews"


def _fit(db: Path) -> list[float]:
    try:
        from fsrs.optimizer import Optimizer

        optimizer = Optimizer(review_logs(Store(db)))
    except ImportError:
        raise SystemExit('optimising FSRS needs its optional extra: pip install "fsrs[optimizer]"') from None
    return optimizer.compute_optimal_parameters()


if __name__ == "__main__":
    print(json.dumps(_fit(Path(sys.argv[1]))))
