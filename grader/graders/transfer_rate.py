"""Grader for transfer_rate (Q8): the transfer rate, negative transfer, and the protocol
that measures them.

`compare_transfer` is graded with instrumented fakes (`Experiment`): fake models remember
whether they were built pretrained, with which seed, and every training call they got;
`evaluate` returns a score looked up from a table by arm and seed, so every protocol
mistake (scoring the training split, a pretrained scratch arm, unequal budgets, reused
seeds or models) shows up both in the recorded calls and in the reported numbers. One
check runs the protocol for real on the digits fixtures of grader/fixtures/pretrained.py.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- transfer_rate: transfer / scratch (accuracies), scratch / transfer (errors), default
  higher_is_better=True -> test_rate_for_accuracies, test_rate_for_errors, test_equal_scores
- int, float, NumPy scalar, one-element tensor in; a Python float out ->
  test_rate_is_float, test_rate_accepts_tensors_and_numpy
- zero, negative, NaN, inf, bool: ValueError -> test_rate_rejects_non_positive,
  test_rate_rejects_non_finite, test_rate_rejects_bools
- negative_transfer: strictly worse, either direction, a plain bool, scores as for the rate ->
  test_negative_for_accuracies, test_negative_for_errors, test_equal_scores,
  test_negative_agrees_with_rate, test_negative_accepts_tensors_and_numpy
- compare_transfer: make_model(pretrained, seed) decides the start -> test_protocol_scratch_is_random;
  train on target_train for exactly `steps` with the seed -> test_protocol_trains_on_train_split,
  test_protocol_same_budget, test_protocol_seeds; scored on target_heldout ->
  test_protocol_scores_heldout; fresh models, none reused -> test_protocol_fresh_models
- seeds: >= 2 and distinct, else ValueError before training; two in a tuple are enough ->
  test_protocol_rejects_bad_seeds, test_protocol_keeps_seed_order
- per-seed lists of floats in the order of `seeds` -> test_protocol_reports_scores,
  test_protocol_keeps_seed_order, test_protocol_reports_python_floats
- means, sample stds, rate of the means, negative flag, higher_is_better passed on ->
  test_protocol_mean_and_std, test_protocol_rate, test_protocol_errors, test_protocol_negative_flag
- the whole protocol on real models (default higher_is_better) -> test_protocol_real_pairings
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import torch

from grader.fixtures import pretrained as digits
from grader.authoring.checks import FakeModel, check, raising

# ---------------------------------------------------------------- instrumented experiment

SEEDS = (3, 7, 11)
STEPS = 40

ACCURACY = {
    "transfer": {3: 0.80, 7: 0.86, 11: 0.77},
    "scratch": {3: 0.40, 7: 0.70, 11: 0.55},
}
TRAIN_ACCURACY = {
    "transfer": {3: 0.97, 7: 0.99, 11: 0.95},
    "scratch": {3: 0.93, 7: 0.96, 11: 0.90},
}
ERRORS = {
    "transfer": {3: 0.20, 7: 0.14, 11: 0.23},
    "scratch": {3: 0.38, 7: 0.30, 11: 0.45},
}
TRAIN_ERRORS = {
    "transfer": {3: 0.02, 7: 0.01, 11: 0.04},
    "scratch": {3: 0.05, 7: 0.03, 11: 0.06},
}
WORSE = {
    "transfer": {3: 0.50, 7: 0.55, 11: 0.45},
    "scratch": {3: 0.60, 7: 0.62, 11: 0.58},
}
TIED = {  # dyadic values: both means are exactly 0.625 in any summation order
    "transfer": {3: 0.5, 7: 0.75, 11: 0.625},
    "scratch": {3: 0.625, 7: 0.625, 11: 0.625},
}


class Split:
    """An opaque stand-in for a dataset split."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


