"""Q8: what is the transfer rate, and how do you measure it without fooling yourself?

Define the transfer rate as the target-task score of the fine-tuned pretrained model
relative to the same model trained from scratch on the target task (> 1: transfer helped,
< 1: negative transfer), for accuracies and for errors alike. Then write the experiment
that measures it honestly: both arms with the same architecture, data, training budget
and seeds, scored on held-out target data; the rate of the arms' means as the headline,
and the paired per-seed ratios with their interval as its uncertainty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def transfer_rate(transfer_score: float, scratch_score: float, *, higher_is_better: bool = True) -> float:
    """How much transfer helped on the target task, as a ratio.

    Both scores are the same metric, measured on the same held-out target data: one for
    the model initialised from the pretrained source model and fine-tuned
    (`transfer_score`), one for the same architecture trained from random weights with
    the same budget (`scratch_score`). Never the source model's score on its own task.

    - higher_is_better=True (accuracy, F1, R²...): transfer_score / scratch_score.
    - higher_is_better=False (error rate, loss, RMSE...): scratch_score / transfer_score.
    Either way, > 1 means transfer helped, 1 means no difference, < 1 means it hurt.

    A score is a real number: a Python int or float, a NumPy scalar or a one-element
    tensor. Return a plain Python float. A ratio needs positive scores: zero, negative,
    NaN or infinite scores raise ValueError, and so does a bool (True is not a score).
    """
    raise NotImplementedError


def negative_transfer(transfer_score: float, scratch_score: float, *, higher_is_better: bool = True) -> bool:
    """True exactly when the transferred model is strictly worse than the scratch model.

    Worse means a lower score when higher_is_better, a higher one otherwise (errors).
    Equal scores are not negative transfer. Scores are as for `transfer_rate`; return a
    plain Python bool.
    """
    raise NotImplementedError


def compare_transfer(
    make_model: Callable[[bool, int], Any],
    train: Callable[[Any, Any, int, int], None],
    evaluate: Callable[[Any, Any], float],
    target_train: Any,
    target_heldout: Any,
    *,
    steps: int,
    seeds: Sequence[int],
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """Run the transfer-versus-scratch experiment on the target task and summarise it.

    The three callables are the experiment's parts; call them with exactly these
    arguments (positionally or by these names):
    - `make_model(pretrained, seed)` returns a new model: initialised from the pretrained
      source model when `pretrained` is True, from random weights (drawn with `seed`)
      when it is False. Nothing else may decide which weights an arm starts from.
    - `train(model, data, steps, seed)` trains `model` in place for `steps` optimisation
      steps on `data` (batch order drawn with `seed`); its return value is meaningless.
    - `evaluate(model, data)` returns the model's score on `data`, a number.
    `target_train` and `target_heldout` are the target task's splits: pass them to the
    callables as they are, never look inside them.

    For every seed in `seeds`, and for each arm (transfer: pretrained=True; scratch:
    pretrained=False), build a fresh model with that seed, train it once on
    `target_train` for exactly `steps` steps with that seed, and score it on
    `target_heldout`. Both arms get the same budget and the same seeds; no model is
    reused across seeds or arms. The order of the runs is yours.

    `seeds` must hold at least three seeds, all distinct (with two, the interval below
    is ± 12.7 standard errors wide): otherwise raise ValueError before training anything.

    This pairs the arms by seed: `make_model` and `train` draw the new head and the batch
    order from the seed, so both runs of one seed share them, and the ratio of those two
    runs cancels that shared noise.

    Return a dict with:
    - "transfer", "scratch": the held-out scores of each arm, lists of floats in the
      order of `seeds`;
    - "transfer_mean", "scratch_mean": their means;
    - "transfer_std", "scratch_std": their sample standard deviations (divided by
      n - 1, like `statistics.stdev` and `torch.std`);
    - "rate": `transfer_rate(transfer_mean, scratch_mean, higher_is_better=...)`, the
      ratio of the arms' means: the headline (what the definition estimates; one seed
      with a tiny scratch score cannot blow it up);
    - "negative": `negative_transfer(transfer_mean, scratch_mean, higher_is_better=...)`;
    - "ratios": the paired per-seed rates, `transfer_rate(transfer[i], scratch[i],
      higher_is_better=...)` for the i-th seed, a list of floats in the order of `seeds`;
    - "ratio_mean", "ratio_std": the mean of "ratios" and their sample standard
      deviation (n - 1);
    - "ratio_interval": `(low, high)`, the 95% Student-t interval of the mean per-seed
      ratio, `ratio_mean ± t * ratio_std / sqrt(n)`, where n is the number of seeds and
      t the 0.975 quantile of Student's t with n - 1 degrees of freedom
      (`scipy.stats.t.ppf(0.975, n - 1)`: 4.30 for three seeds, 2.78 for five). This is
      the headline's uncertainty: when it excludes 1, transfer helped (or hurt) by more
      than the seed-to-seed noise.
    `higher_is_better` says what the scores of `evaluate` are: accuracies (True) or
    errors (False).
    """
    raise NotImplementedError
