"""Grader for data_efficiency (Q3): stratified nested subsets, effective data transferred,
and the learning-curve experiment.

`stratified_subset` is checked by properties only (which indices are drawn is the
implementer's choice). `effective_data` is checked on hand-made curves whose expected
values are written out in each check. `learning_curves` is graded with instrumented fakes
(`Experiment`, grader/fixtures/curve_fakes.py), as compare_transfer is in the transfer_rate
grader, plus one tiny real run on the digits fixtures of grader/fixtures/pretrained.py.
Lists whose contents == compares are checked for exact types first (list, int, float).
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch

from grader.authoring.checks import FakeModel, check, raising, raising_zh, say
from grader.authoring.devices import call_elsewhere, here
from grader.authoring.exact import exact_items
from grader.fixtures import pretrained as digits
from grader.fixtures.curve_fakes import (
    BUDGETS, MEANS, OFFSETS, PER_CLASS, SEEDS, STEPS, Experiment, as_set, close, effective, expected_means, field,
    floats, labels_with, log_between, reference_effective, results, same, show, sizes, subset,
)

COUNTS = {0: 7, 1: 9, 2: 12}


# ---------------------------------------------------------------- stratified_subset


@check(
    "stratified_subset draws exactly per_class distinct examples of every class",
    level="basic", points=2,
    hint="Find the classes with torch.unique(labels); for each, take per_class of its positions at random (torch.randperm with a generator), never the same position twice.",
    title_zh="stratified_subset 从每个类别里恰好抽 per_class 个不重复的样本",
    hint_zh="用 torch.unique(labels) 找出类别；每个类别从它的位置里随机取 per_class 个（带 generator 的 torch.randperm），同一位置不能取两次。",
)
def test_subset_counts(impl):
    labels = labels_with(COUNTS)
    for k in (1, 5, 7):
        idx = subset(impl, labels, k, seed=3)
        assert idx.dim() == 1 and len(idx) == 3 * k, say(
            f"per_class={k} with 3 classes: expected {3 * k} indices, got shape {tuple(idx.shape)}",
            f"per_class={k}、共 3 个类别：应有 {3 * k} 个索引，实际形状为 {tuple(idx.shape)}")
        values = idx.tolist()
        assert len(set(values)) == len(values), say(f"per_class={k}: expected distinct indices (no replacement), got {sorted(values)}",
                                                    f"per_class={k}：索引应互不相同（无放回抽样），实际为 {sorted(values)}")
        assert all(0 <= v < len(labels) for v in values), say(
            f"per_class={k}: indices must be positions into labels (0..{len(labels) - 1}), got {values}",
            f"per_class={k}：索引必须是 labels 中的位置（0..{len(labels) - 1}），实际为 {values}")
        drawn = torch.bincount(labels[idx], minlength=3).tolist()
        assert drawn == [k, k, k], say(f"per_class={k}: expected {k} examples of each class 0, 1, 2, got counts {drawn}",
                                       f"per_class={k}：类别 0、1、2 应各有 {k} 个样本，实际计数为 {drawn}")


@check(
    "The indices come back as a sorted 1-D int64 tensor",
    level="basic", points=1,
    hint="Concatenate the chosen positions of all classes, then .sort().values; randperm and nonzero already give int64.",
    title_zh="返回的索引是排好序的一维 int64 张量",
    hint_zh="把各类别选中的位置拼起来，再取 .sort().values；randperm 和 nonzero 给出的本来就是 int64。",
)
def test_subset_sorted_int64(impl):
    idx = impl.stratified_subset(labels_with(COUNTS), 4, seed=8)
    kind = getattr(idx, "dtype", type(idx).__name__)
    assert isinstance(idx, torch.Tensor) and idx.dtype == torch.int64, say(f"expected a torch.int64 tensor, got {kind}",
                                                                         f"应为 torch.int64 张量，实际为 {kind}")
    values = idx.tolist()
    assert values == sorted(values), say(f"expected indices sorted ascending, got {values}", f"索引应按升序排列，实际为 {values}")


@check(
    "The same seed gives the same indices; different seeds give different subsets",
    level="basic", points=1,
    hint="Build a fresh torch.Generator().manual_seed(seed) inside the call and draw everything from it.",
    title_zh="同一个种子给出相同的索引，不同种子给出不同的子集",
    hint_zh="在函数内部新建 torch.Generator().manual_seed(seed)，所有随机抽取都从它来。",
)
def test_subset_seeded(impl):
    labels = labels_with(COUNTS)
    first, again = subset(impl, labels, 3, seed=11), subset(impl, labels, 3, seed=11)
    assert torch.equal(first, again), say(f"seed=11 twice: expected the same indices, got {first.tolist()} then {again.tolist()}",
                                          f"两次都用 seed=11：索引应相同，实际先是 {first.tolist()}，后是 {again.tolist()}")
    draws = {tuple(subset(impl, labels, 3, seed=s).tolist()) for s in range(10)}
    assert len(draws) >= 8, say(f"seeds 0..9: expected (almost) all different subsets, got {len(draws)} distinct",
                                f"种子 0..9：子集应（几乎）各不相同，实际只有 {len(draws)} 个不同的")


@check(
    "Nested budgets: with one seed, a smaller per_class subset lies inside a larger one",
    level="interview", points=3,
    hint="Draw one random order per class (or one for all examples) from the seed and take its first per_class entries: the draw must not depend on per_class.",
    title_zh="预算嵌套：同一个种子下，per_class 较小的子集包含在较大的子集里",
    hint_zh="用种子为每个类别（或为全部样本）生成一个随机顺序，取前 per_class 个：抽取过程不能依赖 per_class。",
)
def test_subset_nested(impl):
    labels = labels_with(COUNTS)
    for seed in range(4):
        previous = set()
        for k in range(1, 8):
            current = as_set(subset(impl, labels, k, seed=seed))
            missing = sorted(previous - current)
            assert previous <= current, say(
                f"seed={seed}: expected the per_class={k - 1} subset inside the per_class={k} one; missing {missing}",
                f"seed={seed}：per_class={k - 1} 的子集应包含在 per_class={k} 的子集里；缺少 {missing}")
            previous = current


@check(
    "torch's global random state is neither changed nor used",
    level="interview", points=2,
    hint="torch.manual_seed(seed) and torch.randperm(n) without generator= both go through the global generator: use torch.Generator().manual_seed(seed) and pass generator= to every draw.",
    title_zh="既不改变、也不使用 torch 的全局随机状态",
    hint_zh="torch.manual_seed(seed) 和不带 generator= 的 torch.randperm(n) 都走全局生成器：请用 torch.Generator().manual_seed(seed)，每次抽取都传 generator=。",
)
def test_subset_global_rng(impl):
    labels = labels_with(COUNTS)
    torch.manual_seed(123)
    state = torch.get_rng_state()
    subset(impl, labels, 4, seed=2)
    assert torch.equal(state, torch.get_rng_state()), say("expected torch's global random state unchanged by stratified_subset",
                                                          "stratified_subset 不应改变 torch 的全局随机状态")
    torch.manual_seed(1)
    a = subset(impl, labels, 4, seed=2)
    torch.manual_seed(2)
    b = subset(impl, labels, 4, seed=2)
    assert torch.equal(a, b), say(f"seed=2 under two different global seeds: expected the same indices, got {a.tolist()} and {b.tolist()}",
                                  f"全局种子不同、seed=2 相同：索引应相同，实际为 {a.tolist()} 和 {b.tolist()}")


@check(
    "per_class < 1 raises ValueError",
    level="basic", points=1,
    hint="Check per_class before drawing: a budget of zero examples per class is a caller's mistake, not an empty subset.",
    title_zh="per_class < 1 时抛出 ValueError",
    hint_zh="抽取之前先检查 per_class：每类零个样本的预算是调用方的错误，不是一个空子集。",
)
def test_subset_rejects_small_budget(impl):
    for k in (0, -2):
        problem = raising(lambda: impl.stratified_subset(labels_with(COUNTS), k, seed=0))
        assert problem is None, say(f"expected ValueError for per_class={k}; it {problem}",
                                    f"per_class={k} 时应抛出 ValueError，实际{raising_zh(problem)}")


@check(
    "A class with fewer than per_class examples raises ValueError naming its label",
    level="interview", points=2,
    hint="Count each class (torch.unique(..., return_counts=True)) and put the short class's label in the message: 'class 13 has 2 examples, fewer than per_class=4'.",
    title_zh="某个类别的样本少于 per_class 时，抛出 ValueError 并指明该类别的标签",
    hint_zh="统计每个类别的样本数（torch.unique(..., return_counts=True)），把不够数的类别标签写进报错信息：'class 13 has 2 examples, fewer than per_class=4'。",
)
def test_subset_short_class(impl):
    for counts, short in (({3: 8, 7: 9, 13: 2}, 13), ({0: 6, 41: 5, 2: 9}, 41)):
        k = counts[short] + 1
        try:
            impl.stratified_subset(labels_with(counts), k, seed=0)
        except ValueError as exc:
            message = str(exc)
        else:
            raise AssertionError(say(f"class {short} has {counts[short]} examples, per_class={k}: expected ValueError, got none",
                                     f"类别 {short} 只有 {counts[short]} 个样本，per_class={k}：应抛出 ValueError，实际没有抛出"))
        assert re.search(rf"(?<![0-9]){short}(?![0-9])", message), say(
            f"class {short} is the one with too few examples: expected its label in the message, got {message!r}",
            f"样本不够的是类别 {short}：报错信息里应有它的标签，实际为 {message!r}")


@check(
    "Only the classes present count: labels need not be 0..C-1",
    level="expert", points=1,
    hint="Iterate over torch.unique(labels), not range(labels.max() + 1): absent values are not classes.",
    title_zh="只算实际出现的类别：标签不一定是 0..C-1",
    hint_zh="遍历 torch.unique(labels)，而不是 range(labels.max() + 1)：没出现的值不是类别。",
)
def test_subset_sparse_labels(impl):
    labels = labels_with({3: 5, 7: 6, 12: 4})
    idx = subset(impl, labels, 4, seed=1)
    drawn = {c: int((labels[idx] == c).sum()) for c in (3, 7, 12)}
    assert len(idx) == 12 and drawn == {3: 4, 7: 4, 12: 4}, say(
        f"labels in {{3, 7, 12}}, per_class=4: expected 4 of each, got {drawn} ({len(idx)} indices)",
        f"标签取值为 {{3, 7, 12}}，per_class=4：每类应各 4 个，实际为 {drawn}（共 {len(idx)} 个索引）")


@check(
    "Every example of a class can be drawn",
    level="expert", points=2, hidden=True,
    hint="Draw uniformly among all of a class's positions (a permutation of all of them), not from its first few or from a window.",
    title_zh="一个类别里的每个样本都有机会被抽到",
    hint_zh="在该类别的全部位置中均匀抽取（对全部位置做排列），不要只从前几个或某个窗口里抽。",
)
def test_subset_covers(impl):
    labels = labels_with({0: 6, 1: 6, 2: 6})
    seen: set[int] = set()
    for seed in range(60):
        seen |= as_set(subset(impl, labels, 2, seed=seed))
    never = sorted(set(range(18)) - seen)
    assert seen == set(range(18)), say(
        f"per_class=2 over 60 seeds: expected every one of the 18 examples drawn at least once; never drawn: {never}",
        f"per_class=2、60 个种子：18 个样本每个都应至少被抽到一次；从未抽到的：{never}")


# ---------------------------------------------------------------- effective_data


@check(
    "effective_data is D_E - D_F with D_E interpolated in log(budget) at the scratch curve's crossing",
    level="basic", points=3,
    hint="For each transfer score s*, find the first scratch point at least as good, interpolate log(budget) between it and the point before, exponentiate, and subtract the transfer arm's own budget.",
    title_zh="effective_data 等于 D_E - D_F，D_E 在从零训练曲线越过 s* 的位置按 log(预算) 插值得到",
    hint_zh="对每个迁移得分 s*，找到第一个不差于它的从零训练点，在它和前一个点之间对 log(预算) 插值，取指数，再减去迁移组自己的预算。",
)
def test_effective_monotone(impl):
    effective(impl, [10, 20, 40, 80], [0.5, 0.575, 0.65, 0.72], [0.4, 0.5, 0.6, 0.7],
              [10.0, log_between(20, 40, 0.75) - 20, 40 * math.sqrt(2) - 40, None])


@check(
    "Results are a list of plain Python floats or None",
    level="basic", points=1,
    hint="Convert with float(...) at the end: math.exp of a tensor or numpy value keeps its type.",
    title_zh="结果是由普通 Python float 或 None 组成的 list",
    hint_zh="最后用 float(...) 转换：对张量或 numpy 数值调用 math.exp，类型不会变。",
)
def test_effective_types(impl):
    for budgets, transfer, scratch in (([10, 100], [0.5, 0.6], [0.2, 0.8]),
                                       ([1, 2, 4], [0.3, 0.4, 0.9], [0.3, 0.35, 0.5])):
        results(impl.effective_data(budgets, transfer, scratch), len(budgets), f"effective_data({budgets}, {transfer}, {scratch})")


@check(
    "Any finite scores work: negative ones and ones above 1",
    level="basic", points=1,
    hint="Scores are whatever the metric gives (a log-likelihood is negative, an RMSE can exceed 1): only NaN and infinity are invalid.",
    title_zh="任何有限的得分都能用：负数、大于 1 的数都行",
    hint_zh="得分就是指标给出的值（对数似然是负的，RMSE 可以大于 1）：只有 NaN 和无穷大是非法的。",
)
def test_effective_any_finite_scores(impl):
    effective(impl, [10, 20, 40], [-1.5, 2.0, 6.0], [-2.0, -1.0, 4.0], [log_between(10, 20, 0.5) - 10, log_between(20, 40, 0.6) - 20, None])
    effective(impl, [10, 20, 40], [150.0, 90.0, 70.0], [200.0, 100.0, 80.0],
              [log_between(10, 20, 0.5) - 10, log_between(20, 40, 0.5) - 20, None], higher_is_better=False)


@check(
    "Interpolation is linear in log(budget), not in budget",
    level="interview", points=2,
    hint="Budgets grow geometrically: between 1 and 100 examples, halfway in score is 10 examples (the geometric mean), not 50.5.",
    title_zh="插值在 log(预算) 上是线性的，而不是在预算上",
    hint_zh="预算按几何级数增长：在 1 到 100 个样本之间，得分的一半对应 10 个样本（几何平均），而不是 50.5。",
)
def test_effective_log_interpolation(impl):
    effective(impl, [1, 100], [0.5, 0.9], [0.2, 0.8], [9.0, None])
    effective(impl, [8, 64, 512], [0.45, 0.8, 0.61], [0.3, 0.6, 0.9],
              [log_between(8, 64, 0.5) - 8, log_between(64, 512, 2 / 3) - 64, log_between(64, 512, 1 / 30) - 512])


@check(
    "On a non-monotone scratch curve the first crossing counts",
    level="interview", points=2,
    hint="Scan the scratch scores from the smallest budget and stop at the first one at least as good as s*; interpolate with the point just before it, not with the best earlier point, and do not sort.",
    title_zh="从零训练曲线不单调时，以第一次越过为准",
    hint_zh="从最小预算开始扫描从零训练的得分，停在第一个不差于 s* 的点；用它前面紧挨着的点插值，而不是前面最好的点，也不要排序。",
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
    title_zh="从零训练的得分等于 s* 就算达到：D_E 正好是那个预算",
    hint_zh="“不差于”就是 >=（误差类指标是 <=）：打平也算达到 s*，在第一个点、最后一个点、平坦曲线上都一样。",
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
    title_zh="迁移起反作用时，D_T 为负",
    hint_zh="返回 D_E - D_F，不是 D_E，也不是它的绝对值：从零训练用比迁移模型更少的数据就能追平，这就是负迁移。",
)
def test_effective_negative(impl):
    effective(impl, [10, 20, 40], [0.25, 0.5, 0.55], [0.2, 0.5, 0.6], [log_between(10, 20, 1 / 6) - 10, 0.0, log_between(20, 40, 0.5) - 40])


@check(
    "None when the scratch curve never reaches s*, or is already strictly better at the smallest budget",
    level="interview", points=2,
    hint="Both cases lie outside the measured curve: D_E would be above the largest budget or below the smallest. Return None instead of extrapolating or clamping.",
    title_zh="从零训练曲线始终达不到 s*，或在最小预算处就已严格更好时，返回 None",
    hint_zh="这两种情况都落在测得的曲线之外：D_E 会大于最大预算或小于最小预算。返回 None，不要外推，也不要截断到边界。",
)
def test_effective_none(impl):
    effective(impl, [10, 20, 40], [0.5, 0.65, 0.9], [0.6, 0.7, 0.8], [None, log_between(10, 20, 0.5) - 20, None])
    effective(impl, [1, 2], [0.95, 0.1], [0.5, 0.9], [None, None])


@check(
    "With errors (higher_is_better=False) a lower scratch score is at least as good",
    level="interview", points=2,
    hint="Only the comparison flips (<= instead of >=); the interpolation formula is the same for both directions.",
    title_zh="误差类指标（higher_is_better=False）下，从零训练的得分越低越好",
    hint_zh="只有比较方向反过来（<= 代替 >=）；两个方向的插值公式完全一样。",
)
def test_effective_errors(impl):
    effective(impl, [10, 20, 40, 80], [0.5, 0.45, 0.35, 0.28], [0.6, 0.5, 0.4, 0.3],
              [10.0, 20 * math.sqrt(2) - 20, 40 * math.sqrt(2) - 40, None], higher_is_better=False)
    effective(impl, [10, 20], [0.7, 0.55], [0.6, 0.5], [None, log_between(10, 20, 0.5) - 20], higher_is_better=False)


@check(
    "Lists, tuples, 1-D tensors and NumPy arrays are accepted, and give plain floats",
    level="interview", points=2,
    hint="Turn every input into a list of Python floats first (tensor.tolist(), float(v)); len() works on all of them, truth tests do not.",
    title_zh="接受 list、tuple、一维张量和 NumPy 数组，结果都是普通 float",
    hint_zh="先把每个输入都转成 Python float 的 list（tensor.tolist()、float(v)）；len() 对它们都能用，真值判断则不行。",
)
def test_effective_input_kinds(impl):
    expected = [2.0, 4 * math.sqrt(2) - 4, 8.0, None]
    budgets, transfer, scratch = [2, 4, 8, 16], [0.5, 0.5625, 0.75, 0.875], [0.25, 0.5, 0.625, 0.75]
    kinds = {
        ("tuples", "tuple"): (tuple(budgets), tuple(transfer), tuple(scratch)),
        ("tensors (int64 budgets, float32 scores)", "张量（int64 预算、float32 得分）"):
            (torch.tensor(budgets), torch.tensor(transfer), torch.tensor(scratch)),
        ("NumPy arrays (int64 and float32)", "NumPy 数组（int64 和 float32）"):
            (np.array(budgets), np.array(transfer, dtype=np.float32), np.array(scratch, dtype=np.float32)),
        ("lists of NumPy scalars", "由 NumPy 标量组成的 list"):
            ([np.int64(b) for b in budgets], [np.float64(t) for t in transfer], [np.float32(s) for s in scratch]),
    }
    for (kind, kind_zh), args in kinds.items():
        got = results(impl.effective_data(*args), 4, f"effective_data with {kind}")
        assert same(got, expected), say(f"inputs as {kind}: expected {show(expected)}, got {show(got)}",
                                        f"输入为{kind_zh}：应为 {show(expected)}，实际为 {show(got)}")


@check(
    "Mismatched lengths or fewer than two budgets raise ValueError; two budgets are enough",
    level="basic", points=2,
    hint="Validate before computing: the three sequences must have the same length, at least 2 (a curve needs two points).",
    title_zh="长度不一致或预算少于两个时抛出 ValueError；两个预算就够了",
    hint_zh="计算之前先校验：三个序列长度必须相同，且至少为 2（一条曲线至少要两个点）。",
)
def test_effective_rejects_shapes(impl):
    cases = {
        ("2 budgets, 3 transfer scores", "2 个预算、3 个迁移得分"): ([1, 2], [0.1, 0.2, 0.3], [0.1, 0.2]),
        ("3 budgets, 2 scratch scores", "3 个预算、2 个从零训练得分"): ([1, 2, 3], [0.1, 0.2, 0.3], [0.1, 0.2]),
        ("one budget", "只有一个预算"): ([5], [0.5], [0.4]),
        ("no budget", "没有预算"): ([], [], []),
    }
    for (what, what_zh), args in cases.items():
        problem = raising(lambda: impl.effective_data(*args))
        assert problem is None, say(f"expected ValueError for {what}; it {problem}",
                                    f"{what_zh}时应抛出 ValueError，实际{raising_zh(problem)}")
    results(impl.effective_data([5, 10], [0.5, 0.6], [0.4, 0.7]), 2, "effective_data with exactly two budgets")


@check(
    "Budgets that are not strictly increasing, not positive or not finite raise ValueError",
    level="interview", points=2,
    hint="Check every budget with math.isfinite and > 0 (log needs positive numbers), and every neighbour pair for b[i] < b[i+1] (equal is not increasing).",
    title_zh="预算不严格递增、不为正或不是有限值时，抛出 ValueError",
    hint_zh="对每个预算检查 math.isfinite 和 > 0（对数要求正数），对每对相邻预算检查 b[i] < b[i+1]（相等不算递增）。",
)
def test_effective_rejects_budgets(impl):
    scores = [0.1, 0.2, 0.3]
    for budgets in ([1, 1, 2], [1, 3, 2], [0, 1, 2], [-4, 1, 2], [1, 2, math.inf], [math.nan, 1, 2], [1, math.nan, 3]):
        problem = raising(lambda: impl.effective_data(budgets, scores, scores))
        assert problem is None, say(f"expected ValueError for budgets {budgets}; it {problem}",
                                    f"预算为 {budgets} 时应抛出 ValueError，实际{raising_zh(problem)}")


@check(
    "NaN or infinite scores raise ValueError",
    level="interview", points=1,
    hint="Comparisons with NaN are all False, so a NaN slips through as 'never reached': test math.isfinite on every score.",
    title_zh="得分为 NaN 或无穷大时抛出 ValueError",
    hint_zh="与 NaN 的比较结果全是 False，NaN 会被当成“始终没达到”混过去：对每个得分都检查 math.isfinite。",
)
def test_effective_rejects_scores(impl):
    good = [0.1, 0.2, 0.3]
    for transfer, scratch in (([0.1, math.nan, 0.3], good), (good, [0.1, math.inf, 0.3]), (good, [-math.inf, 0.2, 0.3]),
                              ([math.inf, 0.2, 0.3], good)):
        problem = raising(lambda: impl.effective_data([1, 2, 3], transfer, scratch))
        assert problem is None, say(f"expected ValueError for transfer {transfer}, scratch {scratch}; it {problem}",
                                    f"迁移得分 {transfer}、从零训练得分 {scratch} 时应抛出 ValueError，实际{raising_zh(problem)}")


# ---------------------------------------------------------------- learning_curves with fakes


@check(
    "learning_curves reports the budgets as training-set sizes and each arm's mean held-out score per budget",
    level="basic", points=3,
    hint="budgets = per-class size x number of classes; average each arm's held-out scores over the seeds at each budget, and keep the per-seed scores in seed order.",
    title_zh="learning_curves 把 budgets 报告为训练集大小，并给出每组在每个预算下的留出集平均得分",
    hint_zh="budgets = 每类样本数 x 类别数；每个预算下，对每组在各个种子上的留出集得分求平均，并按种子顺序保留逐种子得分。",
)
def test_curves_report(impl):
    result = Experiment().run(impl)
    sizes(result, list(PER_CLASS))
    want = expected_means()
    for arm in ("transfer", "scratch"):
        got = floats(field(result, arm), f'result["{arm}"]', len(PER_CLASS))
        assert all(close(g, e, 1e-5) for g, e in zip(got, want[arm])), say(
            f'expected result["{arm}"] = {show(want[arm])} (held-out means), got {show(got)}',
            f'result["{arm}"] 应为 {show(want[arm])}（留出集均值），实际为 {show(got)}')
        runs = field(result, f"{arm}_runs")
        assert len(runs) == len(PER_CLASS), say(f'expected result["{arm}_runs"] to hold one list per budget, got {runs!r}',
                                                f'result["{arm}_runs"] 应为每个预算一个 list，实际为 {runs!r}')
        for k, mean, per_seed in zip(PER_CLASS, MEANS[arm], runs):
            expected = [mean + OFFSETS[arm][s] for s in SEEDS]
            got = floats(per_seed, f'result["{arm}_runs"] at per_class={k}', len(SEEDS))
            assert all(close(g, e, 1e-5) for g, e in zip(got, expected)), say(
                f"{arm} at per_class={k}: expected per-seed scores {show(expected)} for seeds {list(SEEDS)}, got {show(got)}",
                f"{arm} 在 per_class={k} 时：种子 {list(SEEDS)} 的逐种子得分应为 {show(expected)}，实际为 {show(got)}")


@check(
    "per_class given as a tuple or a range comes back as a list of ints, and so do the budgets",
    level="interview", points=1,
    hint="per_class is any sequence of ints: turn it into a list ([int(k) for k in per_class]) before validating it and "
    "before putting it in the result.",
    title_zh="per_class 以 tuple 或 range 传入时，返回的仍是由 int 组成的 list，budgets 也一样",
    hint_zh="per_class 可以是任何由 int 组成的序列：校验之前、放进结果之前，都先把它转成 list（[int(k) for k in per_class]）。",
)
def test_curves_per_class_kinds(impl):
    for given in ((1, 2, 4, 8), range(1, 3)):
        sizes(Experiment().run(impl, per_class=given), list(given))


@check(
    "Both arms train on the same examples, for the same steps, with the same seed, at every budget",
    level="interview", points=2,
    hint="Draw the training set once per (seed, budget) and hand the same data, steps and seed to both arms' train() calls.",
    title_zh="每个预算下，两组都在同样的样本上、用同样的步数和同一个种子训练",
    hint_zh="每个（种子，预算）只抽一次训练集，两组的 train() 调用拿到相同的数据、步数和种子。",
)
def test_curves_paired(impl):
    exp = Experiment()
    exp.run(impl)
    transfer, scratch = exp.sets("transfer"), exp.sets("scratch")
    expected_keys = sorted((s, k) for s in SEEDS for k in PER_CLASS)
    assert sorted(transfer) == expected_keys == sorted(scratch), say(
        f"expected one training run per arm, seed and per-class budget {expected_keys}; transfer {sorted(transfer)}, scratch {sorted(scratch)}",
        f"每组、每个种子、每个每类预算应各训练一次 {expected_keys}；迁移组 {sorted(transfer)}，从零训练组 {sorted(scratch)}")
    differ = [key for key in expected_keys if transfer[key] != scratch[key]]
    assert not differ, say(f"expected the same training examples for both arms; (seed, per_class) {differ[:3]} differ",
                           f"两组的训练样本应相同；(seed, per_class) 为 {differ[:3]} 时不同")
    wrong = [(m, steps, seed) for m, _, steps, seed in exp.train_calls if steps != STEPS or seed != getattr(m, "seed", None)]
    assert not wrong, say(f"expected every train() call with steps={STEPS} and the model's own seed; got {wrong[:3]}",
                          f"每次 train() 调用都应传 steps={STEPS} 和模型自己的种子；实际有 {wrong[:3]}")


@check(
    "Training sets are class-balanced draws from the pool, nested across budgets for each seed",
    level="interview", points=2,
    hint="Use stratified_subset(y, k, seed=seed) on the pool's labels and index x and y with it: the subsets of one seed then grow by adding examples.",
    title_zh="训练集是从数据池中按类别均衡抽出的，且同一种子下各预算的训练集相互嵌套",
    hint_zh="对数据池的标签调用 stratified_subset(y, k, seed=seed)，再用它索引 x 和 y：同一种子的子集就只会通过添加样本来增长。",
)
def test_curves_nested(impl):
    exp = Experiment()
    exp.run(impl)
    for (seed, k), ids in exp.sets("transfer").items():
        assert exp.per_class(ids) == k, say(f"seed {seed}: expected {k} distinct pool examples of each class, got positions {ids}",
                                            f"种子 {seed}：每个类别应有 {k} 个互不相同的数据池样本，实际位置为 {ids}")
    for seed in SEEDS:
        sets = [set(exp.sets("transfer").get((seed, k), ())) for k in PER_CLASS]
        for k, small, big in zip(PER_CLASS[1:], sets, sets[1:]):
            assert small <= big, say(f"seed {seed}: expected the per_class={k // 2} training set inside the per_class={k} one",
                                     f"种子 {seed}：per_class={k // 2} 的训练集应包含在 per_class={k} 的训练集里")


@check(
    "Models are scored on the held-out split; the transfer arm starts pretrained, the scratch arm from random weights",
    level="interview", points=2,
    hint="make_model(True, seed) for transfer, make_model(False, seed) for scratch; pass heldout (never the pool or the training subset) to evaluate().",
    title_zh="模型在留出集上评分；迁移组从预训练权重开始，从零训练组从随机权重开始",
    hint_zh="迁移组用 make_model(True, seed)，从零训练组用 make_model(False, seed)；传给 evaluate() 的是 heldout（绝不是数据池或训练子集）。",
)
def test_curves_heldout_and_arms(impl):
    exp = Experiment()
    exp.run(impl)
    scored = [data for _, data, _ in exp.eval_calls]
    shown = [repr(d)[:30] for d in scored[:4]]
    assert scored and all(d is exp.heldout for d in scored), say(f"expected every evaluate() call on heldout; got {shown}",
                                                                 f"每次 evaluate() 都应在 heldout 上调用；实际为 {shown}")
    arms = sorted({m.arm for m, *_ in exp.train_calls if isinstance(m, FakeModel)})
    assert arms == ["scratch", "transfer"], say(
        f"expected models built with pretrained=True and pretrained=False; trained arms: {arms}",
        f"应分别用 pretrained=True 和 pretrained=False 构建模型；实际训练的组：{arms}")


@check(
    "effective_data in the result is computed from the mean curves and the training-set sizes (higher is better by default)",
    level="interview", points=2,
    hint="Call effective_data(budgets, transfer means, scratch means, higher_is_better=higher_is_better) once, with budgets in examples (not per class) and the means (not per-seed values).",
    title_zh="结果中的 effective_data 由平均曲线和训练集大小算出（默认越高越好）",
    hint_zh="调用一次 effective_data(budgets, 迁移组均值, 从零训练组均值, higher_is_better=higher_is_better)，预算用样本总数（不是每类样本数），得分用均值（不是逐种子的值）。",
)
def test_curves_effective(impl):
    for lower, default in ((False, False), (True, False), (False, True)):
        result = Experiment(lower_is_better=lower).run(impl, default_direction=default)
        want_means = expected_means(lower)
        expected = reference_effective(BUDGETS, want_means["transfer"], want_means["scratch"], not lower)
        got = exact_items(field(result, "effective_data"), list, (float, type(None)), 'result["effective_data"]',
                          'result["effective_data"]')
        direction = "(default)" if default else not lower
        assert same(got, expected), say(f"higher_is_better={direction}: expected effective_data {show(expected)}, got {got!r}",
                                        f"higher_is_better={direction}：effective_data 应为 {show(expected)}，实际为 {got!r}")


@check(
    "Every arm, budget and seed gets a fresh model, trained once before it is scored",
    level="expert", points=2,
    hint="Call make_model inside the loops over budgets, seeds and arms; continuing to train one model across budgets is not a learning curve of independent runs.",
    title_zh="每个组、每个预算、每个种子都用一个新模型，评分前只训练一次",
    hint_zh="在预算、种子和组的循环内部调用 make_model；让同一个模型跨预算接着训练，得到的就不是由独立运行组成的学习曲线。",
)
def test_curves_fresh_models(impl):
    exp = Experiment()
    exp.run(impl)
    scored = [(m, history) for m, data, history in exp.eval_calls if isinstance(m, FakeModel)]
    for model, history in scored:
        assert len(history) == 1, say(f"expected {model} trained exactly once when scored; it had {len(history)} train() calls",
                                      f"{model} 评分时应恰好训练过一次；实际调用了 {len(history)} 次 train()")
    runs = 2 * len(SEEDS) * len(PER_CLASS)
    distinct = len({id(m) for m, _ in scored})
    assert distinct == runs, say(f"expected {runs} distinct models scored (arms x seeds x budgets), got {distinct}",
                                 f"应有 {runs} 个不同的模型被评分（组数 x 种子数 x 预算数），实际为 {distinct}")


@check(
    "Bad budgets or seeds raise ValueError before any training",
    level="basic", points=2,
    hint="Validate per_class (at least two, all positive, strictly increasing) and seeds (at least one, distinct) first, "
    "and reject a budget of 0 rather than dropping it; a budget above a class's size fails in stratified_subset.",
    title_zh="预算或种子不合法时，在任何训练之前就抛出 ValueError",
    hint_zh="先校验 per_class（至少两个、全部为正、严格递增）和 seeds（至少一个、互不相同），预算为 0 要报错而不是悄悄丢掉；"
    "某个预算超过类别样本数时，会在 stratified_subset 里失败。",
)
def test_curves_rejects(impl):
    cases = [{"per_class": [4]}, {"per_class": [2, 2]}, {"per_class": [4, 2]}, {"per_class": [0, 1]},
             {"per_class": [0, 1, 2]}, {"seeds": []}, {"seeds": [3, 3]}]
    for kwargs in cases:
        exp = Experiment()
        problem = raising(lambda: exp.run(impl, **kwargs))
        assert problem is None, say(f"expected ValueError for {kwargs}; it {problem}",
                                    f"{kwargs} 时应抛出 ValueError，实际{raising_zh(problem)}")
        assert not exp.train_calls, say(f"{kwargs}: expected ValueError before training, but train() ran {len(exp.train_calls)} times",
                                        f"{kwargs}：应在训练前抛出 ValueError，但 train() 已经运行了 {len(exp.train_calls)} 次")
    problem = raising(lambda: Experiment().run(impl, per_class=[1, 10]))
    assert problem is None, say(f"per_class=[1, 10] with a pool class of 9 examples: expected ValueError; it {problem}",
                                f"per_class=[1, 10]，而数据池中有个类别只有 9 个样本：应抛出 ValueError，实际{raising_zh(problem)}")


@check(
    "For real on noisy digits: the augmented-digits source beats scratch at every budget",
    level="expert", points=2,
    hint="Run learning_curves with grader.fixtures.pretrained's make_model, fine_tune and accuracy on curve_splits(); if transfer does not win, check which arm loads the pretrained weights and which split is scored.",
    title_zh="在带噪声的手写数字上真实运行：每个预算下，用增强数字预训练的源模型都胜过从零训练",
    hint_zh="用 grader.fixtures.pretrained 的 make_model、fine_tune 和 accuracy 在 curve_splits() 上运行 learning_curves；"
    "如果迁移没赢，检查是哪一组加载了预训练权重、在哪个划分上评分。",
)
def test_curves_real_digits(impl, device):
    pool, rest = digits.curve_splits(device, per_class=2)
    heldout = digits.Split(rest.x[:200], rest.y[:200])

    def make_model(pretrained, seed):
        return digits.make_model(digits.POSITIVE if pretrained else None, seed, device)

    def train(model, data, steps, seed):
        digits.fine_tune(model, digits.Split(*data), steps, seed)

    with digits.one_thread():
        result = impl.learning_curves(make_model, train, digits.accuracy, pool, heldout, per_class=[1, 2], seeds=[0], steps=3)
    sizes(result, [1, 2], classes=10)
    transfer, scratch = floats(result["transfer"], "transfer", 2), floats(result["scratch"], "scratch", 2)
    assert all(t > s + 0.1 for t, s in zip(transfer, scratch)), say(
        f"positive pairing: expected transfer accuracy well above scratch at both budgets; transfer {show(transfer)}, scratch {show(scratch)}",
        f"正迁移的组合：两个预算下迁移组的准确率都应明显高于从零训练组；迁移组 {show(transfer)}，从零训练组 {show(scratch)}")


# ---------------------------------------------------------------- devices


@check(
    "stratified_subset and effective_data work on tensors of another device (a GPU)",
    level="interview", points=2,
    hint="Keep every tensor you index with on the labels' device (or move the labels to the CPU "
    "first, as the generator is a CPU one); a CPU permutation indexed by a GPU mask raises on CUDA.",
    title_zh="输入张量在另一种设备（GPU）上时，stratified_subset 和 effective_data 都能工作",
    hint_zh="用来做索引的张量都放在 labels 所在的设备上（或者先把 labels 移到 CPU，因为随机数生成器在 CPU 上）；"
    "在 CUDA 上，用 GPU 掩码去索引 CPU 上的排列会报错。",
)
def test_functions_follow_the_input_device(impl):
    labels = labels_with({3: 4, 7: 5, 9: 3}, seed=2)
    expected = impl.stratified_subset(labels, 2, seed=11)
    got = here(call_elsewhere(impl.stratified_subset, labels, 2, seed=11))
    assert torch.equal(got.cpu().to(torch.int64), expected), say(
        f"labels on another device: expected the same indices as on the CPU {expected.tolist()}, got {got.tolist()}",
        f"labels 在另一种设备上：索引应与 CPU 上的相同 {expected.tolist()}，实际为 {got.tolist()}")
    budgets, transfer, scratch = torch.tensor([2.0, 4.0, 8.0]), torch.tensor([0.3, 0.5, 0.6]), torch.tensor([0.2, 0.4, 0.7])
    want = reference_effective([2, 4, 8], [0.3, 0.5, 0.6], [0.2, 0.4, 0.7], True)
    out = results(call_elsewhere(impl.effective_data, budgets, transfer, scratch), 3, "effective_data on another device")
    assert same(out, want), say(f"scores on another device: expected {show(want)}, got {show(out)}",
                                f"得分在另一种设备上：应为 {show(want)}，实际为 {show(out)}")
