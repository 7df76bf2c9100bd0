"""Effective data transferred (question 3): learning curves of the transfer and the
scratch arm on the digits fixtures, and D_T = D_E - D_F at each budget, for the positive
and the negative source.

    python benchmarks/data_efficiency.py [--json] [--seeds N] [--steps S]

Runs solutions.data_efficiency.learning_curves: for each seed and per-class budget k, a
class-balanced training set of k images per class drawn from a pool of 30 noisy-digit
images per class (nested across budgets: stratified_subset with that seed), both arms
fine-tuned on it with the same Adam steps (lr 1e-3, batches of 16) and seed, scored on the
467 held-out images outside the pool (grader.fixtures.pretrained.curve_splits). The scratch arm
starts from random weights. CPU, one thread.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_CLASS = (1, 2, 4, 8, 16, 30)
SEEDS = 3
STEPS = 600


def curves(pairing: str, seeds: int = SEEDS, steps: int = STEPS, per_class=PER_CLASS) -> dict:
    """The learning_curves result for one digits pairing ("positive" or "negative")."""
    from grader.fixtures import pretrained as digits
    from solutions.data_efficiency import learning_curves

    source = digits.PAIRINGS[pairing]
    splits = digits.curve_splits()

    def make_model(pretrained, seed):
        return digits.make_model(source if pretrained else None, seed)

    def train(model, data, steps, seed):
        digits.fine_tune(model, digits.Split(*data), steps, seed)

    start = time.perf_counter()
    result = learning_curves(make_model, train, digits.accuracy, splits.train, splits.heldout,
                             per_class=per_class, seeds=range(seeds), steps=steps)
    return {"pairing": pairing, "source": source, "seeds": seeds, "steps": steps, **result,
            "seconds": round(time.perf_counter() - start, 1)}


def print_table(table: list[dict]) -> None:
    for r in table:
        print(f"{r['pairing']} source ({r['source']}), {r['seeds']} seeds, {r['steps']} steps, {r['seconds']:.1f}s")
        print(f"  {'per class':>9} {'D_F':>5} {'scratch':>8} {'transfer':>9} {'D_T':>8}")
        for k, d_f, s, t, d_t in zip(r["per_class"], r["budgets"], r["scratch"], r["transfer"], r["effective_data"]):
            shown = "n/a" if d_t is None else f"{d_t:+.0f}"
            print(f"  {k:>9} {d_f:>5} {s:>8.3f} {t:>9.3f} {shown:>8}")
    print("accuracy on held-out noisy digits, mean over seeds; D_T = D_E - D_F in images "
          "(n/a: outside the measured scratch curve)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    from grader.fixtures.pretrained import one_thread

    with one_thread():
        table = [curves(p, args.seeds, args.steps) for p in ("positive", "negative")]
    if args.json:
        print(json.dumps(table))
    else:
        print_table(table)


if __name__ == "__main__":
    main()