class Experiment:
    """The parts a protocol gets (make_model, train, evaluate, two splits); records every call.

    `evaluate` returns `heldout[arm][seed]` for a model trained exactly once, on the
    training split, for the budget and with the seed of its construction; the training
    split's score from `train_scores`; half the held-out score for any other model
    (untrained, trained twice, on other data, with another budget or seed).
    """

    def __init__(self, heldout=ACCURACY, train_scores=TRAIN_ACCURACY, steps: int = STEPS):
        self.heldout_scores, self.train_scores, self.steps = heldout, train_scores, steps
        self.target_train, self.target_heldout = Split("target_train"), Split("target_heldout")
        self.models: list[FakeModel] = []
        self.train_calls: list[tuple] = []
        self.eval_calls: list[tuple] = []

    def make_model(self, pretrained, seed):
        model = FakeModel(bool(pretrained), seed)
        self.models.append(model)
        return model

    def train(self, model, data, steps, seed):
        self.train_calls.append((model, data, steps, seed))
        if isinstance(model, FakeModel):
            model.history.append((data, steps, seed))

    def evaluate(self, model, data):
        history = tuple(model.history) if isinstance(model, FakeModel) else None
        self.eval_calls.append((model, data, history))
        return self.score(model, data)

    def score(self, model, data) -> float:
        if not isinstance(model, FakeModel) or model.seed not in SEEDS:
            return 0.123
        if data is self.target_train:
            return self.train_scores[model.arm][model.seed]
        heldout = self.heldout_scores[model.arm][model.seed]
        if data is self.target_heldout and model.history == [(self.target_train, self.steps, model.seed)]:
            return heldout
        return heldout / 2

    def run(self, impl, *, seeds=SEEDS, higher_is_better=True):
        return impl.compare_transfer(
            self.make_model, self.train, self.evaluate, self.target_train, self.target_heldout,
            steps=self.steps, seeds=list(seeds), higher_is_better=higher_is_better,
        )

    def trained_seeds(self, arm: str) -> list:
        """The construction seeds of the `arm` models that train() was called on."""
        models = {id(m): m for m, *_ in self.train_calls if isinstance(m, FakeModel) and m.arm == arm}
        return sorted(m.seed for m in models.values())


# ---------------------------------------------------------------- helpers


def close(actual: float, expected: float, rtol: float = 1e-6) -> bool:
    return abs(actual - expected) <= 1e-9 + rtol * abs(expected)


def number(value, what: str) -> float:
    is_number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    is_scalar_tensor = isinstance(value, torch.Tensor) and value.numel() == 1
    assert is_number or is_scalar_tensor, f"expected {what} to be a number, got {type(value).__name__}: {value!r}"
    return float(value)


def numbers(values, what: str, length: int) -> list[float]:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().tolist()
    assert isinstance(values, (list, tuple, np.ndarray)), (
        f"expected {what} to be a list of {length} scores, got {type(values).__name__}"
    )
    assert len(values) == length, f"expected {what} to hold {length} scores (one per seed), got {len(values)}"
    return [number(v, what) for v in values]


def summary(result, *keys: str) -> dict:
    assert isinstance(result, dict), f"expected compare_transfer to return a dict, got {type(result).__name__}"
    missing = [k for k in keys if k not in result]
    assert not missing, f"expected the result to have keys {list(keys)}; missing {missing} (got {sorted(result)})"
    return result


def per_seed(result, arm: str) -> list[float]:
    return numbers(summary(result, arm)[arm], f'result["{arm}"]', len(SEEDS))


def expected_scores(table, arm: str) -> list[float]:
    return [table[arm][s] for s in SEEDS]


def flag(value, what: str) -> bool:
    if isinstance(value, torch.Tensor) and value.dtype == torch.bool and value.numel() == 1:
        return bool(value)
    assert isinstance(value, (bool, np.bool_)), f"expected {what} to be a bool, got {type(value).__name__}: {value!r}"
    return bool(value)


