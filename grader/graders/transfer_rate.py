"""Grader for transfer_rate (Q8): the transfer rate, negative transfer, and the protocol
that measures them.

`compare_transfer` is graded with instrumented fakes (`Experiment`, in
grader/fixtures/transfer_fakes.py with the helpers that read a result): fake models
remember whether they were built pretrained, with which seed, and every training call
they got; `evaluate` returns a score looked up from a table by arm and seed, so every protocol
mistake (scoring the training split, a pretrained scratch arm, unequal budgets, reused
seeds or models) shows up both in the recorded calls and in the reported numbers. One
check runs the protocol for real on the digits fixtures of grader/fixtures/pretrained.py.
Values are compared once read through float() or bool(); a returned float or bool that a
check compares as it is, and the reported lists of floats, get their exact types checked first.

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
- seeds: >= 3 and distinct, else ValueError before training; three in a tuple are enough ->
  test_protocol_rejects_bad_seeds, test_protocol_keeps_seed_order
- per-seed lists of floats in the order of `seeds` -> test_protocol_reports_scores,
  test_protocol_keeps_seed_order, test_protocol_reports_python_floats
- means, sample stds, rate of the means, negative flag, higher_is_better passed on ->
  test_protocol_mean_and_std, test_protocol_rate, test_protocol_errors, test_protocol_negative_flag
- paired per-seed ratios in seed order, either metric direction -> test_protocol_paired_ratios;
  their mean and sample std -> test_protocol_ratio_spread; the 95% Student-t interval of the
  mean ratio (t with n - 1 degrees of freedom, standard error std / sqrt(n)) ->
  test_protocol_ratio_interval (three and five seeds)
- the whole protocol on real models (default higher_is_better) -> test_protocol_real_pairings
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import torch

from grader.authoring.checks import FakeModel, check, raising, raising_zh, say
from grader.authoring.devices import elsewhere, mismatch_fails
from grader.authoring.exact import exact, exact_items
from grader.fixtures import pretrained as digits
from grader.fixtures.transfer_fakes import (
    ACCURACY, ARM_ZH, ERRORS, FIVE, FIVE_SEEDS, FIVE_TRAIN, FLOATS, SEEDS, STEPS, TIED, TRAIN_ACCURACY, TRAIN_ERRORS, WORSE,
    Experiment, TensorScores, close, expect, expected_ratios, expected_scores, flag, interval, interval_mistake, negative_of,
    number, numbers, per_seed, rate_of, ratio_summary, ratios_mistake, real_runs, rejected, rounded, sample_std,
    summary, t_half_width, trained,
)


# ---------------------------------------------------------------- transfer_rate


@check(
    "The transfer rate is the transfer score over the scratch score for accuracies",
    level="basic", points=2,
    hint="Higher is better: divide the fine-tuned pretrained model's target score by the scratch model's; > 1 means transfer helped.",
    title_zh="指标是准确率时，迁移率 = 迁移组分数 / 从零训练组分数",
    hint_zh="越大越好：用微调后的预训练模型在目标任务上的分数，除以从零训练模型的分数；> 1 表示迁移有帮助。",
)
def test_rate_for_accuracies(impl):
    for transfer, scratch, expected in [(0.9, 0.6, 1.5), (0.5, 0.8, 0.625), (0.72, 0.72, 1.0)]:
        call = f"transfer_rate({transfer}, {scratch})"
        got = number(impl.transfer_rate(transfer, scratch), call)
        expect(close(got, expected), call, expected, got)


@check(
    "The transfer rate is a plain Python float",
    level="basic", points=1,
    hint="Convert the scores to float before dividing, so that the result is a float whatever the inputs were.",
    title_zh="迁移率返回普通的 Python float",
    hint_zh="做除法前先把分数转成 float，这样无论输入是什么类型，结果都是 float。",
)
def test_rate_is_float(impl):
    for args in [(0.9, 0.6), (3, 4)]:
        rate_of(impl, *args)


@check(
    "For errors (lower is better) the rate is the scratch error over the transfer error",
    level="interview", points=2,
    hint="With an error, a loss or an RMSE, a smaller transfer score is better: flip the ratio so that > 1 still means transfer helped.",
    title_zh="指标是误差（越小越好）时，迁移率 = 从零训练组误差 / 迁移组误差",
    hint_zh="对误差、loss 或 RMSE 来说，迁移组的分数越小越好：把比值倒过来，让 > 1 仍然表示迁移有帮助。",
)
def test_rate_for_errors(impl):
    for transfer, scratch, expected in [(0.1, 0.2, 2.0), (0.3, 0.2, 2 / 3), (12.5, 10.0, 0.8)]:
        call = f"transfer_rate({transfer}, {scratch}, higher_is_better=False)"
        got = number(impl.transfer_rate(transfer, scratch, higher_is_better=False), call)
        expect(close(got, expected), call, f"{expected:.4f}", got)


@check(
    "Zero or negative scores raise ValueError",
    level="basic", points=2,
    hint="A ratio of scores only means something for positive scores: validate both before dividing (a zero is not a ZeroDivisionError to leak).",
    title_zh="分数为 0 或负数时抛出 ValueError",
    hint_zh="分数为正，它们的比值才有意义：做除法前先校验两个分数（分数为 0 时不能把 ZeroDivisionError 漏出去）。",
)
def test_rate_rejects_non_positive(impl):
    rejected(impl, [(0.0, 0.5, True), (0.5, 0.0, True), (-0.2, 0.5, True), (0.5, -1, True), (0.0, 0.5, False), (0.4, 0, False)])


@check(
    "NaN and infinite scores raise ValueError",
    level="interview", points=2,
    hint="A check such as `score <= 0` lets NaN through (every comparison with NaN is False): test for finiteness explicitly.",
    title_zh="分数为 NaN 或无穷大时抛出 ValueError",
    hint_zh="`score <= 0` 这样的判断拦不住 NaN（和 NaN 比较的结果永远是 False）：要显式检查是否为有限值。",
)
def test_rate_rejects_non_finite(impl):
    rejected(impl, [(math.nan, 0.5, True), (0.5, math.nan, True), (math.inf, 0.5, True), (0.5, math.inf, False),
                    (math.nan, 0.5, False)])


@check(
    "A bool is not accepted as a score",
    level="expert", points=1,
    hint="bool is a subclass of int in Python, so float(True) == 1.0 slips through a numeric check: reject bools first.",
    title_zh="布尔值不能当作分数",
    hint_zh="Python 里 bool 是 int 的子类，float(True) == 1.0 能混过数值检查：先把布尔值拒掉。",
)
def test_rate_rejects_bools(impl):
    for transfer, scratch in [(True, 0.5), (0.5, True)]:
        try:
            out = impl.transfer_rate(transfer, scratch)
        except (TypeError, ValueError):
            continue
        raise AssertionError(say(f"expected ValueError for transfer_rate({transfer}, {scratch}), got {out!r}",
                                 f"transfer_rate({transfer}, {scratch}) 应当抛出 ValueError，实际返回了 {out!r}"))


@check(
    "Tensor and NumPy scores give the same plain float rate",
    level="expert", points=2,
    hint="An evaluation function often returns a 0-dim tensor or a NumPy scalar: convert each score with float() before validating and dividing.",
    title_zh="分数是张量或 NumPy 标量时，迁移率同样是普通 float",
    hint_zh="评估函数常常返回 0 维张量或 NumPy 标量：校验和做除法之前，先用 float() 转换每个分数。",
)
def test_rate_accepts_tensors_and_numpy(impl, device):
    cases = [(torch.tensor(0.9, device=device), torch.tensor(0.6, device=device)), (torch.tensor([0.9], device=device), 0.6),
             (np.float32(0.9), np.float64(0.6))]
    for transfer, scratch in cases:
        got = rate_of(impl, transfer, scratch)
        expect(close(got, 1.5, rtol=1e-6), f"transfer_rate({transfer!r}, {scratch!r})", 1.5, got)


# ---------------------------------------------------------------- negative_transfer


@check(
    "Negative transfer is flagged when the transferred model's accuracy is lower",
    level="basic", points=2,
    hint="For accuracies, negative transfer means the pretrained start made the target model worse than training from scratch.",
    title_zh="迁移组准确率更低时判为负迁移",
    hint_zh="对准确率来说，负迁移就是预训练的起点让目标模型比从零训练还差。",
)
def test_negative_for_accuracies(impl):
    for transfer, scratch, expected in [(0.6, 0.7, True), (0.7, 0.6, False), (0.69, 0.7, True)]:
        got = negative_of(impl, transfer, scratch)
        expect(got is expected, f"negative_transfer({transfer}, {scratch})", expected, got)


@check(
    "With errors, negative transfer means a higher error than from scratch",
    level="interview", points=2,
    hint="When lower is better, the transferred model is worse when its error is larger.",
    title_zh="指标是误差时，负迁移指误差比从零训练更高",
    hint_zh="越小越好时，迁移组的误差更大才说明它更差。",
)
def test_negative_for_errors(impl):
    for transfer, scratch, expected in [(0.3, 0.2, True), (0.2, 0.3, False), (10.5, 10.0, True)]:
        got = negative_of(impl, transfer, scratch, higher_is_better=False)
        expect(got is expected, f"negative_transfer({transfer}, {scratch}, higher_is_better=False)", expected, got)


@check(
    "Equal scores give a rate of exactly 1 and are not negative transfer",
    level="interview", points=2,
    hint="Negative transfer means strictly worse: a tie is no harm, in either metric direction.",
    title_zh="分数相等时迁移率恰好为 1，且不算负迁移",
    hint_zh="负迁移指严格更差：无论指标是哪个方向，打平都不算损害。",
)
def test_equal_scores(impl):
    for higher in (True, False):
        negative = negative_of(impl, 0.8, 0.8, higher_is_better=higher)
        call = f"transfer_rate(0.8, 0.8, higher_is_better={higher})"
        rate = number(impl.transfer_rate(0.8, 0.8, higher_is_better=higher), call)
        expect(negative is False, f"negative_transfer(0.8, 0.8, higher_is_better={higher})", False, negative)
        expect(rate == 1.0, call, 1.0, rate)


@check(
    "Negative transfer agrees with a transfer rate below 1",
    level="interview", points=1,
    hint="Both functions describe the same comparison: negative transfer is exactly the case where the rate is below 1.",
    title_zh="负迁移的判断与迁移率小于 1 一致",
    hint_zh="两个函数描述的是同一个比较：负迁移恰好就是迁移率小于 1 的情形。",
)
def test_negative_agrees_with_rate(impl):
    rng = np.random.default_rng(8)
    for transfer, scratch in rng.uniform(0.05, 2.0, size=(40, 2)).round(3):
        for higher in (True, False):
            negative = negative_of(impl, float(transfer), float(scratch), higher_is_better=higher)
            call = f"transfer_rate({transfer}, {scratch}, higher_is_better={higher})"
            rate = number(impl.transfer_rate(float(transfer), float(scratch), higher_is_better=higher), call)
            assert negative == (rate < 1), say(
                f"scores ({transfer}, {scratch}), higher_is_better={higher}: rate {rate:.4f} but negative_transfer {negative}",
                f"分数为 ({transfer}, {scratch})、higher_is_better={higher} 时，迁移率是 {rate:.4f}，negative_transfer 却返回 {negative}")


@check(
    "negative_transfer takes tensor and NumPy scores and returns a plain bool",
    level="expert", points=1,
    hint="Convert each score with float() (as in transfer_rate) before comparing: comparing two tensors gives a tensor, not a bool.",
    title_zh="negative_transfer 接受张量和 NumPy 分数，返回普通的 bool",
    hint_zh="先用 float() 转换每个分数（和 transfer_rate 一样）再比较：两个张量比较得到的是张量，不是 bool。",
)
def test_negative_accepts_tensors_and_numpy(impl, device):
    cases = [(torch.tensor(0.6, device=device), torch.tensor(0.7, device=device), True),
             (torch.tensor([0.8], device=device), 0.7, False), (np.float32(0.6), np.float64(0.7), True)]
    for transfer, scratch, expected in cases:
        got = negative_of(impl, transfer, scratch)
        expect(got is expected, f"negative_transfer({transfer!r}, {scratch!r})", expected, got)


# ---------------------------------------------------------------- compare_transfer


@check(
    "compare_transfer reports each arm's held-out score for every seed, in seed order",
    level="basic", points=3,
    hint="For each seed, build, train and score one model per arm; collect the scores of each arm in the order of the seeds.",
    title_zh="compare_transfer 按种子顺序报告两组在每个种子上的留出集分数",
    hint_zh="对每个种子，每组各建一个模型、训练、打分；每组的分数按种子的顺序收集。",
)
def test_protocol_reports_scores(impl):
    result = Experiment().run(impl)
    for arm in ("transfer", "scratch"):
        got, expected = per_seed(result, arm), expected_scores(ACCURACY, arm)
        assert all(close(g, e) for g, e in zip(got, expected)), say(
            f'expected result["{arm}"] == {expected} (held-out scores for seeds {list(SEEDS)}), got {got}',
            f'result["{arm}"] 应为 {expected}（种子 {list(SEEDS)} 在留出集上的分数），实际为 {got}')


@check(
    "compare_transfer keeps the order of `seeds` as given, and three seeds in a tuple are enough",
    level="interview", points=2,
    hint="Loop over `seeds` as the caller gave them (any sequence, not sorted) and accept exactly three distinct seeds.",
    title_zh="compare_transfer 保持 `seeds` 传入时的顺序，元组里有三个种子就够了",
    hint_zh="按调用方给出的顺序遍历 `seeds`（可以是任意序列，不要排序），恰好三个不同的种子也要接受。",
)
def test_protocol_keeps_seed_order(impl):
    seeds = (11, 3, 7)
    result = Experiment().run(impl, seeds=seeds, seeds_as_given=True)
    for arm in ("transfer", "scratch"):
        got = numbers(summary(result, arm)[arm], f'result["{arm}"]', len(seeds))
        expected = [ACCURACY[arm][s] for s in seeds]
        assert all(close(g, e) for g, e in zip(got, expected)), say(
            f'seeds={seeds}: expected result["{arm}"] == {expected} (in the order of the seeds), got {got}',
            f'seeds={seeds}：result["{arm}"] 应为 {expected}（按种子的顺序），实际为 {got}')


@check(
    "Scores that evaluate returns as tensors are reported as plain Python floats",
    level="expert", points=1,
    hint="evaluate may return a 0-dim tensor or a NumPy scalar: convert each score with float() before storing it.",
    title_zh="evaluate 返回张量时，报告的分数是普通的 Python float",
    hint_zh="evaluate 可能返回 0 维张量或 NumPy 标量：保存每个分数之前先用 float() 转换。",
)
def test_protocol_reports_python_floats(impl):
    result = summary(TensorScores().run(impl), "transfer", "scratch", "rate")
    for arm in ("transfer", "scratch"):
        exact_items(result[arm], list, FLOATS, f'result["{arm}"]', f'result["{arm}"]')
    exact(result["rate"], FLOATS, 'result["rate"]', 'result["rate"]')


@check(
    "Both arms are scored on the held-out target split, never on the training split",
    level="interview", points=3,
    hint="A score on the data the model was fine-tuned on measures memorisation: evaluate every model on target_heldout.",
    title_zh="两组都在目标任务的留出集上打分，绝不用训练集",
    hint_zh="在模型微调用过的数据上打分，量的是记忆能力：每个模型都要在 target_heldout 上评估。",
)
def test_protocol_scores_heldout(impl):
    exp = Experiment().ran(impl)
    for arm in ("transfer", "scratch"):
        got, heldout = per_seed(exp.result, arm), expected_scores(ACCURACY, arm)
        assert not all(close(g, t) for g, t in zip(got, expected_scores(TRAIN_ACCURACY, arm))), say(
            f'result["{arm}"] == {got} are the training-split scores; expected the held-out ones {heldout}',
            f'result["{arm}"] = {got} 是训练集上的分数；应当是留出集上的分数 {heldout}')
    used = [data for _, data, _ in exp.eval_calls]
    assert any(data is exp.target_heldout for data in used), say(
        f"expected evaluate() to score models on target_heldout; it got {used[:6]}",
        f"evaluate() 应当在 target_heldout 上给模型打分，它实际收到的是 {used[:6]}")


@check(
    "Both arms are trained on the target training split only",
    level="interview", points=2,
    hint="Pass target_train to train() for both arms; the held-out split is for scoring only, never for training.",
    title_zh="两组都只在目标任务的训练集上训练",
    hint_zh="两组都把 target_train 传给 train()；留出集只用来打分，绝不参与训练。",
)
def test_protocol_trains_on_train_split(impl):
    exp = Experiment().ran(impl)
    wrong = [(m, data) for m, data, _, _ in trained(exp) if data is not exp.target_train]
    assert not wrong, say(f"expected every train() call to get target_train; got {wrong[:3]}",
                          f"每次调用 train() 都应当传入 target_train，实际出现了（模型, 数据）{wrong[:3]}")
    for arm in ("transfer", "scratch"):
        models = [m for m, *_ in exp.train_calls if isinstance(m, FakeModel) and m.arm == arm]
        assert models, say(f"expected the {arm} arm's models to be trained; none was",
                           f"{ARM_ZH[arm]}的模型应当经过训练，实际一个也没有训练")


@check(
    "The scratch arm starts from random weights; only the transfer arm starts pretrained",
    level="interview", points=3,
    hint="Build the scratch model with make_model(False, seed); a copy of a pretrained model is not training from scratch.",
    title_zh="从零组从随机权重开始，只有迁移组从预训练权重开始",
    hint_zh="从零组用 make_model(False, seed) 构建；拷贝一份预训练模型不叫从零训练。",
)
def test_protocol_scratch_is_random(impl):
    exp = Experiment().ran(impl)
    per_seed(exp.result, "scratch")
    starts = [m.pretrained for m in exp.models]
    assert not all(starts), say(
        f"expected make_model(False, seed) for the scratch arm; make_model was called with pretrained={starts}",
        f"从零组应当调用 make_model(False, seed)；make_model 收到的 pretrained 依次是 {starts}")
    assert any(starts), say("expected make_model(True, seed) for the transfer arm; it was never called with pretrained=True",
                            "迁移组应当调用 make_model(True, seed)，实际从没有以 pretrained=True 调用过它")
    for arm in ("transfer", "scratch"):
        seeds, call = exp.trained_seeds(arm), f"make_model(pretrained={arm == 'transfer'}, seed)"
        assert seeds == sorted(SEEDS), say(
            f"expected one {arm} model ({call}) trained per seed {sorted(SEEDS)}; trained: {seeds}",
            f"{ARM_ZH[arm]}应当对种子 {sorted(SEEDS)} 各训练一个模型（{call}），实际训练的是种子 {seeds}")


@check(
    "Both arms get exactly the same training budget",
    level="interview", points=2,
    hint="Give both arms the same number of steps: extra steps for the scratch arm (or fewer for fine-tuning) make the rate measure the budget, not the transfer.",
    title_zh="两组的训练预算完全相同",
    hint_zh="两组训练同样的步数：给从零组多训几步（或者给微调少训几步），迁移率量的就成了预算差异，而不是迁移效果。",
)
def test_protocol_same_budget(impl):
    exp = Experiment().ran(impl)
    budgets = {arm: sorted({steps for m, _, steps, _ in trained(exp) if isinstance(m, FakeModel) and m.arm == arm})
               for arm in ("transfer", "scratch")}
    assert budgets["transfer"] == budgets["scratch"] == [STEPS], say(
        f"expected steps={STEPS} for every train() call; transfer arm got {budgets['transfer']}, scratch arm {budgets['scratch']}",
        f"每次调用 train() 都应当传入 steps={STEPS}，实际迁移组是 {budgets['transfer']}，从零组是 {budgets['scratch']}")


@check(
    "Every seed is used once per arm, for building the model and for training it",
    level="interview", points=2,
    hint="Pair the arms by seed: make_model(pretrained, seed) and train(..., seed) with each seed of `seeds`, the same seeds for both arms.",
    title_zh="每个种子在每组里用且只用一次，建模和训练都用它",
    hint_zh="按种子配对：对 `seeds` 里的每个种子调用 make_model(pretrained, seed) 和 train(..., seed)，两组用同一批种子。",
)
def test_protocol_seeds(impl):
    exp = Experiment().ran(impl)
    for arm in ("transfer", "scratch"):
        seeds = exp.trained_seeds(arm)
        assert seeds == sorted(SEEDS), say(f"expected the {arm} arm's trained models built with seeds {sorted(SEEDS)}, got {seeds}",
                                           f"{ARM_ZH[arm]}训练过的模型应当分别用种子 {sorted(SEEDS)} 构建，实际是 {seeds}")
    mismatched = [(m, seed) for m, _, _, seed in trained(exp) if not isinstance(m, FakeModel) or seed != m.seed]
    assert not mismatched, say(
        f"expected each model trained with the seed it was built with; got (model, training seed) {mismatched[:3]}",
        f"每个模型都应当用构建它时的种子来训练，实际出现了（模型, 训练种子）{mismatched[:3]}")


@check(
    "Fewer than three seeds, or a repeated seed, raises ValueError before any training",
    level="basic", points=2,
    hint="Two seeds give an interval 12.7 standard errors wide, and a repeated seed repeats the same run: validate `seeds` (at least three, all distinct) first.",
    title_zh="种子少于三个或有重复时，在任何训练开始之前抛出 ValueError",
    hint_zh="只有两个种子时，区间宽达 ±12.7 个标准误；重复的种子只是把同一次运行再跑一遍：先校验 `seeds`（至少三个，且互不相同）。",
)
def test_protocol_rejects_bad_seeds(impl):
    for seeds in ([5], [], [4, 5], (5, 4), [4, 4], [1, 2, 1], [1, 2, 3, 2]):
        exp = Experiment()
        problem = raising(lambda: exp.run(impl, seeds=seeds))
        assert problem is None, say(f"expected ValueError for seeds={seeds}; it {problem}",
                                    f"seeds={seeds} 时应当抛出 ValueError，实际{raising_zh(problem)}")
        runs = len(exp.train_calls)
        assert not runs, say(f"seeds={seeds}: expected ValueError before any training, but train() ran {runs} times",
                             f"seeds={seeds}：应当在开始训练之前就抛出 ValueError，但 train() 已经运行了 {runs} 次")


@check(
    "Each arm is summarised by its mean and sample standard deviation (n - 1)",
    level="interview", points=2,
    hint="Report the spread as the sample standard deviation (divide by n - 1: statistics.stdev, torch.std), not the population one (np.std's default).",
    title_zh="每组用均值和样本标准差（除以 n - 1）汇总",
    hint_zh="波动用样本标准差（除以 n - 1：statistics.stdev、torch.std），不要用总体标准差（np.std 的默认值）。",
)
def test_protocol_mean_and_std(impl):
    result = summary(Experiment().run(impl), "transfer_mean", "transfer_std", "scratch_mean", "scratch_std")
    for arm in ("transfer", "scratch"):
        scores = expected_scores(ACCURACY, arm)
        mean, want = number(result[f"{arm}_mean"], f"{arm}_mean"), statistics.fmean(scores)
        assert close(mean, want, 1e-5), say(f"expected {arm}_mean {want:.6f}, got {mean}", f"{arm}_mean 应为 {want:.6f}，实际为 {mean}")
        sample_std(number(result[f"{arm}_std"], f"{arm}_std"), scores, f"{arm}_std")


@check(
    "The rate divides the transfer arm's mean by the scratch arm's mean",
    level="interview", points=2,
    hint="rate = transfer_rate(transfer_mean, scratch_mean): a ratio of the arms' mean held-out scores, not the mean of the per-seed ratios (that is ratio_mean), nor a ratio to the source model's score.",
    title_zh="迁移率 = 迁移组均值 / 从零组均值",
    hint_zh="rate = transfer_rate(transfer_mean, scratch_mean)：两组留出集平均分之比；不是逐种子比值的均值（那是 ratio_mean），也不是和源模型分数的比值。",
)
def test_protocol_rate(impl):
    result = summary(Experiment().run(impl), "rate")
    got = number(result["rate"], "rate")
    transfer, scratch = (statistics.fmean(expected_scores(ACCURACY, arm)) for arm in ("transfer", "scratch"))
    of_ratios = close(got, statistics.fmean(ACCURACY["transfer"][s] / ACCURACY["scratch"][s] for s in SEEDS), 1e-5)
    assert close(got, transfer / scratch, 1e-5), say(
        f"expected rate {transfer / scratch:.4f} (mean transfer {transfer:.4f} / mean scratch {scratch:.4f}), got {got:.4f}"
        + (" (the mean of per-seed ratios)" if of_ratios else ""),
        f"rate 应为 {transfer / scratch:.4f}（迁移组均值 {transfer:.4f} / 从零组均值 {scratch:.4f}），实际为 {got:.4f}"
        + ("（这是逐种子比值的均值）" if of_ratios else ""))


@check(
    "With errors, the rate is the scratch mean over the transfer mean",
    level="interview", points=2,
    hint="Pass higher_is_better on to the rate and the negative-transfer flag: with errors, a lower transfer error is the good outcome.",
    title_zh="指标是误差时，迁移率 = 从零组均值 / 迁移组均值",
    hint_zh="把 higher_is_better 传给迁移率和负迁移标志：指标是误差时，迁移组误差更低才是好结果。",
)
def test_protocol_errors(impl):
    result = summary(Experiment(heldout=ERRORS, train_scores=TRAIN_ERRORS).run(impl, higher_is_better=False), "rate", "negative")
    transfer, scratch = (statistics.fmean(expected_scores(ERRORS, arm)) for arm in ("transfer", "scratch"))
    got = number(result["rate"], "rate")
    assert close(got, scratch / transfer, 1e-5), say(
        f"errors: expected rate {scratch / transfer:.4f} (mean scratch error {scratch:.4f} / mean transfer error {transfer:.4f}), got {got:.4f}",
        f"指标是误差时，rate 应为 {scratch / transfer:.4f}（从零组平均误差 {scratch:.4f} / 迁移组平均误差 {transfer:.4f}），实际为 {got:.4f}")
    negative = flag(result["negative"], 'result["negative"]')
    assert negative is False, say(
        f"errors: transfer error {transfer:.3f} < scratch error {scratch:.3f}, expected negative False, got {negative}",
        f"指标是误差时，迁移组误差 {transfer:.3f} < 从零组误差 {scratch:.3f}，negative 应为 False，实际为 {negative}")


@check(
    "The negative flag is set exactly when the transfer arm's mean is strictly worse",
    level="expert", points=2,
    hint="negative = negative_transfer(transfer_mean, scratch_mean): strictly worse means, a tie is not negative transfer.",
    title_zh="当且仅当迁移组均值严格更差时，negative 标志为 True",
    hint_zh="negative = negative_transfer(transfer_mean, scratch_mean)：均值严格更差才算，打平不算负迁移。",
)
def test_protocol_negative_flag(impl):
    for table, expected in [(WORSE, True), (TIED, False), (ACCURACY, False)]:
        result = summary(Experiment(heldout=table).run(impl), "negative", "rate")
        negative = flag(result["negative"], 'result["negative"]')
        transfer, scratch = (statistics.fmean(expected_scores(table, arm)) for arm in ("transfer", "scratch"))
        assert negative is expected, say(
            f"mean transfer {transfer:.4f}, mean scratch {scratch:.4f}: expected negative {expected}, got {negative}",
            f"迁移组均值 {transfer:.4f}，从零组均值 {scratch:.4f}：negative 应为 {expected}，实际为 {negative}")
        if table is TIED:
            rate = number(result["rate"], "rate")
            assert close(rate, 1.0), say(f"tied means (0.625 each): expected rate 1.0, got {rate}",
                                         f"两组均值相同（都是 0.625）：rate 应为 1.0，实际为 {rate}")


@check(
    "The per-seed ratios pair each seed's transfer run with the same seed's scratch run, in seed order",
    level="interview", points=3,
    hint="ratios[i] = transfer_rate(transfer[i], scratch[i], higher_is_better=...): the two runs of one seed, "
    "in the order of `seeds`; not each transfer score against the scratch mean, and not sorted.",
    title_zh="逐种子比值把每个种子的迁移组运行和同一种子的从零组运行配成一对，按种子顺序排列",
    hint_zh="ratios[i] = transfer_rate(transfer[i], scratch[i], higher_is_better=...)：同一个种子的两次运行相比，按 `seeds` 的顺序排列；不要拿每个迁移组分数去除从零组的均值，也不要排序。",
)
def test_protocol_paired_ratios(impl):
    for heldout, train_scores, higher in [(ACCURACY, TRAIN_ACCURACY, True), (ERRORS, TRAIN_ERRORS, False)]:
        result = ratio_summary(Experiment(heldout=heldout, train_scores=train_scores), impl, higher_is_better=higher)
        got = numbers(result["ratios"], 'result["ratios"]', len(SEEDS))
        expected = expected_ratios(heldout, higher_is_better=higher)
        what, what_zh = ("accuracies", "准确率") if higher else ("errors (scratch / transfer)", "误差（从零组 / 迁移组）")
        mistake, mistake_zh = ratios_mistake(got, expected, heldout, higher)
        shown, want = rounded(got), rounded(expected)
        assert all(close(g, e, 1e-5) for g, e in zip(got, expected)), say(
            f'{what}, seeds {list(SEEDS)}: expected result["ratios"] == {want}, got {shown}{mistake}',
            f'指标为{what_zh}，种子 {list(SEEDS)}：result["ratios"] 应为 {want}，实际为 {shown}{mistake_zh}')


@check(
    "The per-seed ratios are summarised by their mean and sample standard deviation (n - 1)",
    level="interview", points=2,
    hint="ratio_mean = statistics.fmean(ratios) and ratio_std = statistics.stdev(ratios) (n - 1), "
    "over the paired per-seed ratios; not the rate of the means, not the population std.",
    title_zh="逐种子比值用均值和样本标准差（除以 n - 1）汇总",
    hint_zh="ratio_mean = statistics.fmean(ratios)，ratio_std = statistics.stdev(ratios)（除以 n - 1），都是对配对的逐种子比值计算；不是均值之比，也不是总体标准差。",
)
def test_protocol_ratio_spread(impl):
    result = ratio_summary(Experiment(), impl)
    ratios = expected_ratios(ACCURACY)
    mean, want, shown = number(result["ratio_mean"], "ratio_mean"), statistics.fmean(ratios), rounded(ratios)
    assert close(mean, want, 1e-5), say(f"expected ratio_mean {want:.4f} (the mean of the per-seed ratios {shown}), got {mean:.4f}",
                                        f"ratio_mean 应为 {want:.4f}（逐种子比值 {shown} 的均值），实际为 {mean:.4f}")
    sample_std(number(result["ratio_std"], "ratio_std"), ratios, "ratio_std")


@check(
    "The interval is the 95% Student-t interval of the mean per-seed ratio",
    level="interview", points=3,
    hint="ratio_mean ± t * ratio_std / sqrt(n), with t = scipy.stats.t.ppf(0.975, n - 1) for n seeds "
    "(4.30 for three, 2.78 for five): the standard error of the mean, not the std, and Student's t, not 1.96.",
    title_zh="区间是逐种子比值均值的 95% Student t 区间",
    hint_zh="ratio_mean ± t * ratio_std / sqrt(n)，n 个种子时 t = scipy.stats.t.ppf(0.975, n - 1)（三个种子为 4.30，五个为 2.78）：乘的是均值的标准误，不是标准差；用 Student t 分位数，不是 1.96。",
)
def test_protocol_ratio_interval(impl):
    for heldout, train_scores, seeds in [(ACCURACY, TRAIN_ACCURACY, SEEDS), (FIVE, FIVE_TRAIN, FIVE_SEEDS)]:
        result = ratio_summary(Experiment(heldout=heldout, train_scores=train_scores), impl, seeds=seeds)
        low, high = interval(result["ratio_interval"], 'result["ratio_interval"]')
        ratios = expected_ratios(heldout, seeds)
        mean, half = statistics.fmean(ratios), t_half_width(ratios)
        centre_ok = close((low + high) / 2, mean, 1e-5)
        width_ok = close((high - low) / 2, half, 1e-3)  # a t table to three decimals is fine
        mistake, mistake_zh = interval_mistake(low, high, ratios, heldout, seeds)
        want, got = f"({mean - half:.4f}, {mean + half:.4f}) = {mean:.4f} ± {half:.4f}", f"({low:.4f}, {high:.4f})"
        assert centre_ok and width_ok, say(
            f"{len(seeds)} seeds, per-seed ratios {rounded(ratios)}: expected ratio_interval {want}, got {got}{mistake}",
            f"{len(seeds)} 个种子，逐种子比值为 {rounded(ratios)}：ratio_interval 应为 {want}，实际为 {got}{mistake_zh}")


@check(
    "Every arm and seed gets a fresh model, trained once before it is scored",
    level="expert", points=3, hidden=True,
    hint="Call make_model inside the loop over seeds and arms; continuing to train one model across seeds, or scoring it before training, is not an independent run.",
    title_zh="每组的每个种子都用一个新模型，打分前恰好训练一次",
    hint_zh="在遍历种子和组的循环里调用 make_model；把一个模型跨种子接着训练，或者训练之前就打分，都不是独立的运行。",
)
def test_protocol_fresh_models(impl):
    exp = Experiment().ran(impl)
    scored = [(m, history) for m, data, history in exp.eval_calls
              if data is exp.target_heldout and isinstance(m, FakeModel) and m.history]
    for model, history in scored:
        assert len(history) == 1, say(
            f"expected {model} to be trained exactly once when it is scored; it had {len(history)} train() calls by then",
            f"{model} 打分时应当恰好训练过一次，实际在此之前已对它调用了 {len(history)} 次 train()")
    distinct, want = len({id(m) for m, _ in scored}), 2 * len(SEEDS)
    assert distinct >= want, say(
        f"expected {want} distinct trained models scored on target_heldout (one per arm and seed), got {distinct}",
        f"在 target_heldout 上打分的、训练过的模型应当是 {want} 个不同的模型（每组每个种子一个），实际只有 {distinct} 个")


# ---------------------------------------------------------------- a real run


@check(
    "For real on noisy digits: the augmented-digits source transfers positively, the label-shuffled one negatively, "
    "each interval excluding 1",
    level="expert", points=3,
    hint="Run the same protocol on grader.fixtures.pretrained's positive and negative pairings; if your numbers disagree, check which arm loads pretrained weights and which split is scored.",
    title_zh="在带噪手写数字上真跑一遍：增强数字源模型带来正迁移，标签打乱的源模型带来负迁移，两者的区间都不包含 1",
    hint_zh="在 grader.fixtures.pretrained 的正、负两组配对上运行同一个协议；如果你的结果对不上，检查是哪一组加载了预训练权重、在哪个划分上打分。",
)
def test_protocol_real_pairings(impl, device):
    results = {kind: summary(result, "rate", "negative", "ratio_interval") for kind, result in real_runs(impl, device).items()}
    positive, negative = (number(results[kind]["rate"], "rate") for kind in ("positive", "negative"))
    assert positive > 1.2 and not flag(results["positive"]["negative"], "negative"), say(
        f"positive pairing ({digits.POSITIVE}): expected a rate above 1.2 and no negative transfer, got rate {positive:.3f}",
        f"正迁移配对（{digits.POSITIVE}）：迁移率应当大于 1.2 且不是负迁移，实际迁移率为 {positive:.3f}")
    assert negative < 0.9 and flag(results["negative"]["negative"], "negative"), say(
        f"negative pairing ({digits.NEGATIVE}): expected a rate below 0.9 and negative transfer, got rate {negative:.3f}",
        f"负迁移配对（{digits.NEGATIVE}）：迁移率应当小于 0.9 且判为负迁移，实际迁移率为 {negative:.3f}")
    above, below = (interval(results[kind]["ratio_interval"], "ratio_interval") for kind in ("positive", "negative"))
    up, down = (f"({low:.3f}, {high:.3f})" for low, high in (above, below))
    assert above[0] > 1 and below[1] < 1, say(
        "expected the per-seed ratios' interval above 1 for the positive pairing and below 1 for the negative one "
        f"(the effects are several standard errors wide); got {up} and {down}",
        f"正迁移配对的逐种子比值区间应当整体高于 1，负迁移配对的应当整体低于 1（效应有好几个标准误那么大）；实际分别为 {up} 和 {down}")


@check(
    "Scores that are 0-dim tensors on another device (a GPU) give the same plain float rate and bool flag",
    level="interview", points=1,
    hint="A GPU tensor cannot go through NumPy (np.isfinite, np.asarray raise on it): convert each "
    "score with float() first, then validate it with math.isfinite.",
    title_zh="分数是另一设备（GPU）上的 0 维张量时，迁移率仍是普通 float，负迁移标志仍是 bool",
    hint_zh="GPU 张量不能直接交给 NumPy（np.isfinite、np.asarray 会报错）：先用 float() 转换每个分数，再用 math.isfinite 校验。",
)
def test_scores_on_another_device(impl):
    transfer, scratch = elsewhere(torch.tensor(0.9)), elsewhere(torch.tensor(0.6))
    with mismatch_fails("transfer_rate"):
        got = rate_of(impl, transfer, scratch)
        negative = negative_of(impl, transfer, scratch, higher_is_better=False)
    assert close(got, 1.5, rtol=1e-6), say(f"expected 1.5 for scores 0.9 and 0.6 on another device, got {got}",
                                           f"分数 0.9 和 0.6 在另一设备上时，迁移率应为 1.5，实际为 {got}")
    assert negative is True, say("expected negative transfer for errors 0.9 (transfer) vs 0.6 (scratch) on another device",
                                 "误差 0.9（迁移组）比 0.6（从零组）高，在另一设备上也应当判为负迁移")
