"""Transfer rate table (question 8): target score from scratch vs with transfer, the rate,
mean +- std over seeds, for each source/target pairing.

    python benchmarks/transfer.py [--json] [--seeds N] [--steps S]

Every row runs solutions.transfer_rate.compare_transfer: both arms with the same
architecture, target training split, step budget and seeds, scored on the held-out target
split; the scratch arm starts from random weights. Digits pairings (grader/pretrained.py):
the target is noisy digits with 3 labels per class (30 training images, 767 held out),
fine-tuned with Adam (lr 1e-3, batches of 16) for S steps. CPU, one thread, under a minute.

A row is a dict: row, source, target, metric, higher_is_better, seeds, budget,
scratch_mean, scratch_std, transfer_mean, transfer_std, rate, negative, seconds.
To add a row, write a function returning one and call it in rows().
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = 5
STEPS = 300


def digits_row(pairing: str, seeds: int = SEEDS, steps: int = STEPS) -> dict:
    """One digits pairing ("positive" or "negative") measured with compare_transfer."""
    from grader import pretrained as digits
    from solutions.transfer_rate import compare_transfer

    source = digits.PAIRINGS[pairing]
    splits = digits.target_splits()

    def make_model(pretrained, seed):
        return digits.make_model(source if pretrained else None, seed)

    def train(model, data, steps, seed):
        digits.fine_tune(model, data, steps, seed)

    start = time.perf_counter()
    result = compare_transfer(
        make_model, train, digits.accuracy, splits.train, splits.heldout, steps=steps, seeds=range(seeds),
    )
    return {
        "row": f"digits, {pairing}",
        "source": source,
        "target": "noisy digits, 3 labels/class",
        "metric": "accuracy",
        "higher_is_better": True,
        "seeds": seeds,
        "budget": f"{steps} steps",
        **{key: round(result[key], 4) for key in ("scratch_mean", "scratch_std", "transfer_mean", "transfer_std", "rate")},
        "negative": result["negative"],
        "seconds": round(time.perf_counter() - start, 1),
    }


def rows(seeds: int = SEEDS, steps: int = STEPS) -> list[dict]:
    """The table, one dict per row (`steps` is the digits rows' budget)."""
    return [digits_row("positive", seeds, steps), digits_row("negative", seeds, steps)]


def print_table(table: list[dict]) -> None:
    print(f"{'pairing':<18}{'source':<18}{'metric':<10}{'scratch':>17}{'transfer':>17}{'rate':>7}  {'negative':<9}{'budget':<11}{'time':>6}")
    for r in table:
        print(
            f"{r['row']:<18}{r['source']:<18}{r['metric']:<10}"
            f"{r['scratch_mean']:>9.3f} +- {r['scratch_std']:<5.3f}{r['transfer_mean']:>9.3f} +- {r['transfer_std']:<5.3f}"
            f"{r['rate']:>7.2f}  {str(r['negative']):<9}{r['budget']:<11}{r['seconds']:>5.1f}s"
        )
    seeds = sorted({r["seeds"] for r in table})
    print(f"mean +- sample std over {', '.join(map(str, seeds))} seeds; rate > 1: transfer helped, < 1: negative transfer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    from grader.pretrained import one_thread

    with one_thread():
        table = rows(args.seeds, args.steps)
    if args.json:
        print(json.dumps(table))
    else:
        print_table(table)


if __name__ == "__main__":
    main()