def rate_of(impl, *args, **kwargs) -> float:
    out = impl.transfer_rate(*args, **kwargs)
    assert isinstance(out, float), f"expected transfer_rate to return a Python float, got {type(out).__name__}: {out!r}"
    return out


# ---------------------------------------------------------------- transfer_rate


@check(
    "The transfer rate is the transfer score over the scratch score for accuracies",
    level="basic", points=2,
    hint="Higher is better: divide the fine-tuned pretrained model's target score by the scratch model's; > 1 means transfer helped.",
)
def test_rate_for_accuracies(impl):
    for transfer, scratch, expected in [(0.9, 0.6, 1.5), (0.5, 0.8, 0.625), (0.72, 0.72, 1.0)]:
        got = number(impl.transfer_rate(transfer, scratch), "the rate")
        assert close(got, expected), f"transfer_rate({transfer}, {scratch}): expected {expected}, got {got}"


@check(
    "The transfer rate is a plain Python float",
    level="basic", points=1,
    hint="Convert the scores to float before dividing, so that the result is a float whatever the inputs were.",
)
def test_rate_is_float(impl):
    for args in [(0.9, 0.6), (3, 4)]:
        rate_of(impl, *args)


@check(
    "For errors (lower is better) the rate is the scratch error over the transfer error",
    level="interview", points=2,
    hint="With an error, a loss or an RMSE, a smaller transfer score is better: flip the ratio so that > 1 still means transfer helped.",
)
def test_rate_for_errors(impl):
    for transfer, scratch, expected in [(0.1, 0.2, 2.0), (0.3, 0.2, 2 / 3), (12.5, 10.0, 0.8)]:
        got = number(impl.transfer_rate(transfer, scratch, higher_is_better=False), "the rate")
        assert close(got, expected), (
            f"transfer_rate({transfer}, {scratch}, higher_is_better=False): expected {expected:.4f}, got {got}"
        )


@check(
    "Zero or negative scores raise ValueError",
    level="basic", points=2,
    hint="A ratio of scores only means something for positive scores: validate both before dividing (a zero is not a ZeroDivisionError to leak).",
)
def test_rate_rejects_non_positive(impl):
    cases = [(0.0, 0.5, True), (0.5, 0.0, True), (-0.2, 0.5, True), (0.5, -1, True), (0.0, 0.5, False), (0.4, 0, False)]
    for transfer, scratch, higher in cases:
        problem = raising(lambda: impl.transfer_rate(transfer, scratch, higher_is_better=higher))
        assert problem is None, (
            f"expected ValueError for transfer_rate({transfer}, {scratch}, higher_is_better={higher}); it {problem}"
        )


@check(
    "NaN and infinite scores raise ValueError",
    level="interview", points=2,
    hint="A check such as `score <= 0` lets NaN through (every comparison with NaN is False): test for finiteness explicitly.",
)
def test_rate_rejects_non_finite(impl):
    cases = [(math.nan, 0.5, True), (0.5, math.nan, True), (math.inf, 0.5, True), (0.5, math.inf, False), (math.nan, 0.5, False)]
    for transfer, scratch, higher in cases:
        problem = raising(lambda: impl.transfer_rate(transfer, scratch, higher_is_better=higher))
        assert problem is None, (
            f"expected ValueError for transfer_rate({transfer}, {scratch}, higher_is_better={higher}); it {problem}"
        )


@check(
    "A bool is not accepted as a score",
    level="expert", points=1,
    hint="bool is a subclass of int in Python, so float(True) == 1.0 slips through a numeric check: reject bools first.",
)
def test_rate_rejects_bools(impl):
    for transfer, scratch in [(True, 0.5), (0.5, True)]:
        try:
            out = impl.transfer_rate(transfer, scratch)
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"expected ValueError for transfer_rate({transfer}, {scratch}), got {out!r}")


