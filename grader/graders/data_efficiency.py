"""Grader for data_efficiency (Q3): stratified nested subsets, effective data transferred,
and the learning-curve experiment.

`stratified_subset` is checked by properties only (which indices are drawn is the
implementer's choice). `effective_data` is checked on hand-made curves whose expected
values are written out in each check. `learning_curves` is graded with instrumented fakes
(`Experiment`, grader/fixtures/curve_fakes.py), as compare_transfer is in the transfer_rate
grader, plus one tiny real run on the digits fixtures of grader/fixtures/pretrained.py.
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch

from grader.fixtures import pretrained as digits
from grader.fixtures.curve_fakes import (
    BUDGETS, MEANS, OFFSETS, PER_CLASS, SEEDS, STEPS, Experiment, expected_means, labels_with, log_between,
    reference_effective,
)
from grader.authoring.checks import FakeModel, check, raising
from grader.authoring.devices import call_elsewhere, here

# ---------------------------------------------------------------- helpers


def close(actual: float, expected: float, tol: float = 1e-6) -> bool:
    return abs(actual - expected) <= tol + tol * abs(expected)


def results(out, n: int, call: str) -> list:
    assert isinstance(out, list), f"{call}: expected a list, got {type(out).__name__}"
    assert len(out) == n, f"{call}: expected {n} entries (one per budget), got {len(out)}"
    for v in out:
        assert v is None or type(v) is float, (
            f"{call}: expected each entry to be a Python float or None, got {type(v).__module__}.{type(v).__name__}: {v!r}"
        )
    return out


def same(got: list, expected: list) -> bool:
    return len(got) == len(expected) and all(
        (g is None and e is None) or (g is not None and e is not None and close(g, e)) for g, e in zip(got, expected)
    )


def show(values) -> str:
    return "[" + ", ".join("None" if v is None else f"{v:.4f}" for v in values) + "]"


def effective(impl, budgets, transfer, scratch, expected, **kwargs) -> None:
    call = f"effective_data({budgets}, {transfer}, {scratch}{', higher_is_better=False' if kwargs else ''})"
    got = results(impl.effective_data(budgets, transfer, scratch, **kwargs), len(expected), call)
    assert same(got, expected), f"{call}: expected {show(expected)}, got {show(got)}"


def subset(impl, labels: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    out = impl.stratified_subset(labels, per_class, seed=seed)
    assert isinstance(out, torch.Tensor), f"expected a tensor of indices, got {type(out).__name__}"
    return out.detach().cpu()


def as_set(idx: torch.Tensor) -> set[int]:
    return set(idx.tolist())


COUNTS = {0: 7, 1: 9, 2: 12}


# ---------------------------------------------------------------- stratified_subset


@check(
    "stratified_subset draws exactly per_class distinct examples of every class",
    level="basic", points=2,
    hint="Find the classes with torch.unique(labels); for each, take per_class of its positions at random (torch.randperm with a generator), never the same position twice.",
)
def test_subset_counts(impl):
    labels = labels_with(COUNTS)
    for k in (1, 5, 7):
        idx = subset(impl, labels, k, seed=3)
        assert idx.dim() == 1 and len(idx) == 3 * k, f"per_class={k} with 3 classes: expected {3 * k} indices, got shape {tuple(idx.shape)}"
        values = idx.tolist()
        assert len(set(values)) == len(values), f"per_class={k}: expected distinct indices (no replacement), got {sorted(values)}"
        assert all(0 <= v < len(labels) for v in values), f"per_class={k}: indices must be positions into labels (0..{len(labels) - 1}), got {values}"
        drawn = torch.bincount(labels[idx], minlength=3).tolist()
        assert drawn == [k, k, k], f"per_class={k}: expected {k} examples of each class 0, 1, 2, got counts {drawn}"


@check(
    "The indices come back as a sorted 1-D int64 tensor",
    level="basic", points=1,
    hint="Concatenate the chosen positions of all classes, then .sort().values; randperm and nonzero already give int64.",
)
def test_subset_sorted_int64(impl):
    idx = impl.stratified_subset(labels_with(COUNTS), 4, seed=8)
    assert isinstance(idx, torch.Tensor) and idx.dtype == torch.int64, f"expected a torch.int64 tensor, got {getattr(idx, 'dtype', type(idx).__name__)}"
    values = idx.tolist()
    assert values == sorted(values), f"expected indices sorted ascending, got {values}"


@check(
    "The same seed gives the same indices; different seeds give different subsets",
    level="basic", points=1,
    hint="Build a fresh torch.Generator().manual_seed(seed) inside the call and draw everything from it.",
)
def test_subset_seeded(impl):
    labels = labels_with(COUNTS)
    first, again = subset(impl, labels, 3, seed=11), subset(impl, labels, 3, seed=11)
    assert torch.equal(first, again), f"seed=11 twice: expected the same indices, got {first.tolist()} then {again.tolist()}"
    draws = {tuple(subset(impl, labels, 3, seed=s).tolist()) for s in range(10)}
    assert len(draws) >= 8, f"seeds 0..9: expected (almost) all different subsets, got {len(draws)} distinct"


@check(
    "Nested budgets: with one seed, a smaller per_class subset lies inside a larger one",
    level="interview", points=3,
    hint="Draw one random order per class (or one for all examples) from the seed and take its first per_class entries: the draw must not depend on per_class.",
)
def test_subset_nested(impl):
    labels = labels_with(COUNTS)
    for seed in range(4):
        previous = set()
        for k in range(1, 8):
            current = as_set(subset(impl, labels, k, seed=seed))
            assert previous <= current, (
                f"seed={seed}: expected the per_class={k - 1} subset inside the per_class={k} one; missing {sorted(previous - current)}"
            )
            previous = current


@check(
    "torch's global random state is neither changed nor used",
    level="interview", points=2,
    hint="torch.manual_seed(seed) and torch.randperm(n) without generator= both go through the global generator: use torch.Generator().manual_seed(seed) and pass generator= to every draw.",
)
def test_subset_global_rng(impl):
    labels = labels_with(COUNTS)
    torch.manual_seed(123)
    state = torch.get_rng_state()
    subset(impl, labels, 4, seed=2)
    assert torch.equal(state, torch.get_rng_state()), "expected torch's global random state unchanged by stratified_subset"
    torch.manual_seed(1)
    a = subset(impl, labels, 4, seed=2)
    torch.manual_seed(2)
    b = subset(impl, labels, 4, seed=2)
    assert torch.equal(a, b), f"seed=2 under two different global seeds: expected the same indices, got {a.tolist()} and {b.tolist()}"


@check(
    "per_class < 1 raises ValueError",
    level="basic", points=1,
    hint="Check per_class before drawing: a budget of zero examples per class is a caller's mistake, not an empty subset.",
)
def test_subset_rejects_small_budget(impl):
    for k in (0, -2):
        problem = raising(lambda: impl.stratified_subset(labels_with(COUNTS), k, seed=0))
        assert problem is None, f"expected ValueError for per_class={k}; it {problem}"


@check(
    "A class with fewer than per_class examples raises ValueError naming its label",
    level="interview", points=2,
    hint="Count each class (torch.unique(..., return_counts=True)) and put the short class's label in the message: 'class 13 has 2 examples, fewer than per_class=4'.",
)
def test_subset_short_class(impl):
    for counts, short in (({3: 8, 7: 9, 13: 2}, 13), ({0: 6, 41: 5, 2: 9}, 41)):
        k = counts[short] + 1
        try:
            impl.stratified_subset(labels_with(counts), k, seed=0)
        except ValueError as exc:
            message = str(exc)
        else:
            raise AssertionError(f"class {short} has {counts[short]} examples, per_class={k}: expected ValueError, got none")
        assert re.search(rf"(?<![0-9]){short}(?![0-9])", message), (
            f"class {short} is the one with too few examples: expected its label in the message, got {message!r}"
        )


@check(
    "Only the classes present count: labels need not be 0..C-1",
    level="expert", points=1,
    hint="Iterate over torch.unique(labels), not range(labels.max() + 1): absent values are not classes.",
)
def test_subset_sparse_labels(impl):
    labels = labels_with({3: 5, 7: 6, 12: 4})
    idx = subset(impl, labels, 4, seed=1)
    drawn = {c: int((labels[idx] == c).sum()) for c in (3, 7, 12)}
    assert len(idx) == 12 and drawn == {3: 4, 7: 4, 12: 4}, f"labels in {{3, 7, 12}}, per_class=4: expected 4 of each, got {drawn} ({len(idx)} indices)"


@check(
    "Every example of a class can be drawn",
    level="expert", points=2, hidden=True,
    hint="Draw uniformly among all of a class's positions (a permutation of all of them), not from its first few or from a window.",
)
def test_subset_covers(impl):
    labels = labels_with({0: 6, 1: 6, 2: 6})
    seen: set[int] = set()
    for seed in range(60):
        seen |= as_set(subset(impl, labels, 2, seed=seed))
    assert seen == set(range(18)), f"per_class=2 over 60 seeds: expected every one of the 18 examples drawn at least once; never drawn: {sorted(set(range(18)) - seen)}"


# ---------------------------------------------------------------- effective_data


@check(
    "effective_data is D_E - D_F with D_E interpolated in log(budget) at the scratch curve's crossing",
    level="basic", points=3,
    hint="For each transfer score s*, find the first scratch point at least as good, interpolate log(budget) between it and the point before, exponentiate, and subtract the transfer arm's own budget.",
)
def test_effective_monotone(impl):
    effective(impl, [10, 20, 40, 80], [0.5, 0.575, 0.65, 0.72], [0.4, 0.5, 0.6, 0.7],
              [10.0, log_between(20, 40, 0.75) - 20, 40 * math.sqrt(2) - 40, None])


@check(
    "Results are a list of plain Python floats or None",
    level="basic", points=1,
    hint="Convert with float(...) at the end: math.exp of a tensor or numpy value keeps its type.",
)
def test_effective_types(impl):
    for budgets, transfer, scratch in (([10, 100], [0.5, 0.6], [0.2, 0.8]),
                                       ([1, 2, 4], [0.3, 0.4, 0.9], [0.3, 0.35, 0.5])):
        call = f"effective_data({budgets}, {transfer}, {scratch})"
        results(impl.effective_data(budgets, transfer, scratch), len(budgets), call)


@check(
    "Any finite scores work: negative ones and ones above 1",
    level="basic", points=1,
    hint="Scores are whatever the metric gives (a log-likelihood is negative, an RMSE can exceed 1): only NaN and infinity are invalid.",
)
def test_effective_any_finite_scores(impl):
    effective(impl, [10, 20, 40], [-1.5, 2.0, 6.0], [-2.0, -1.0, 4.0], [log_between(10, 20, 0.5) - 10, log_between(20, 40, 0.6) - 20, None])
    effective(impl, [10, 20, 40], [150.0, 90.0, 70.0], [200.0, 100.0, 80.0],
              [log_between(10, 20, 0.5) - 10, log_between(20, 40, 0.5) - 20, None], higher_is_better=False)


@check(
    "Interpolation is linear in log(budget), not in budget",
    level="interview", points=2,
    hint="Budgets grow geometrically: between 1 and 100 examples, halfway in score is 10 examples (the geometric mean), not 50.5.",
)
def test_effective_log_interpolation(impl):
    effective(impl, [1, 100], [0.5, 0.9], [0.2, 0.8], [9.0, None])
    effective(impl, [8, 64, 512], [0.45, 0.8, 0.61], [0.3, 0.6, 0.9],
              [log_between(8, 64, 0.5) - 8, log_between(64, 512, 2 / 3) - 64, log_between(64, 512, 1 / 30) - 512])


@check(
    "On a non-monotone scratch curve the first crossing counts",
    level="interview", points=2,
    hint="Scan the scratch scores from the smallest budget and stop at the first one at least as good as s*; interpolate with the point just before it, not with the best earlier point, and do not sort.",
)
def test_effective_first_crossing(impl):
    budgets, scratch = [10, 20, 40, 80, 160], [0.3, 0.6, 0.5, 0.8, 0.9]
    expected = [log_between(10, 20, 0.25 / 0.3) - 10, log_between(40, 80, 0.2 / 0.3) - 20,
                log_between(80, 160, 0.5) - 40, 20 - 80.0, 10 - 160.0]
    effective(impl, budgets, [0.55, 0.7, 0.85, 0.6, 0.3], scratch, expected)


@check(
    "A scratch score equal to s* counts as reached: D_E is exactly that budget",
    level="interview", points=2,
    hint="'At least as good' is >= (<= for errors): a tie reaches s*, at the first point, at the last, and on a flat curve.",
)
def test_effective_ties(impl):
    effective(impl, [5, 50], [0.5, 0.5], [0.5, 0.5], [0.0, -45.0])
    effective(impl, [2, 4, 8], [0.3, 0.3, 0.3], [0.1, 0.2, 0.3], [6.0, 4.0, 0.0])
    effective(impl, [3, 9, 27], [0.4, 0.6, 0.7], [0.4, 0.5, 0.6], [0.0, 18.0, None])
    effective(impl, [2, 4, 8], [0.7, 0.7, 0.7], [0.9, 0.8, 0.7], [6.0, 4.0, 0.0], higher_is_better=False)
    effective(impl, [3, 9, 27], [0.6, 0.4, 0.3], [0.6, 0.5, 0.4], [0.0, 18.0, None], higher_is_better=False)


@check(
    "D_T is negative when transfer hurt",
    level="basic", points=1,
    hint="Return D_E - D_F, not D_E, and not its absolute value: a transferred model that needs less than its own data to be matched is negative transfer.",
)
def test_effective_negative(impl):
    effective(impl, [10, 20, 40], [0.25, 0.5, 0.55], [0.2, 0.5, 0.6], [log_between(10, 20, 1 / 6) - 10, 0.0, log_between(20, 40, 0.5) - 40])


@check(
    "None when the scratch curve never reaches s*, or is already strictly better at the smallest budget",
    level="interview", points=2,
    hint="Both cases lie outside the measured curve: D_E would be above the largest budget or below the smallest. Return None instead of extrapolating or clamping.",
)
def test_effective_none(impl):
    effective(impl, [10, 20, 40], [0.5, 0.65, 0.9], [0.6, 0.7, 0.8], [None, log_between(10, 20, 0.5) - 20, None])
    effective(impl, [1, 2], [0.95, 0.1], [0.5, 0.9], [None, None])


@check(
    "With errors (higher_is_better=False) a lower scratch score is at least as good",
    level="interview", points=2,
    hint="Only the comparison flips (<= instead of >=); the interpolation formula is the same for both directions.",
)
def test_effective_errors(impl):
    effective(impl, [10, 20, 40, 80], [0.5, 0.45, 0.35, 0.28], [0.6, 0.5, 0.4, 0.3],
              [10.0, 20 * math.sqrt(2) - 20, 40 * math.sqrt(2) - 40, None], higher_is_better=False)
    effective(impl, [10, 20], [0.7, 0.55], [0.6, 0.5], [None, log_between(10, 20, 0.5) - 20], higher_is_better=False)


@check(
    "Lists, tuples, 1-D tensors and NumPy arrays are accepted, and give plain floats",
    level="interview", points=2,
    hint="Turn every input into a list of Python floats first (tensor.tolist(), float(v)); len() works on all of them, truth tests do not.",
)
def test_effective_input_kinds(impl):
    expected = [2.0, 4 * math.sqrt(2) - 4, 8.0, None]
    budgets, transfer, scratch = [2, 4, 8, 16], [0.5, 0.5625, 0.75, 0.875], [0.25, 0.5, 0.625, 0.75]
    kinds = {
        "tuples": (tuple(budgets), tuple(transfer), tuple(scratch)),
        "tensors (int64 budgets, float32 scores)": (torch.tensor(budgets), torch.tensor(transfer), torch.tensor(scratch)),
        "NumPy arrays (int64 and float32)": (np.array(budgets), np.array(transfer, dtype=np.float32), np.array(scratch, dtype=np.float32)),
        "lists of NumPy scalars": ([np.int64(b) for b in budgets], [np.float64(t) for t in transfer], [np.float32(s) for s in scratch]),
    }
    for kind, args in kinds.items():
        got = results(impl.effective_data(*args), 4, f"effective_data with {kind}")
        assert same(got, expected), f"inputs as {kind}: expected {show(expected)}, got {show(got)}"


@check(
    "Mismatched lengths or fewer than two budgets raise ValueError; two budgets are enough",
    level="basic", points=2,
    hint="Validate before computing: the three sequences must have the same length, at least 2 (a curve needs two points).",
)
def test_effective_rejects_shapes(impl):
    cases = {
        "2 budgets, 3 transfer scores": ([1, 2], [0.1, 0.2, 0.3], [0.1, 0.2]),
        "3 budgets, 2 scratch scores": ([1, 2, 3], [0.1, 0.2, 0.3], [0.1, 0.2]),
        "one budget": ([5], [0.5], [0.4]),
        "no budget": ([], [], []),
    }
    for what, args in cases.items():
        problem = raising(lambda: impl.effective_data(*args))
        assert problem is None, f"expected ValueError for {what}; it {problem}"
    results(impl.effective_data([5, 10], [0.5, 0.6], [0.4, 0.7]), 2, "effective_data with exactly two budgets")


@check(
    "Budgets that are not strictly increasing, not positive or not finite raise ValueError",
    level="interview", points=2,
    hint="Check every budget with math.isfinite and > 0 (log needs positive numbers), and every neighbour pair for b[i] < b[i+1] (equal is not increasing).",
)
def test_effective_rejects_budgets(impl):
    scores = [0.1, 0.2, 0.3]
    for budgets in ([1, 1, 2], [1, 3, 2], [0, 1, 2], [-4, 1, 2], [1, 2, math.inf], [math.nan, 1, 2], [1, math.nan, 3]):
        problem = raising(lambda: impl.effective_data(budgets, scores, scores))
        assert problem is None, f"expected ValueError for budgets {budgets}; it {problem}"


@check(
    "NaN or infinite scores raise ValueError",
    level="interview", points=1,
    hint="Comparisons with NaN are all False, so a NaN slips through as 'never reached': test math.isfinite on every score.",
)
def test_effective_rejects_scores(impl):
    good = [0.1, 0.2, 0.3]
    for transfer, scratch in (([0.1, math.nan, 0.3], good), (good, [0.1, math.inf, 0.3]), (good, [-math.inf, 0.2, 0.3]),
                              ([math.inf, 0.2, 0.3], good)):
        problem = raising(lambda: impl.effective_data([1, 2, 3], transfer, scratch))
        assert problem is None, f"expected ValueError for transfer {transfer}, scratch {scratch}; it {problem}"


# ---------------------------------------------------------------- learning_curves with fakes

def field(result, key: str):
    assert isinstance(result, dict), f"expected learning_curves to return a dict, got {type(result).__name__}"
    assert key in result, f"expected the result to have key {key!r}; keys: {sorted(result)}"
    return result[key]


def floats(values, what: str, n: int) -> list[float]:
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    assert isinstance(values, (list, tuple, np.ndarray)) and len(values) == n, f"expected {what} to hold {n} values, got {values!r}"
    return [float(v) for v in values]


@check(
    "learning_curves reports the budgets as training-set sizes and each arm's mean held-out score per budget",
    level="basic", points=3,
    hint="budgets = per-class size x number of classes; average each arm's held-out scores over the seeds at each budget, and keep the per-seed scores in seed order.",
)
def test_curves_report(impl):
    result = Experiment().run(impl)
    assert list(field(result, "per_class")) == list(PER_CLASS), f"expected per_class {list(PER_CLASS)}, got {result['per_class']}"
    assert [int(b) for b in field(result, "budgets")] == BUDGETS, f"3 classes, per_class {list(PER_CLASS)}: expected budgets {BUDGETS}, got {result['budgets']}"
    want = expected_means()
    for arm in ("transfer", "scratch"):
        got = floats(field(result, arm), f'result["{arm}"]', len(PER_CLASS))
        assert all(close(g, e, 1e-5) for g, e in zip(got, want[arm])), f'expected result["{arm}"] = {show(want[arm])} (held-out means), got {show(got)}'
        runs = field(result, f"{arm}_runs")
        assert len(runs) == len(PER_CLASS), f'expected result["{arm}_runs"] to hold one list per budget, got {runs!r}'
        for k, mean, per_seed in zip(PER_CLASS, MEANS[arm], runs):
            expected = [mean + OFFSETS[arm][s] for s in SEEDS]
            got = floats(per_seed, f'result["{arm}_runs"] at per_class={k}', len(SEEDS))
            assert all(close(g, e, 1e-5) for g, e in zip(got, expected)), f"{arm} at per_class={k}: expected per-seed scores {show(expected)} for seeds {list(SEEDS)}, got {show(got)}"


@check(
    "Both arms train on the same examples, for the same steps, with the same seed, at every budget",
    level="interview", points=2,
    hint="Draw the training set once per (seed, budget) and hand the same data, steps and seed to both arms' train() calls.",
)
def test_curves_paired(impl):
    exp = Experiment()
    exp.run(impl)
    transfer, scratch = exp.sets("transfer"), exp.sets("scratch")
    expected_keys = sorted((s, k) for s in SEEDS for k in PER_CLASS)
    assert sorted(transfer) == expected_keys == sorted(scratch), (
        f"expected one training run per arm, seed and per-class budget {expected_keys}; transfer {sorted(transfer)}, scratch {sorted(scratch)}"
    )
    differ = [key for key in expected_keys if transfer[key] != scratch[key]]
    assert not differ, f"expected the same training examples for both arms; (seed, per_class) {differ[:3]} differ"
    wrong = [(m, steps, seed) for m, _, steps, seed in exp.train_calls if steps != STEPS or seed != getattr(m, "seed", None)]
    assert not wrong, f"expected every train() call with steps={STEPS} and the model's own seed; got {wrong[:3]}"


@check(
    "Training sets are class-balanced draws from the pool, nested across budgets for each seed",
    level="interview", points=2,
    hint="Use stratified_subset(y, k, seed=seed) on the pool's labels and index x and y with it: the subsets of one seed then grow by adding examples.",
)
def test_curves_nested(impl):
    exp = Experiment()
    exp.run(impl)
    for (seed, k), ids in exp.sets("transfer").items():
        assert exp.per_class(ids) == k, f"seed {seed}: expected {k} distinct pool examples of each class, got positions {ids}"
    for seed in SEEDS:
        sets = [set(exp.sets("transfer").get((seed, k), ())) for k in PER_CLASS]
        for k, small, big in zip(PER_CLASS[1:], sets, sets[1:]):
            assert small <= big, f"seed {seed}: expected the per_class={k // 2} training set inside the per_class={k} one"


@check(
    "Models are scored on the held-out split; the transfer arm starts pretrained, the scratch arm from random weights",
    level="interview", points=2,
    hint="make_model(True, seed) for transfer, make_model(False, seed) for scratch; pass heldout (never the pool or the training subset) to evaluate().",
)
def test_curves_heldout_and_arms(impl):
    exp = Experiment()
    exp.run(impl)
    scored = [data for _, data, _ in exp.eval_calls]
    assert scored and all(d is exp.heldout for d in scored), f"expected every evaluate() call on heldout; got {[repr(d)[:30] for d in scored[:4]]}"
    arms = sorted({m.arm for m, *_ in exp.train_calls if isinstance(m, FakeModel)})
    assert arms == ["scratch", "transfer"], f"expected models built with pretrained=True and pretrained=False; trained arms: {arms}"


@check(
    "effective_data in the result is computed from the mean curves and the training-set sizes (higher is better by default)",
    level="interview", points=2,
    hint="Call effective_data(budgets, transfer means, scratch means, higher_is_better=higher_is_better) once, with budgets in examples (not per class) and the means (not per-seed values).",
)
def test_curves_effective(impl):
    for lower, default in ((False, False), (True, False), (False, True)):
        result = Experiment(lower_is_better=lower).run(impl, default_direction=default)
        want_means = expected_means(lower)
        expected = reference_effective(BUDGETS, want_means["transfer"], want_means["scratch"], not lower)
        got = field(result, "effective_data")
        assert isinstance(got, list) and same([None if g is None else float(g) for g in got], expected), (
            f"higher_is_better={'(default)' if default else not lower}: expected effective_data {show(expected)}, got {got!r}"
        )


@check(
    "Every arm, budget and seed gets a fresh model, trained once before it is scored",
    level="expert", points=2,
    hint="Call make_model inside the loops over budgets, seeds and arms; continuing to train one model across budgets is not a learning curve of independent runs.",
)
def test_curves_fresh_models(impl):
    exp = Experiment()
    exp.run(impl)
    scored = [(m, history) for m, data, history in exp.eval_calls if isinstance(m, FakeModel)]
    for model, history in scored:
        assert len(history) == 1, f"expected {model} trained exactly once when scored; it had {len(history)} train() calls"
    runs = 2 * len(SEEDS) * len(PER_CLASS)
    distinct = len({id(m) for m, _ in scored})
    assert distinct == runs, f"expected {runs} distinct models scored (arms x seeds x budgets), got {distinct}"


@check(
    "Bad budgets or seeds raise ValueError before any training",
    level="basic", points=2,
    hint="Validate per_class (at least two, positive, strictly increasing) and seeds (at least one, distinct) first; a budget above a class's size fails in stratified_subset.",
)
def test_curves_rejects(impl):
    cases = [{"per_class": [4]}, {"per_class": [2, 2]}, {"per_class": [4, 2]}, {"per_class": [0, 1]},
             {"seeds": []}, {"seeds": [3, 3]}]
    for kwargs in cases:
        exp = Experiment()
        problem = raising(lambda: exp.run(impl, **kwargs))
        assert problem is None, f"expected ValueError for {kwargs}; it {problem}"
        assert not exp.train_calls, f"{kwargs}: expected ValueError before training, but train() ran {len(exp.train_calls)} times"
    problem = raising(lambda: Experiment().run(impl, per_class=[1, 10]))
    assert problem is None, f"per_class=[1, 10] with a pool class of 9 examples: expected ValueError; it {problem}"


@check(
    "For real on noisy digits: the augmented-digits source beats scratch at every budget",
    level="expert", points=2,
    hint="Run learning_curves with grader.fixtures.pretrained's make_model, fine_tune and accuracy on curve_splits(); if transfer does not win, check which arm loads the pretrained weights and which split is scored.",
)
def test_curves_real_digits(impl, device):
    pool, rest = digits.curve_splits(device, per_class=2)
    heldout = digits.Split(rest.x[:200], rest.y[:200])

    def make_model(pretrained, seed):
        return digits.make_model(digits.POSITIVE if pretrained else None, seed, device)

    def train(model, data, steps, seed):
        digits.fine_tune(model, digits.Split(*data), steps, seed)

    with digits.one_thread():
        result = impl.learning_curves(make_model, train, digits.accuracy, pool, heldout,
                                      per_class=[1, 2], seeds=[0], steps=3)
    assert [int(b) for b in field(result, "budgets")] == [10, 20], f"10 classes, per_class [1, 2]: expected budgets [10, 20], got {result['budgets']}"
    transfer, scratch = floats(result["transfer"], "transfer", 2), floats(result["scratch"], "scratch", 2)
    assert all(t > s + 0.1 for t, s in zip(transfer, scratch)), (
        f"positive pairing: expected transfer accuracy well above scratch at both budgets; transfer {show(transfer)}, scratch {show(scratch)}"
    )


# ---------------------------------------------------------------- devices


@check(
    "stratified_subset and effective_data work on tensors of another device (a GPU)",
    level="interview", points=2,
    hint="Keep every tensor you index with on the labels' device (or move the labels to the CPU "
    "first, as the generator is a CPU one); a CPU permutation indexed by a GPU mask raises on CUDA.",
)
def test_functions_follow_the_input_device(impl):
    labels = labels_with({3: 4, 7: 5, 9: 3}, seed=2)
    expected = impl.stratified_subset(labels, 2, seed=11)
    got = here(call_elsewhere(impl.stratified_subset, labels, 2, seed=11))
    assert torch.equal(got.cpu().to(torch.int64), expected), (
        f"labels on another device: expected the same indices as on the CPU {expected.tolist()}, got {got.tolist()}"
    )
    budgets, transfer, scratch = torch.tensor([2.0, 4.0, 8.0]), torch.tensor([0.3, 0.5, 0.6]), torch.tensor([0.2, 0.4, 0.7])
    want = reference_effective([2, 4, 8], [0.3, 0.5, 0.6], [0.2, 0.4, 0.7], True)
    out = call_elsewhere(impl.effective_data, budgets, transfer, scratch)
    assert isinstance(out, list) and all(v is None or type(v) is float for v in out), (
        f"scores on another device: expected a list of Python floats or None, got {out!r}"
    )
    assert same(out, want), f"scores on another device: expected {show(want)}, got {show(out)}"
