"""Transfer rate table (question 8): target score from scratch vs with transfer, the rate,
mean +- std over seeds, for each source/target pairing.

    python benchmarks/transfer.py [--json] [--seeds N] [--steps S]

The digits rows run solutions.transfer_rate.compare_transfer: both arms with the same
architecture, target training split, step budget and seeds, scored on the held-out target
split; the scratch arm starts from random weights. Digits pairings (grader/fixtures/pretrained.py):
the target is noisy digits with 3 labels per class (30 training images, 767 held out),
fine-tuned with Adam (lr 1e-3, batches of 16) for S steps. The house-price row compares
benchmarks/house_prices.py's pretrained and from-scratch arms (same data, epochs and seeds)
by held-out RMSE, so its rate is scratch / transfer. CPU, one thread, under a minute.

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
sys.path.insert(0, str(ROOT / "benchmarks"))

SEEDS = 5
STEPS = 300


def digits_row(pairing: str, seeds: int = SEEDS, steps: int = STEPS) -> dict:
    """One digits pairing ("positive" or "negative") measured with compare_transfer."""
    from grader.fixtures import pretrained as digits
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


def house_prices_row(seeds: int = SEEDS) -> dict:
    """House prices: held-out RMSE of the pretrained backbone vs the same model from scratch
    (benchmarks/house_prices.py), as a transfer rate for a lower-is-better metric."""
    import house_prices

    from solutions.transfer_rate import negative_transfer, transfer_rate

    start = time.perf_counter()
    pretrained, scratch = house_prices.rows(seeds)[:2]
    return {
        "row": "house prices",
        "source": "house styles",
        "target": "prices of another town's houses",
        "metric": "RMSE ($)",
        "higher_is_better": False,
        "seeds": seeds,
        "budget": f"{pretrained['finetune_epochs']} epochs",
        "scratch_mean": scratch["rmse"], "scratch_std": scratch["rmse_std"],
        "transfer_mean": pretrained["rmse"], "transfer_std": pretrained["rmse_std"],
        "rate": round(transfer_rate(pretrained["rmse"], scratch["rmse"], higher_is_better=False), 4),
        "negative": negative_transfer(pretrained["rmse"], scratch["rmse"], higher_is_better=False),
        "seconds": round(time.perf_counter() - start, 1),
    }


def rows(seeds: int = SEEDS, steps: int = STEPS) -> list[dict]:
    """The table, one dict per row (`steps` is the digits rows' budget)."""
    return [digits_row("positive", seeds, steps), digits_row("negative", seeds, steps), house_prices_row(seeds)]


def print_table(table: list[dict]) -> None:
    print(f"{'pairing':<18}{'source':<18}{'metric':<10}{'scratch':>17}{'transfer':>17}{'rate':>7}  {'negative':<9}{'budget':<11}{'time':>6}")
    for r in table:
        fmt = ".3f" if r["higher_is_better"] else ",.0f"
        scratch = f"{r['scratch_mean']:{fmt}} +- {r['scratch_std']:{fmt}}"
        transfer = f"{r['transfer_mean']:{fmt}} +- {r['transfer_std']:{fmt}}"
        print(
            f"{r['row']:<18}{r['source']:<18}{r['metric']:<10}{scratch:>17}{transfer:>17}"
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
    from grader.fixtures.pretrained import one_thread

    with one_thread():
        table = rows(args.seeds, args.steps)
    if args.json:
        print(json.dumps(table))
    else:
        print_table(table)


if __name__ == "__main__":
    main()