@check(
    "Tensor and NumPy scores give the same plain float rate",
    level="expert", points=2,
    hint="An evaluation function often returns a 0-dim tensor or a NumPy scalar: convert each score with float() before validating and dividing.",
)
def test_rate_accepts_tensors_and_numpy(impl, device):
    cases = [
        (torch.tensor(0.9, device=device), torch.tensor(0.6, device=device)),
        (torch.tensor([0.9], device=device), 0.6),
        (np.float32(0.9), np.float64(0.6)),
    ]
    for transfer, scratch in cases:
        got = rate_of(impl, transfer, scratch)
        assert close(got, 1.5, rtol=1e-6), f"transfer_rate({transfer!r}, {scratch!r}): expected 1.5, got {got}"


# ---------------------------------------------------------------- negative_transfer


def negative_of(impl, *args, **kwargs) -> bool:
    out = impl.negative_transfer(*args, **kwargs)
    assert isinstance(out, bool), f"expected negative_transfer to return a Python bool, got {type(out).__name__}: {out!r}"
    return out


@check(
    "Negative transfer is flagged when the transferred model's accuracy is lower",
    level="basic", points=2,
    hint="For accuracies, negative transfer means the pretrained start made the target model worse than training from scratch.",
)
def test_negative_for_accuracies(impl):
    for transfer, scratch, expected in [(0.6, 0.7, True), (0.7, 0.6, False), (0.69, 0.7, True)]:
        got = negative_of(impl, transfer, scratch)
        assert got is expected, f"negative_transfer({transfer}, {scratch}): expected {expected}, got {got}"


@check(
    "With errors, negative transfer means a higher error than from scratch",
    level="interview", points=2,
    hint="When lower is better, the transferred model is worse when its error is larger.",
)
def test_negative_for_errors(impl):
    for transfer, scratch, expected in [(0.3, 0.2, True), (0.2, 0.3, False), (10.5, 10.0, True)]:
        got = negative_of(impl, transfer, scratch, higher_is_better=False)
        assert got is expected, (
            f"negative_transfer({transfer}, {scratch}, higher_is_better=False): expected {expected}, got {got}"
        )


@check(
    "Equal scores give a rate of exactly 1 and are not negative transfer",
    level="interview", points=2,
    hint="Negative transfer means strictly worse: a tie is no harm, in either metric direction.",
)
def test_equal_scores(impl):
    for higher in (True, False):
        negative = negative_of(impl, 0.8, 0.8, higher_is_better=higher)
        rate = number(impl.transfer_rate(0.8, 0.8, higher_is_better=higher), "the rate")
        assert negative is False, f"negative_transfer(0.8, 0.8, higher_is_better={higher}): expected False, got {negative}"
        assert rate == 1.0, f"transfer_rate(0.8, 0.8, higher_is_better={higher}): expected 1.0, got {rate}"


@check(
    "Negative transfer agrees with a transfer rate below 1",
    level="interview", points=1,
    hint="Both functions describe the same comparison: negative transfer is exactly the case where the rate is below 1.",
)
def test_negative_agrees_with_rate(impl):
    rng = np.random.default_rng(8)
    for transfer, scratch in rng.uniform(0.05, 2.0, size=(40, 2)).round(3):
        for higher in (True, False):
            negative = negative_of(impl, float(transfer), float(scratch), higher_is_better=higher)
            rate = number(impl.transfer_rate(float(transfer), float(scratch), higher_is_better=higher), "the rate")
            assert negative == (rate < 1), (
                f"scores ({transfer}, {scratch}), higher_is_better={higher}: rate {rate:.4f} but negative_transfer {negative}"
            )


@check(
    "negative_transfer takes tensor and NumPy scores and returns a plain bool",
    level="expert", points=1,
    hint="Convert each score with float() (as in transfer_rate) before comparing: comparing two tensors gives a tensor, not a bool.",
)
def test_negative_accepts_tensors_and_numpy(impl, device):
    cases = [
        (torch.tensor(0.6, device=device), torch.tensor(0.7, device=device), True),
        (torch.tensor([0.8], device=device), 0.7, False),
        (np.float32(0.6), np.float64(0.7), True),
    ]
    for transfer, scratch, expected in cases:
        got = negative_of(impl, transfer, scratch)
        assert got is expected, f"negative_transfer({transfer!r}, {scratch!r}): expected {expected}, got {got}"


# ---------------------------------------------------------------- compare_transfer


@check(
    "compare_transfer reports each arm's held-out score for every seed, in seed order",
    level="basic", points=3,
    hint="For each seed, build, train and score one model per arm; collect the scores of each arm in the order of the seeds.",
)
def test_protocol_reports_scores(impl):
    exp = Experiment()
    result = exp.run(impl)
    for arm in ("transfer", "scratch"):
        got, expected = per_seed(result, arm), expected_scores(ACCURACY, arm)
        assert all(close(g, e) for g, e in zip(got, expected)), (
            f'expected result["{arm}"] == {expected} (held-out scores for seeds {list(SEEDS)}), got {got}'
        )


@check(
    "compare_transfer keeps the order of `seeds` as given, and two seeds in a tuple are enough",
    level="interview", points=2,
    hint="Loop over `seeds` as the caller gave them (any sequence, not sorted) and accept exactly two distinct seeds.",
)
def test_protocol_keeps_seed_order(impl):
    exp = Experiment()
    seeds = (11, 3)
    result = impl.compare_transfer(
        exp.make_model, exp.train, exp.evaluate, exp.target_train, exp.target_heldout,
        steps=exp.steps, seeds=seeds, higher_is_better=True,
    )
    for arm in ("transfer", "scratch"):
        got = numbers(summary(result, arm)[arm], f'result["{arm}"]', len(seeds))
        expected = [ACCURACY[arm][s] for s in seeds]
        assert all(close(g, e) for g, e in zip(got, expected)), (
            f'seeds={seeds}: expected result["{arm}"] == {expected} (in the order of the seeds), got {got}'
        )


class TensorScores(Experiment):
    """`evaluate` returns 0-dim float64 tensors, as a torch metric does."""

    def evaluate(self, model, data):
        return torch.tensor(super().evaluate(model, data), dtype=torch.float64)


@check(
    "Scores that evaluate returns as tensors are reported as plain Python floats",
    level="expert", points=1,
    hint="evaluate may return a 0-dim tensor or a NumPy scalar: convert each score with float() before storing it.",
)
def test_protocol_reports_python_floats(impl):
    result = summary(TensorScores().run(impl), "transfer", "scratch", "rate")
    for arm in ("transfer", "scratch"):
        values = result[arm]
        kinds = sorted({type(v).__name__ for v in values}) if isinstance(values, (list, tuple)) else [type(values).__name__]
        assert isinstance(values, list) and all(isinstance(v, float) for v in values), (
            f'expected result["{arm}"] to be a list of Python floats when evaluate returns tensors, got {kinds}'
        )
    assert isinstance(result["rate"], float), f'expected result["rate"] to be a Python float, got {type(result["rate"]).__name__}'


@check(
    "Both arms are scored on the held-out target split, never on the training split",
    level="interview", points=3,
    hint="A score on the data the model was fine-tuned on measures memorisation: evaluate every model on target_heldout.",
)
def test_protocol_scores_heldout(impl):
    exp = Experiment()
    result = exp.run(impl)
    for arm in ("transfer", "scratch"):
        got = per_seed(result, arm)
        on_train = expected_scores(TRAIN_ACCURACY, arm)
        assert not all(close(g, t) for g, t in zip(got, on_train)), (
            f'result["{arm}"] == {got} are the training-split scores; expected the held-out ones {expected_scores(ACCURACY, arm)}'
        )
    used = [data for _, data, _ in exp.eval_calls]
    assert any(data is exp.target_heldout for data in used), f"expected evaluate() to score models on target_heldout; it got {used[:6]}"


@check(
    "Both arms are trained on the target training split only",
    level="interview", points=2,
    hint="Pass target_train to train() for both arms; the held-out split is for scoring only, never for training.",
)
def test_protocol_trains_on_train_split(impl):
    exp = Experiment()
    exp.run(impl)
    assert exp.train_calls, "expected train() to be called for every arm and seed; it was never called"
    wrong = [(m, data) for m, data, _, _ in exp.train_calls if data is not exp.target_train]
    assert not wrong, f"expected every train() call to get target_train; got {wrong[:3]}"
    for arm in ("transfer", "scratch"):
        trained = [m for m, *_ in exp.train_calls if isinstance(m, FakeModel) and m.arm == arm]
        assert trained, f"expected the {arm} arm's models to be trained; none was"


@check(
    "The scratch arm starts from random weights; only the transfer arm starts pretrained",
    level="interview", points=3,
    hint="Build the scratch model with make_model(False, seed); a copy of a pretrained model is not training from scratch.",
)
def test_protocol_scratch_is_random(impl):
    exp = Experiment()
    result = exp.run(impl)
    per_seed(result, "scratch")
    assert any(not m.pretrained for m in exp.models), (
        f"expected make_model(False, seed) for the scratch arm; make_model was called with pretrained={[m.pretrained for m in exp.models]}"
    )
    assert any(m.pretrained for m in exp.models), "expected make_model(True, seed) for the transfer arm; it was never called with pretrained=True"
    for arm in ("transfer", "scratch"):
        trained = exp.trained_seeds(arm)
        assert trained == sorted(SEEDS), (
            f"expected one {arm} model (make_model(pretrained={arm == 'transfer'}, seed)) trained per seed {sorted(SEEDS)}; trained: {trained}"
        )


@check(
    "Both arms get exactly the same training budget",
    level="interview", points=2,
    hint="Give both arms the same number of steps: extra steps for the scratch arm (or fewer for fine-tuning) make the rate measure the budget, not the transfer.",
)
def test_protocol_same_budget(impl):
    exp = Experiment()
    exp.run(impl)
    assert exp.train_calls, "expected train() to be called for every arm and seed; it was never called"
    budgets = {arm: sorted({steps for m, _, steps, _ in exp.train_calls if isinstance(m, FakeModel) and m.arm == arm})
               for arm in ("transfer", "scratch")}
    assert budgets["transfer"] == budgets["scratch"] == [STEPS], (
        f"expected steps={STEPS} for every train() call; transfer arm got {budgets['transfer']}, scratch arm {budgets['scratch']}"
    )


@check(
    "Every seed is used once per arm, for building the model and for training it",
    level="interview", points=2,
    hint="Pair the arms by seed: make_model(pretrained, seed) and train(..., seed) with each seed of `seeds`, the same seeds for both arms.",
)
def test_protocol_seeds(impl):
    exp = Experiment()
    exp.run(impl)
    for arm in ("transfer", "scratch"):
        seeds = exp.trained_seeds(arm)
        assert seeds == sorted(SEEDS), f"expected the {arm} arm's trained models built with seeds {sorted(SEEDS)}, got {seeds}"
    mismatched = [(m, seed) for m, _, _, seed in exp.train_calls if not isinstance(m, FakeModel) or seed != m.seed]
    assert exp.train_calls and not mismatched, (
        f"expected each model trained with the seed it was built with; got (model, training seed) {mismatched[:3] or 'no train() call'}"
    )


@check(
    "Fewer than two seeds, or a repeated seed, raises ValueError before any training",
    level="basic", points=2,
    hint="One run gives no spread, and a repeated seed repeats the same run: validate `seeds` first.",
)
def test_protocol_rejects_bad_seeds(impl):
    for seeds in ([5], [], [4, 4], [1, 2, 1]):
        exp = Experiment()
        problem = raising(lambda: exp.run(impl, seeds=seeds))
        assert problem is None, f"expected ValueError for seeds={seeds}; it {problem}"
        assert not exp.train_calls, f"seeds={seeds}: expected ValueError before any training, but train() ran {len(exp.train_calls)} times"


@check(
    "Each arm is summarised by its mean and sample standard deviation (n - 1)",
    level="interview", points=2,
    hint="Report the spread as the sample standard deviation (divide by n - 1: statistics.stdev, torch.std), not the population one (np.std's default).",
)
def test_protocol_mean_and_std(impl):
    exp = Experiment()
    result = summary(exp.run(impl), "transfer_mean", "transfer_std", "scratch_mean", "scratch_std")
    for arm in ("transfer", "scratch"):
        scores = expected_scores(ACCURACY, arm)
        mean, std = number(result[f"{arm}_mean"], f"{arm}_mean"), number(result[f"{arm}_std"], f"{arm}_std")
        assert close(mean, statistics.fmean(scores), 1e-5), f"expected {arm}_mean {statistics.fmean(scores):.6f}, got {mean}"
        population = float(np.std(scores))
        assert close(std, statistics.stdev(scores), 1e-5), (
            f"expected {arm}_std {statistics.stdev(scores):.6f} (sample, n - 1), got {std}"
            + (" (the population std, n)" if close(std, population, 1e-5) else "")
        )


@check(
    "The rate divides the transfer arm's mean by the scratch arm's mean",
    level="interview", points=2,
    hint="rate = transfer_rate(transfer_mean, scratch_mean): a ratio of the arms' mean held-out scores, not a mean of per-seed ratios, nor a ratio to the source model's score.",
)
def test_protocol_rate(impl):
    exp = Experiment()
    result = summary(exp.run(impl), "rate")
    got = number(result["rate"], "rate")
    transfer, scratch = (statistics.fmean(expected_scores(ACCURACY, arm)) for arm in ("transfer", "scratch"))
    per_seed_mean = statistics.fmean(ACCURACY["transfer"][s] / ACCURACY["scratch"][s] for s in SEEDS)
    assert close(got, transfer / scratch, 1e-5), (
        f"expected rate {transfer / scratch:.4f} (mean transfer {transfer:.4f} / mean scratch {scratch:.4f}), got {got:.4f}"
        + (" (the mean of per-seed ratios)" if close(got, per_seed_mean, 1e-5) else "")
    )


@check(
    "With errors, the rate is the scratch mean over the transfer mean",
    level="interview", points=2,
    hint="Pass higher_is_better on to the rate and the negative-transfer flag: with errors, a lower transfer error is the good outcome.",
)
def test_protocol_errors(impl):
    exp = Experiment(heldout=ERRORS, train_scores=TRAIN_ERRORS)
    result = summary(exp.run(impl, higher_is_better=False), "rate", "negative")
    transfer, scratch = (statistics.fmean(expected_scores(ERRORS, arm)) for arm in ("transfer", "scratch"))
    got = number(result["rate"], "rate")
    assert close(got, scratch / transfer, 1e-5), (
        f"errors: expected rate {scratch / transfer:.4f} (mean scratch error {scratch:.4f} / mean transfer error {transfer:.4f}), got {got:.4f}"
    )
    negative = flag(result["negative"], 'result["negative"]')
    assert negative is False, f"errors: transfer error {transfer:.3f} < scratch error {scratch:.3f}, expected negative False, got {negative}"


@check(
    "The negative flag is set exactly when the transfer arm's mean is strictly worse",
    level="expert", points=2,
    hint="negative = negative_transfer(transfer_mean, scratch_mean): strictly worse means, a tie is not negative transfer.",
)
def test_protocol_negative_flag(impl):
    for table, expected in [(WORSE, True), (TIED, False), (ACCURACY, False)]:
        result = summary(Experiment(heldout=table).run(impl), "negative", "rate")
        negative = flag(result["negative"], 'result["negative"]')
        means = {arm: statistics.fmean(expected_scores(table, arm)) for arm in ("transfer", "scratch")}
        assert negative is expected, (
            f"mean transfer {means['transfer']:.4f}, mean scratch {means['scratch']:.4f}: expected negative {expected}, got {negative}"
        )
        if table is TIED:
            rate = number(result["rate"], "rate")
            assert close(rate, 1.0), f"tied means (0.625 each): expected rate 1.0, got {rate}"


@check(
    "Every arm and seed gets a fresh model, trained once before it is scored",
    level="expert", points=3, hidden=True,
    hint="Call make_model inside the loop over seeds and arms; continuing to train one model across seeds, or scoring it before training, is not an independent run.",
)
def test_protocol_fresh_models(impl):
    exp = Experiment()
    exp.run(impl)
    scored = [(m, history) for m, data, history in exp.eval_calls
              if data is exp.target_heldout and isinstance(m, FakeModel) and m.history]
    for model, history in scored:
        assert len(history) == 1, (
            f"expected {model} to be trained exactly once when it is scored; it had {len(history)} train() calls by then"
        )
    distinct = {id(m) for m, _ in scored}
    assert len(distinct) >= 2 * len(SEEDS), (
        f"expected {2 * len(SEEDS)} distinct trained models scored on target_heldout (one per arm and seed), got {len(distinct)}"
    )


# ---------------------------------------------------------------- a real run


def _real_parts(source: str, device):
    def make_model(pretrained, seed):
        return digits.make_model(source if pretrained else None, seed, device)

    def train(model, data, steps, seed):
        digits.fine_tune(model, data, steps, seed)

    return make_model, train, digits.accuracy


@check(
    "For real on noisy digits: the augmented-digits source transfers positively, the label-shuffled one negatively",
    level="expert", points=3,
    hint="Run the same protocol on grader.fixtures.pretrained's positive and negative pairings; if your numbers disagree, check which arm loads pretrained weights and which split is scored.",
)
def test_protocol_real_pairings(impl, device):
    splits = digits.target_splits(device)
    results = {}
    with digits.one_thread():
        for kind, source in digits.PAIRINGS.items():
            make_model, train, evaluate = _real_parts(source, device)
            results[kind] = summary(
                impl.compare_transfer(make_model, train, evaluate, splits.train, splits.heldout, steps=100, seeds=[0, 1]),
                "rate", "negative",
            )
    positive = number(results["positive"]["rate"], "rate")
    negative = number(results["negative"]["rate"], "rate")
    assert positive > 1.2 and not flag(results["positive"]["negative"], "negative"), (
        f"positive pairing ({digits.POSITIVE}): expected a rate above 1.2 and no negative transfer, got rate {positive:.3f}"
    )
    assert negative < 0.9 and flag(results["negative"]["negative"], "negative"), (
        f"negative pairing ({digits.NEGATIVE}): expected a rate below 0.9 and negative transfer, got rate {negative:.3f}"
    )


@check(
    "Scores that are 0-dim tensors on another device (a GPU) give the same plain float rate and bool flag",
    level="interview", points=1,
    hint="A GPU tensor cannot go through NumPy (np.isfinite, np.asarray raise on it): convert each "
    "score with float() first, then validate it with math.isfinite.",
)
def test_scores_on_another_device(impl):
    from grader.authoring.devices import elsewhere, mismatch_fails

    transfer, scratch = elsewhere(torch.tensor(0.9)), elsewhere(torch.tensor(0.6))
    with mismatch_fails("transfer_rate"):
        got = rate_of(impl, transfer, scratch)
        negative = negative_of(impl, transfer, scratch, higher_is_better=False)
    assert close(got, 1.5, rtol=1e-6), f"expected 1.5 for scores 0.9 and 0.6 on another device, got {got}"
    assert negative is True, "expected negative transfer for errors 0.9 (transfer) vs 0.6 (scratch) on another device"
