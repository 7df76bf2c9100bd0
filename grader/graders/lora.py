"""Grader for lora (Q4): LoRALinear, apply_lora, saving/loading the adapter, merging.

Fixture models (grader/fixtures/lora_models.py): a small transformer built from torch.nn that calls
its Linear layers, an MLP, and a model with Linear subclasses, a shared Linear and a
container named like a target. Checks look only at behaviour and at the names the
contract fixes (`base`, `lora_A`, `lora_B`). Returned names and state keys are checked
for exact types (list or tuple of str, dict of str) before == compares them.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn

from grader.authoring.checks import check, raising, raising_zh, say
from grader.authoring.devices import assert_elsewhere, elsewhere, here, mismatch_fails
from grader.authoring.exact import exact_items
from grader.authoring.tensors import close, expect_close, gap
from grader.fixtures import lora_models as fx
from grader.fixtures.lora_models import (
    LORA, adapted, apply, expected_out, forward, lora_params, merge_fixture, merged_weight, randomise, randomise_all,
    run_eval, transformer, words, wrapped,
)

# ---------------------------------------------------------------- LoRALinear


@check(
    "LoRALinear keeps base as the same object, frozen, and adds trainable lora_A (r, in) and lora_B (out, r)",
    level="basic", points=3,
    hint="Store the layer you are given (self.base = base, no copy), set requires_grad=False on its weight and bias, and register lora_A and lora_B as nn.Parameter attributes.",
    title_zh="LoRALinear 把 base 保留为同一个对象并冻结，另加可训练的 lora_A (r, in) 和 lora_B (out, r)",
    hint_zh="直接保存传进来的层（self.base = base，不要复制），把它的 weight 和 bias 设为 requires_grad=False，再把 lora_A 和 lora_B 注册为 nn.Parameter 属性。",
)
def test_layer_structure(impl, device):
    base = nn.Linear(12, 5).to(device)
    layer = impl.LoRALinear(base, 3)
    assert layer.base is base, say("expected layer.base to be the very nn.Linear passed in, not a copy", "layer.base 应当就是传入的那个 nn.Linear，而不是副本")
    frozen = {n: p.requires_grad for n, p in (("weight", base.weight), ("bias", base.bias))}
    assert not any(frozen.values()), say(f"expected base's weight and bias frozen (requires_grad=False), got {frozen}",
                                         f"base 的 weight 和 bias 应被冻结（requires_grad=False），实际为 {frozen}")
    for name, shape in (("lora_A", (3, 12)), ("lora_B", (5, 3))):
        p = getattr(layer, name, None)
        assert isinstance(p, nn.Parameter), say(f"expected layer.{name} to be an nn.Parameter, got {type(p).__name__}",
                                                f"layer.{name} 应为 nn.Parameter，实际为 {type(p).__name__}")
        assert tuple(p.shape) == shape, say(f"expected {name} of shape {shape} for r=3, in=12, out=5, got {tuple(p.shape)}",
                                            f"r=3、in=12、out=5 时 {name} 的形状应为 {shape}，实际为 {tuple(p.shape)}")
        assert p.requires_grad, say(f"expected {name} to be trainable", f"{name} 应当可训练")
    names = {n for n, p in layer.named_parameters() if p.requires_grad}
    assert names == set(LORA), say(f"expected exactly lora_A and lora_B trainable, got {sorted(names)}", f"可训练的应当恰好是 lora_A 和 lora_B，实际为 {sorted(names)}")


@check(
    "A fresh LoRALinear computes exactly what base computes: lora_B is zero, lora_A is not",
    level="basic", points=2,
    hint="Initialise lora_B to zeros and lora_A randomly: the update B A is then zero, yet gradients reach B from the first step.",
    title_zh="新建的 LoRALinear 与 base 的计算结果完全相同：lora_B 为零，lora_A 不为零",
    hint_zh="lora_B 初始化为全零，lora_A 随机初始化：这样更新量 B A 为零，而梯度从第一步起就能传到 B。",
)
def test_starts_as_base(impl, device):
    base = nn.Linear(10, 7).to(device)
    layer = impl.LoRALinear(base, 4)
    assert torch.count_nonzero(layer.lora_B).item() == 0, say("expected lora_B to start at zero", "lora_B 的初始值应为零")
    assert torch.count_nonzero(layer.lora_A).item() == layer.lora_A.numel(), say(
        "expected lora_A to start random (non-zero)", "lora_A 应随机初始化（不为零）")
    for x in (torch.randn(3, 10, device=device), torch.randn(2, 4, 10, device=device)):
        expect_close(forward(layer, x), forward(base, x), f"at initialisation expected base(x) for x of shape {tuple(x.shape)}",
                     f"初始化时，形状为 {tuple(x.shape)} 的 x 应得到 base(x)", 1e-6, 1e-6)


@check(
    "lora_A is Kaiming-uniform with a=sqrt(5): uniform within +-1/sqrt(in_features)",
    level="interview", points=2,
    hint="nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5)) on a tensor of shape (r, in_features): fan_in is in_features, so the bound is 1/sqrt(in_features).",
    title_zh="lora_A 用 a=sqrt(5) 的 Kaiming 均匀分布初始化：在 +-1/sqrt(in_features) 内均匀分布",
    hint_zh="对形状为 (r, in_features) 的张量调用 nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))：fan_in 就是 in_features，所以边界是 1/sqrt(in_features)。",
)
def test_kaiming_uniform(impl, device):
    for fan_in, fan_out, r in ((64, 32, 256), (256, 8, 64)):  # 16384 draws each: tight bounds
        a = impl.LoRALinear(nn.Linear(fan_in, fan_out).to(device), r).lora_A.detach().double().cpu()
        bound, uniform_std = 1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in) / math.sqrt(3)
        top, std, mean = a.abs().max().item(), a.std().item(), a.mean().item()
        where = f"in_features={fan_in}, r={r}"
        assert top <= bound * (1 + 1e-6), say(f"{where}: expected |lora_A| <= 1/sqrt(in_features) = {bound:.4f}, got max {top:.4f}",
                                              f"{where}：|lora_A| 应不超过 1/sqrt(in_features) = {bound:.4f}，实际最大为 {top:.4f}")
        assert top >= 0.98 * bound, say(f"{where}: expected values filling +-{bound:.4f} (uniform), but max |lora_A| is {top:.4f}",
                                        f"{where}：取值应铺满 +-{bound:.4f}（均匀分布），但 |lora_A| 最大只有 {top:.4f}")
        assert 0.96 * uniform_std <= std <= 1.04 * uniform_std, say(
            f"{where}: expected the std of a uniform on +-{bound:.4f} ({uniform_std:.4f}), got {std:.4f}",
            f"{where}：标准差应与 +-{bound:.4f} 上均匀分布的一致（{uniform_std:.4f}），实际为 {std:.4f}")
        assert abs(mean) <= 0.15 * bound, say(f"{where}: expected values centred on 0, mean is {mean:.4f}", f"{where}：取值应以 0 为中心，实际均值为 {mean:.4f}")


@check(
    "The update is scaled by alpha / r, and alpha defaults to r",
    level="interview", points=2,
    hint="scaling = alpha / r with alpha = r when None: with the default the update is B A x unscaled; alpha=16, r=4 multiplies it by 4.",
    title_zh="更新量按 alpha / r 缩放，alpha 默认等于 r",
    hint_zh="scaling = alpha / r，alpha 为 None 时取 r：默认情况下更新量就是不缩放的 B A x；alpha=16、r=4 时放大 4 倍。",
)
def test_scaling(impl, device):
    x = torch.randn(5, 8, device=device)
    for r, alpha, scaling in ((4, 12, 3.0), (4, None, 1.0), (2, 1, 0.5), (8, 2.5, 2.5 / 8)):
        layer = impl.LoRALinear(nn.Linear(8, 6).to(device), r, **({} if alpha is None else {"alpha": alpha}))
        randomise(layer)
        expect_close(forward(layer, x), expected_out(layer, x, scaling), f"r={r}, alpha={alpha}: expected base(x) + x A^T B^T * {scaling:g}",
                     f"r={r}、alpha={alpha}：应为 base(x) + x A^T B^T * {scaling:g}")


@check(
    "forward takes (..., in_features): extra leading dimensions, a 1-D input and an empty batch",
    level="interview", points=2,
    hint="Write the branch with matmul against the transposed matrices (x @ A.T @ B.T) or F.linear, which broadcast over leading dimensions; do not flatten to 2-D and forget to restore the shape.",
    title_zh="forward 接受 (..., in_features)：多出来的前置维度、一维输入和空批次都行",
    hint_zh="旁路用转置矩阵做 matmul（x @ A.T @ B.T）或用 F.linear 来写，它们会在前置维度上广播；不要压成二维后忘了还原形状。",
)
def test_input_shapes(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 3, alpha=6)
    randomise(layer)
    for shape in ((2, 3, 8), (2, 2, 2, 8), (8,), (0, 8), (2, 0, 8)):
        x = torch.randn(*shape, device=device)
        want = expected_out(layer, x, 2.0)
        expect_close(forward(layer, x), want, f"x of shape {shape}: expected output of shape {tuple(want.shape)} = base(x) + branch",
                     f"x 的形状为 {shape}：输出应为形状 {tuple(want.shape)} 的 base(x) + 旁路")


@check(
    "Dropout drops inputs of the LoRA branch only, in train mode, and is off in eval mode",
    level="expert", points=2,
    hint="The branch is dropout(x) @ A.T @ B.T * scaling: use an nn.Dropout module (it follows train()/eval()), or F.dropout(x, p, training=self.training), never on base(x) or after A.",
    title_zh="Dropout 只丢弃 LoRA 旁路的输入，只在 train 模式下生效，eval 模式下关闭",
    hint_zh="旁路是 dropout(x) @ A.T @ B.T * scaling：用 nn.Dropout 模块（它跟随 train()/eval()），或 F.dropout(x, p, training=self.training)，绝不要作用在 base(x) 上或 A 之后。",
)
def test_dropout(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 4, dropout=0.5)
    randomise(layer)
    x = torch.eye(8, device=device).repeat(16, 1)  # one input feature per row: dropout keeps or drops it whole
    full = expected_out(layer, x, 1.0) - layer.base(x).detach()
    layer.train()
    delta = forward(layer, x) - forward(layer.base, x)
    kept = dropped = 0
    for row, whole in zip(delta, full):
        if close(row, torch.zeros_like(row), 1e-6):
            dropped += 1
        elif close(row, 2 * whole):
            kept += 1
        else:
            raise AssertionError(say(
                "train mode, dropout=0.5, x a one-hot row: expected the branch to be 0 (input dropped) or twice the "
                f"undropped branch (kept, scaled by 1/(1-p)); got neither ({gap(row, 2 * whole)} from the kept value)",
                "train 模式、dropout=0.5、x 为 one-hot 行：旁路应为 0（输入被丢弃）或未丢弃时旁路的两倍（保留并乘以 1/(1-p)）；"
                f"实际两者都不是（与保留时的值相比，{gap(row, 2 * whole, 'zh')}）"))
    assert kept and dropped, say(f"train mode, dropout=0.5: expected some rows dropped and some kept; dropped {dropped}, kept {kept} of 128",
                                 f"train 模式、dropout=0.5：应有的行被丢弃、有的行被保留；128 行中丢弃 {dropped} 行，保留 {kept} 行")
    layer.eval()
    expect_close(forward(layer, x) - forward(layer.base, x), full, "eval mode: expected no dropout (the whole branch)",
                 "eval 模式：不应有 dropout（旁路完整保留）")


@check(
    "Parameters are on base's device and dtype, and float64 and bfloat16 layers work",
    level="basic", points=2,
    hint="Create lora_A and lora_B with device=base.weight.device and dtype=base.weight.dtype.",
    title_zh="参数与 base 在同一设备、同一 dtype 上，float64 和 bfloat16 的层也能用",
    hint_zh="用 device=base.weight.device 和 dtype=base.weight.dtype 创建 lora_A 和 lora_B。",
)
def test_device_and_dtype(impl, device):
    for dtype in (torch.float64, torch.bfloat16):
        base = nn.Linear(8, 6).to(device=device, dtype=dtype)
        layer = impl.LoRALinear(base, 2)
        for name in LORA:
            p = getattr(layer, name)
            assert p.dtype == dtype and p.device.type == device.type, say(
                f"{dtype} base on {device}: expected {name} as {dtype} on {device}, got {p.dtype} on {p.device}",
                f"base 为 {device} 上的 {dtype}：{name} 应为 {device} 上的 {dtype}，实际为 {p.device} 上的 {p.dtype}")
        x = torch.randn(3, 8, device=device, dtype=dtype)
        got = forward(layer, x)
        assert got.dtype == dtype, say(f"{dtype}: expected an output of dtype {dtype}, got {got.dtype}", f"{dtype}：输出的 dtype 应为 {dtype}，实际为 {got.dtype}")
        expect_close(got, forward(base, x), f"{dtype}: expected base(x) at initialisation", f"{dtype}：初始化时应为 base(x)", 1e-6, 1e-6)


@check(
    "r < 1 or a base that is not an nn.Linear raises ValueError; r = 1 is accepted",
    level="basic", points=2,
    hint="Validate the arguments at the top of __init__ (after super().__init__()): isinstance(base, nn.Linear) and r >= 1.",
    title_zh="r < 1 或 base 不是 nn.Linear 时抛出 ValueError；r = 1 是合法的",
    hint_zh="在 __init__ 开头（super().__init__() 之后）校验参数：isinstance(base, nn.Linear) 且 r >= 1。",
)
def test_layer_rejects(impl):
    cases = [("r=0", "r=0", lambda: impl.LoRALinear(nn.Linear(4, 4), 0)),
             ("r=-2", "r=-2", lambda: impl.LoRALinear(nn.Linear(4, 4), -2)),
             ("an nn.Conv2d base", "base 为 nn.Conv2d", lambda: impl.LoRALinear(nn.Conv2d(4, 4, 1), 2)),
             ("an nn.Identity base", "base 为 nn.Identity", lambda: impl.LoRALinear(nn.Identity(), 2)),
             ("an nn.Bilinear base", "base 为 nn.Bilinear", lambda: impl.LoRALinear(nn.Bilinear(4, 4, 4), 2))]
    for what, what_zh, make in cases:
        problem = raising(make)
        assert problem is None, say(f"expected ValueError for {what}; it {problem}", f"{what_zh}时应抛出 ValueError，实际{raising_zh(problem)}")
    try:
        smallest = impl.LoRALinear(nn.Linear(4, 3), 1)
    except ValueError as e:
        raise AssertionError(say(f"r=1 is the smallest valid rank, but LoRALinear raised ValueError: {e}", f"r=1 是最小的合法秩，LoRALinear 却抛出了 ValueError: {e}")) from None
    shapes = (tuple(smallest.lora_A.shape), tuple(smallest.lora_B.shape))
    assert shapes == ((1, 4), (3, 1)), say(f"r=1: expected lora_A (1, 4) and lora_B (3, 1), got {shapes[0]} and {shapes[1]}",
                                           f"r=1：lora_A 应为 (1, 4)，lora_B 应为 (3, 1)，实际为 {shapes[0]} 和 {shapes[1]}")


@check(
    "LoRALinear calls base, so a Linear subclass's own forward is kept",
    level="expert", points=1,
    hint="Compute self.base(x), not F.linear(x, base.weight, base.bias): a subclass (a quantised Linear, say) may compute its output its own way.",
    title_zh="LoRALinear 调用 base，所以 Linear 子类自己的 forward 得以保留",
    hint_zh="计算 self.base(x)，而不是 F.linear(x, base.weight, base.bias)：子类（比如量化的 Linear）可能有自己的输出算法。",
)
def test_calls_base(impl, device):
    base = fx.DoubleBiasLinear(8, 6).to(device)
    layer = impl.LoRALinear(base, 3)
    x = torch.randn(4, 8, device=device)
    expect_close(forward(layer, x), forward(base, x), "wrapping a subclass whose forward is x W^T + 2b: expected base(x) at initialisation",
                 "包装一个 forward 为 x W^T + 2b 的子类：初始化时应为 base(x)")
    randomise(layer)
    expect_close(forward(layer, x), expected_out(layer, x, 1.0), "subclass base, non-zero update: expected base(x) + branch",
                 "base 为子类、更新量不为零：应为 base(x) + 旁路")


# ---------------------------------------------------------------- merge / unmerge


@check(
    "merge() folds B A * alpha / r into base.weight and forward becomes base(x)",
    level="interview", points=2,
    hint="Under torch.no_grad(), base.weight += lora_B @ lora_A * scaling, and remember that you did: a merged layer must not add the branch again.",
    title_zh="merge() 把 B A * alpha / r 并入 base.weight，之后 forward 就是 base(x)",
    hint_zh="在 torch.no_grad() 下执行 base.weight += lora_B @ lora_A * scaling，并记下已经合并过：合并后的层不能再加一次旁路。",
)
def test_merge(impl, device):
    layer, x = merge_fixture(impl, device, dropout=0.5)
    expected = merged_weight(layer, 2.0)
    before = run_eval(layer, x)
    layer.merge()
    expect_close(layer.base.weight.detach(), expected, "after merge(): expected base.weight = W + B A * alpha / r",
                 "merge() 之后：base.weight 应为 W + B A * alpha / r")
    assert not layer.base.weight.requires_grad, say("after merge(): expected base.weight still frozen (merge under torch.no_grad())",
                                                    "merge() 之后：base.weight 应仍被冻结（在 torch.no_grad() 下合并）")
    expect_close(run_eval(layer, x), before, "eval mode: expected the same outputs merged and unmerged",
                 "eval 模式：合并前后的输出应相同")
    layer.train()
    expect_close(forward(layer, x), forward(layer.base, x), "merged, train mode, dropout=0.5: expected forward to be just base(x)",
                 "已合并、train 模式、dropout=0.5：forward 应当只是 base(x)", 1e-6, 1e-6)


@check(
    "unmerge() restores base.weight and the LoRA branch",
    level="interview", points=2,
    hint="Subtract exactly what merge() added (the same B A * scaling), or restore a copy of the weight saved by merge(); then forward adds the branch again.",
    title_zh="unmerge() 恢复 base.weight 和 LoRA 旁路",
    hint_zh="减去 merge() 加上的那一项（同样的 B A * scaling），或者恢复 merge() 时保存的权重副本；之后 forward 重新加上旁路。",
)
def test_unmerge(impl, device):
    layer, x = merge_fixture(impl, device)
    original = layer.base.weight.detach().clone()
    layer.merge()
    layer.unmerge()
    expect_close(layer.base.weight.detach(), original, "after merge(); unmerge(): expected base.weight back to W",
                 "merge(); unmerge() 之后：base.weight 应恢复为 W", 1e-6, 1e-6)
    layer.train()
    expect_close(forward(layer, x), expected_out(layer, x, 2.0), "after unmerge(): expected base(x) + the LoRA branch again",
                 "unmerge() 之后：应重新得到 base(x) + LoRA 旁路")


@check(
    "Merging twice, or unmerging a layer that is not merged, changes nothing",
    level="expert", points=2,
    hint="Keep a merged flag (or the saved weight) and make merge() and unmerge() return early when there is nothing to do.",
    title_zh="重复合并，或对未合并的层调用 unmerge，都不会改变任何东西",
    hint_zh="保存一个“已合并”标志（或保存的权重），没事可做时让 merge() 和 unmerge() 直接返回。",
)
def test_merge_idempotent(impl, device):
    layer, x = merge_fixture(impl, device)
    original = layer.base.weight.detach().clone()
    expected = merged_weight(layer, 2.0)
    before = run_eval(layer, x)
    layer.unmerge()
    weight = layer.base.weight.detach()
    assert torch.equal(weight, original), say(f"unmerge() on a layer never merged: expected base.weight unchanged; {gap(weight, original)}",
                                              f"对从未合并的层调用 unmerge()：base.weight 应不变；{gap(weight, original, 'zh')}")
    expect_close(run_eval(layer, x), before, "unmerge() on a layer never merged: expected the same outputs",
                 "对从未合并的层调用 unmerge()：输出应不变")
    layer.merge()
    layer.merge()
    expect_close(layer.base.weight.detach(), expected, "merge(); merge(): expected W + B A * scaling once",
                 "merge(); merge()：应为 W + B A * scaling，只加一次")
    expect_close(run_eval(layer, x), before, "merge(); merge(): expected the same outputs as unmerged",
                 "merge(); merge()：输出应与未合并时相同")
    layer.unmerge()
    layer.unmerge()
    expect_close(layer.base.weight.detach(), original, "merge() x2 then unmerge() x2: expected W back",
                 "merge() 两次再 unmerge() 两次：应恢复为 W", 1e-6, 1e-6)


@check(
    "In eval mode the outputs are the same merged or not, with dropout",
    level="interview", points=1,
    hint="Dropout is off in eval mode, so base(x) + B A x * scaling equals (W + B A * scaling) x + b.",
    title_zh="eval 模式下，有 dropout 时合并与否输出也相同",
    hint_zh="eval 模式下 dropout 关闭，所以 base(x) + B A x * scaling 等于 (W + B A * scaling) x + b。",
)
def test_eval_equivalence(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 3, alpha=4.5, dropout=0.3)
    randomise(layer)
    x = torch.randn(2, 3, 8, device=device)
    before = run_eval(layer, x)
    layer.merge()
    merged = run_eval(layer, x)
    layer.unmerge()
    expect_close(merged, before, "eval mode, dropout=0.3: expected the merged outputs equal to the unmerged",
                 "eval 模式、dropout=0.3：合并后的输出应等于未合并时的输出")
    expect_close(run_eval(layer, x), before, "eval mode: expected the outputs after unmerge() equal to before",
                 "eval 模式：unmerge() 之后的输出应与之前相同")


# ---------------------------------------------------------------- apply_lora

QV = ["layers.0.attn.q_proj", "layers.0.attn.v_proj", "layers.1.attn.q_proj", "layers.1.attn.v_proj"]


@check(
    "apply_lora wraps the named Linear layers around the same modules and returns their names in named_modules() order",
    level="basic", points=3,
    hint="Walk model.named_modules(); for a match, get the parent with get_submodule(name.rpartition('.')[0]) and setattr the LoRALinear on it; collect names (plain str, in a list) in the walk's order, not the order of targets.",
    title_zh="apply_lora 用原来的模块包装指定的 Linear 层，并按 named_modules() 的顺序返回它们的名字",
    hint_zh="遍历 model.named_modules()；匹配到时用 get_submodule(name.rpartition('.')[0]) 取父模块，再在它上面 setattr 这个 LoRALinear；"
    "名字（普通 str，放在 list 里）按遍历顺序收集，而不是按 targets 的顺序。",
)
def test_apply_names(impl, device):
    model, _ = transformer(device)
    originals = dict(model.named_modules())
    names = apply(impl, model, ["v_proj", "q_proj"], r=2)
    assert names == QV, say(f"targets ['v_proj', 'q_proj']: expected {QV}, got {names}", f"targets 为 ['v_proj', 'q_proj']：应为 {QV}，实际为 {names}")
    for name in QV:
        assert wrapped(impl, model, name).base is originals[name], say(f"expected {name}.base to be the original {name} module", f"{name}.base 应为原来的 {name} 模块")
    for name in ("layers.0.attn.k_proj", "layers.1.attn.out_proj", "lm_head", "layers.0.mlp.fc1"):
        assert model.get_submodule(name) is originals[name], say(f"expected {name} (not a target) left as it was", f"{name}（不是目标）应保持原样")


@check(
    "Matching is exact on a Linear's last name component: q_proj is not q_proj2, xq_proj or a container",
    level="interview", points=2,
    hint="Compare name.rpartition('.')[2] with the targets for equality; endswith, startswith or `in` on the full name match too much. Only nn.Linear instances are wrapped.",
    title_zh="按 Linear 名字的最后一段精确匹配：q_proj 不匹配 q_proj2、xq_proj 或容器模块",
    hint_zh="用 name.rpartition('.')[2] 与 targets 做相等比较；对完整名字用 endswith、startswith 或 `in` 都会匹配过多。只包装 nn.Linear 实例。",
)
def test_apply_exact_match(impl, device):
    model, _ = transformer(device)
    names = apply(impl, model, ["q_proj"], r=2)
    expected = ["layers.0.attn.q_proj", "layers.1.attn.q_proj"]
    assert names == expected, say(f"targets ['q_proj']: expected {expected} (not q_proj2, not stem.xq_proj), got {names}",
                                  f"targets 为 ['q_proj']：应为 {expected}（不含 q_proj2 和 stem.xq_proj），实际为 {names}")
    for name in ("stem.xq_proj", "layers.0.attn.q_proj2", "layers.1.attn.q_proj2"):
        assert not isinstance(model.get_submodule(name), impl.LoRALinear), say(
            f"expected {name} left alone for target 'q_proj'", f"目标为 'q_proj' 时，{name} 应保持不动")
    model, _ = transformer(device)
    names = apply(impl, model, ["mlp", "fc1"], r=2)
    expected = ["layers.0.mlp.fc1", "layers.1.mlp.fc1"]
    assert names == expected, say(f"targets ['mlp', 'fc1']: expected {expected} (the Sequential named mlp is not a Linear), got {names}",
                                  f"targets 为 ['mlp', 'fc1']：应为 {expected}（名为 mlp 的 Sequential 不是 Linear），实际为 {names}")
    assert isinstance(model.get_submodule("layers.0.mlp"), nn.Sequential), say(
        "expected layers.0.mlp (a Sequential) left alone", "layers.0.mlp（一个 Sequential）应保持不动")


@check(
    "targets may be a single str (one name) or any iterable, a generator included",
    level="basic", points=1,
    hint="A str is iterable (and `in` on a str tests substrings): wrap it as {targets} before making a set; turn any other iterable into a set once, before the walk (a generator can be read only once).",
    title_zh="targets 可以是单个 str（一个名字），也可以是任意可迭代对象，包括生成器",
    hint_zh="str 本身可迭代（对 str 用 `in` 检查的是子串）：先把它包成 {targets} 再建集合；其他可迭代对象在遍历之前一次性转成集合（生成器只能读一次）。",
)
def test_apply_target_kinds(impl, device):
    for targets, expected in (
        ("q_proj2", ["layers.0.attn.q_proj2", "layers.1.attn.q_proj2"]),
        ((t for t in ["lm_head", "fc2"]), ["layers.0.mlp.fc2", "layers.1.mlp.fc2", "lm_head"]),
        (("k_proj",), ["layers.0.attn.k_proj", "layers.1.attn.k_proj"]),
    ):
        model, _ = transformer(device)
        what = repr(targets) if isinstance(targets, (str, tuple)) else None
        names = apply(impl, model, targets, r=2)
        assert names == expected, say(f"targets {what or 'a generator'}: expected {expected}, got {names}", f"targets 为{what or '生成器'}：应为 {expected}，实际为 {names}")


@check(
    "After apply_lora only lora_A and lora_B train: an optimiser step changes nothing else",
    level="interview", points=3,
    hint="Freeze every parameter of the model (LayerNorm, biases, untouched Linear layers included), then wrap: LoRALinear's own A and B are trainable.",
    title_zh="apply_lora 之后只有 lora_A 和 lora_B 参与训练：优化器更新不会改动其他任何东西",
    hint_zh="先冻结模型的所有参数（包括 LayerNorm、偏置和没被包装的 Linear 层），再做包装：LoRALinear 自己的 A 和 B 是可训练的。",
)
def test_apply_freezes_the_rest(impl, device):
    model, x = transformer(device)
    apply(impl, model, ["q_proj", "v_proj", "fc1"], r=2)
    wrong = [n for n, p in model.named_parameters() if p.requires_grad and n.rpartition(".")[2] not in LORA]
    assert not wrong, say(f"expected only lora_A / lora_B trainable; also trainable: {sorted(wrong)[:4]}", f"只有 lora_A / lora_B 应可训练；另外可训练的还有：{sorted(wrong)[:4]}")
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if n.rpartition(".")[2] not in LORA}
    lora_b = {n: p.detach().clone() for n, p in model.named_parameters() if n.endswith("lora_B")}
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(2):
        optimiser.zero_grad()
        model(x).square().mean().backward()
        optimiser.step()
    changed = [n for n, p in model.named_parameters() if n in frozen and not torch.equal(p.detach(), frozen[n])]
    assert not changed, say(f"after two optimiser steps on all parameters, expected only LoRA parameters changed; also changed: {changed[:4]}",
                            f"对全部参数做两步优化后，应只有 LoRA 参数改变；另外改变的还有：{changed[:4]}")
    moved = [n for n, p in model.named_parameters() if n in lora_b and not torch.equal(p.detach(), lora_b[n])]
    assert len(moved) == len(lora_b) > 0, say(f"expected every lora_B to train; moved {len(moved)} of {len(lora_b)}",
                                              f"每个 lora_B 都应得到训练；{len(lora_b)} 个中只有 {len(moved)} 个变了")


@check(
    "Trainable parameters number r * (in + out) per wrapped layer, with r, alpha and dropout passed to each",
    level="interview", points=2,
    hint="Pass r, alpha and dropout on to every LoRALinear you build; count with sum(p.numel() for p in model.parameters() if p.requires_grad).",
    title_zh="每个被包装的层有 r * (in + out) 个可训练参数，r、alpha 和 dropout 都传给了每一层",
    hint_zh="把 r、alpha 和 dropout 传给你构建的每个 LoRALinear；用 sum(p.numel() for p in model.parameters() if p.requires_grad) 计数。",
)
def test_apply_counts_and_settings(impl, device):
    model = fx.mlp().to(device)
    names = apply(impl, model, ["fc1", "out"], r=3, alpha=6, dropout=0.5)
    assert names == ["fc1", "out"], say(f"expected ['fc1', 'out'], got {names}", f"应为 ['fc1', 'out']，实际为 {names}")
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count == 3 * (6 + 16) + 3 * (16 + 4), say(f"r=3 on fc1 (6->16) and out (16->4): expected 126 trainable parameters, got {count}",
                                                     f"对 fc1（6->16）和 out（16->4）用 r=3：可训练参数应为 126 个，实际为 {count} 个")
    for name, width in (("fc1", 6), ("out", 16)):
        layer = wrapped(impl, model, name)
        randomise(layer)
        inp = torch.randn(32, width, device=device)
        layer.eval()
        want = expected_out(layer, inp, 2.0)
        expect_close(forward(layer, inp), want, f"{name} with r=3, alpha=6, eval mode: expected base(x) + branch * 2",
                     f"{name}，r=3、alpha=6、eval 模式：应为 base(x) + 旁路 * 2")
        layer.train()
        assert not close(forward(layer, inp), want), say(
            f"{name} with dropout=0.5 in train mode: expected dropout on the branch's inputs, got the undropped output",
            f"{name}，dropout=0.5、train 模式：旁路的输入上应有 dropout，实际得到的是未经 dropout 的输出")


@check(
    "Model outputs are unchanged right after apply_lora",
    level="basic", points=1,
    hint="lora_B starts at zero, so wrapping must not change what the model computes: wrap the original layers, do not rebuild them.",
    title_zh="刚调用完 apply_lora 时，模型输出不变",
    hint_zh="lora_B 初始为零，所以包装不应改变模型的计算结果：包装原有的层，不要重建它们。",
)
def test_apply_keeps_outputs(impl, device):
    model, x = transformer(device)
    before = run_eval(model, x)
    apply(impl, model, ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"], r=4, alpha=8, dropout=0.2)
    expect_close(run_eval(model, x), before, "eval mode: expected the same outputs before and after apply_lora",
                 "eval 模式：apply_lora 前后的输出应相同", 1e-6, 1e-6)


@check(
    "Subclasses of nn.Linear are wrapped too",
    level="interview", points=1,
    hint="Test with isinstance(module, nn.Linear), not type(module) is nn.Linear.",
    title_zh="nn.Linear 的子类也会被包装",
    hint_zh="用 isinstance(module, nn.Linear) 判断，而不是 type(module) is nn.Linear。",
)
def test_apply_subclasses(impl, device):
    model = fx.SharedNet().to(device)
    originals = dict(model.named_modules())
    names = apply(impl, model, ["fc"], r=2)
    assert names == ["enc.fc", "dec.fc"], say(f"targets ['fc'] (TaggedLinear(nn.Linear) layers): expected ['enc.fc', 'dec.fc'], got {names}",
                                              f"targets 为 ['fc']（TaggedLinear(nn.Linear) 层）：应为 ['enc.fc', 'dec.fc']，实际为 {names}")
    for name in names:
        assert wrapped(impl, model, name).base is originals[name], say(f"expected {name}.base to be the original subclass instance", f"{name}.base 应为原来的子类实例")


@check(
    "Nothing matched: ValueError naming the model's Linear layers",
    level="interview", points=2,
    hint="Before changing anything, collect the matches; with none, raise ValueError with the names of the nn.Linear layers (from named_modules()) in the message.",
    title_zh="一个都没匹配上：抛出 ValueError，并列出模型中 Linear 层的名字",
    hint_zh="改动任何东西之前先收集匹配结果；一个都没有时，抛出 ValueError，并在信息里写上各个 nn.Linear 层的名字（来自 named_modules()）。",
)
def test_apply_nothing_matched(impl, device):
    for model, targets in ((fx.TinyTransformer().to(device), ["query", "value"]), (fx.mlp().to(device), "fc3")):
        try:
            impl.apply_lora(model, targets, 2)
        except ValueError as exc:
            message = str(exc)
        else:
            raise AssertionError(say(f"targets {targets!r} match no Linear: expected ValueError, got none",
                                     f"targets {targets!r} 没有匹配任何 Linear：应抛出 ValueError，实际没有抛出"))
        missing = sorted({n.rpartition(".")[2] for n in fx.linear_names(model)} - {w for w in words(message)})
        assert not missing, say(f"targets {targets!r}: expected the message to name the model's Linear layers; missing {missing}: {message!r}",
                                f"targets {targets!r}：报错信息应列出模型的 Linear 层；缺少 {missing}：{message!r}")


@check(
    "apply_lora and merge_lora work on float64 and bfloat16 models on the device",
    level="expert", points=1,
    hint="Build lora_A and lora_B like base.weight (device and dtype); a merged Linear keeps them too.",
    title_zh="apply_lora 和 merge_lora 对设备上的 float64、bfloat16 模型都能用",
    hint_zh="按 base.weight 的设备和 dtype 构建 lora_A 和 lora_B；合并后的 Linear 也保持同样的设备和 dtype。",
)
def test_apply_dtypes(impl, device):
    for dtype, atol in ((torch.float64, 1e-10), (torch.bfloat16, 0.05)):
        model = fx.mlp().to(device=device, dtype=dtype)
        x = torch.randn(4, 6, device=device, dtype=dtype)
        before = run_eval(model, x)
        apply(impl, model, ["fc1", "fc2"], r=2)
        for n, p in lora_params(model).items():
            assert p.dtype == dtype and p.device.type == device.type, say(
                f"{dtype} model: expected {n} as {dtype} on {device}, got {p.dtype} on {p.device}",
                f"{dtype} 模型：{n} 应为 {device} 上的 {dtype}，实际为 {p.device} 上的 {p.dtype}")
        got = run_eval(model, x)
        assert got.dtype == dtype, say(f"{dtype}: expected outputs of dtype {dtype}, got {got.dtype}", f"{dtype}：输出的 dtype 应为 {dtype}，实际为 {got.dtype}")
        expect_close(got, before, f"{dtype}: expected unchanged outputs after apply_lora", f"{dtype}：apply_lora 之后输出应不变", atol, 0)
        randomise_all(impl, model)
        before = run_eval(model, x)
        got = run_eval(impl.merge_lora(model), x)
        assert got.dtype == dtype, say(f"{dtype}: expected merged outputs of dtype {dtype}, got {got.dtype}", f"{dtype}：合并后输出的 dtype 应为 {dtype}，实际为 {got.dtype}")
        expect_close(got, before, f"{dtype}: expected unchanged eval outputs after merge_lora", f"{dtype}：merge_lora 之后 eval 输出应不变",
                     atol, 0.02 if dtype == torch.bfloat16 else 0)


@check(
    "A shared Linear is wrapped once and stays shared; merge_lora keeps the outputs",
    level="expert", points=3, hidden=True,
    hint="named_modules() lists a shared module once: find every name it is registered under (named_modules(remove_duplicate=False)), build one LoRALinear and set it under each name.",
    title_zh="共享的 Linear 只包装一次并保持共享；merge_lora 之后输出不变",
    hint_zh="named_modules() 只列出共享模块一次：用 named_modules(remove_duplicate=False) 找出它注册过的所有名字，构建一个 LoRALinear，再放到每个名字下。",
)
def test_shared_layer(impl, device):
    model = fx.SharedNet().to(device)
    shared = model.enc.proj
    x = torch.randn(4, 8, device=device)
    before = run_eval(model, x)
    names = apply(impl, model, ["proj"], r=4)
    assert names and names[0] == "enc.proj" and names in (["enc.proj"], ["enc.proj", "dec.proj"]), say(
        f"targets ['proj'] (enc.proj and dec.proj are one Linear; proj is a Sequential): expected ['enc.proj'], got {names}",
        f"targets 为 ['proj']（enc.proj 和 dec.proj 是同一个 Linear；proj 是一个 Sequential）：应为 ['enc.proj']，实际为 {names}")
    assert model.enc.proj is model.dec.proj, say("expected enc.proj and dec.proj to stay one module (the same LoRALinear)",
                                                 "enc.proj 和 dec.proj 应仍是同一个模块（同一个 LoRALinear）")
    assert wrapped(impl, model, "enc.proj").base is shared, say("expected the LoRALinear's base to be the shared Linear", "这个 LoRALinear 的 base 应为那个共享的 Linear")
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count == 4 * (8 + 8), say(f"one shared layer, r=4, 8->8: expected 64 trainable parameters, got {count}", f"一个共享层，r=4、8->8：可训练参数应为 64 个，实际为 {count} 个")
    expect_close(run_eval(model, x), before, "expected unchanged outputs after apply_lora", "apply_lora 之后输出应不变", 1e-6, 1e-6)
    randomise_all(impl, model)
    before = run_eval(model, x)
    model = impl.merge_lora(model)
    left = [n for n, m in model.named_modules(remove_duplicate=False) if isinstance(m, impl.LoRALinear)]
    assert not left, say(f"after merge_lora expected no LoRALinear left; found at {left}", f"merge_lora 之后不应再有 LoRALinear；仍出现在 {left}")
    expect_close(run_eval(model, x), before, "eval mode: expected merge_lora to keep the outputs of the shared layer",
                 "eval 模式：merge_lora 应保持共享层的输出不变")


# ---------------------------------------------------------------- saving and loading the adapter


@check(
    "lora_state_dict holds exactly the LoRA parameters under their named_parameters() names",
    level="basic", points=2,
    hint="Filter model.named_parameters() on names ending in .lora_A or .lora_B, into a dict keyed by those names; the frozen weights are not part of an adapter file.",
    title_zh="lora_state_dict 恰好包含 LoRA 参数，键是它们在 named_parameters() 中的名字",
    hint_zh="从 model.named_parameters() 中筛出以 .lora_A 或 .lora_B 结尾的名字，放进以这些名字为键的 dict；冻结的权重不属于适配器文件。",
)
def test_state_dict_keys(impl, device):
    model, _ = adapted(impl, device)
    randomise_all(impl, model)
    state = impl.lora_state_dict(model)
    exact_items(state, (dict, OrderedDict), str, "lora_state_dict's result and its keys", "lora_state_dict 的返回值及其键")
    expected = lora_params(model)
    assert sorted(state) == sorted(expected), say(f"expected keys {sorted(expected)[:4]}...; got {sorted(state)[:6]}",
                                                  f"键应为 {sorted(expected)[:4]}……；实际为 {sorted(state)[:6]}")
    for name, p in expected.items():
        assert isinstance(state[name], torch.Tensor) and close(state[name].to(p.device), p.detach(), 0, 0), say(
            f"expected state[{name!r}] equal to the parameter", f"state[{name!r}] 应与该参数相等")


@check(
    "lora_state_dict returns detached copies that share no memory with the model",
    level="interview", points=2,
    hint="p.detach() still shares the parameter's storage (and so do state_dict() values): use p.detach().clone().",
    title_zh="lora_state_dict 返回已 detach 的副本，与模型不共享内存",
    hint_zh="p.detach() 仍与参数共享存储（state_dict() 的值也一样）：请用 p.detach().clone()。",
)
def test_state_dict_copies(impl, device):
    model, _ = adapted(impl, device)
    randomise_all(impl, model)
    state = impl.lora_state_dict(model)
    saved = {n: t.detach().clone() for n, t in state.items()}
    assert state and not any(t.requires_grad for t in state.values()), say("expected detached tensors (requires_grad False)", "张量应已 detach（requires_grad 为 False）")
    with torch.no_grad():
        for p in lora_params(model).values():
            p.add_(1.0)
    changed = [n for n, t in state.items() if not torch.equal(t, saved[n])]
    assert not changed, say(f"after training on (parameters changed in place), expected the saved tensors unchanged; changed: {changed[:3]}",
                            f"继续训练（参数被原地修改）之后，保存下来的张量应不变；变了的有：{changed[:3]}")


@check(
    "load_lora_state_dict copies values into the same Parameter objects",
    level="interview", points=2,
    hint="Under torch.no_grad(), p.copy_(state[name]) for each of the model's LoRA parameters; assigning new Parameters (or p.data = tensor) breaks an optimiser holding the old ones, or shares memory with the state.",
    title_zh="load_lora_state_dict 把值复制进原来的 Parameter 对象",
    hint_zh="在 torch.no_grad() 下，对模型的每个 LoRA 参数执行 p.copy_(state[name])；赋值新的 Parameter（或 p.data = tensor）会让持有旧参数的优化器失效，或者与 state 共享内存。",
)
def test_load_round_trip(impl, device):
    trained, x = adapted(impl, device)
    randomise_all(impl, trained)
    state = impl.lora_state_dict(trained)
    want = run_eval(trained, x)
    fresh, _ = adapted(impl, device)  # same base weights (same seed), fresh adapter
    before = dict(lora_params(fresh))
    impl.load_lora_state_dict(fresh, state)
    after = lora_params(fresh)
    replaced = [n for n in before if after.get(n) is not before[n]]
    assert not replaced, say(f"expected the same Parameter objects after loading; replaced: {replaced[:3]}", f"加载后应仍是原来的 Parameter 对象；被替换的有：{replaced[:3]}")
    assert all(p.requires_grad for p in after.values()), say("expected the loaded LoRA parameters still trainable", "加载后的 LoRA 参数应仍可训练")
    expect_close(run_eval(fresh, x), want, "expected the loaded model to compute what the saved one did",
                 "加载后的模型应与保存时的模型计算结果相同")
    with torch.no_grad():
        for t in state.values():
            t.add_(1.0)
    assert close(run_eval(fresh, x), want), say(
        "expected the model not to share memory with the loaded state (changing the state changed the model)",
        "模型不应与加载的 state 共享内存（改了 state，模型也跟着变了）")


@check(
    "load_lora_state_dict rejects unknown keys, missing keys and wrong shapes with ValueError",
    level="interview", points=2,
    hint="Compare the state's keys with the model's LoRA parameter names in both directions, and each tensor's shape, before copying anything.",
    title_zh="load_lora_state_dict 遇到未知的键、缺失的键或形状不对时抛出 ValueError",
    hint_zh="复制任何东西之前，先双向比较 state 的键和模型的 LoRA 参数名，并检查每个张量的形状。",
)
def test_load_rejects(impl, device):
    model, _ = adapted(impl, device)
    state = impl.lora_state_dict(model)
    name = sorted(state)[0]
    cases = {
        ("an unknown key", "未知的键"): {**state, "layers.0.attn.k_proj.lora_A": state[name].clone()},
        ("a frozen weight's key", "冻结权重的键"): {**state, "lm_head.weight": model.lm_head.weight.detach().clone()},
        ("a missing key", "缺失的键"): {k: v for k, v in state.items() if k != name},
        ("a transposed tensor", "转置了的张量"): {**state, name: state[name].T.clone()},
    }
    for (what, what_zh), bad in cases.items():
        problem = raising(lambda: impl.load_lora_state_dict(model, bad))
        assert problem is None, say(f"expected ValueError for a state with {what}; it {problem}", f"state 中有{what_zh}时应抛出 ValueError，实际{raising_zh(problem)}")


# ---------------------------------------------------------------- merge_lora


@check(
    "merge_lora leaves plain nn.Linear layers holding W + B A * alpha / r and base's bias, with the same eval outputs",
    level="interview", points=3,
    hint="For every LoRALinear (walk named_modules(remove_duplicate=False)), merge it and setattr its base (or a new nn.Linear with the merged weight and the base's bias) in its place; return the model.",
    title_zh="merge_lora 之后留下普通的 nn.Linear 层，权重为 W + B A * alpha / r、偏置为 base 的偏置，eval 输出不变",
    hint_zh="对每个 LoRALinear（遍历 named_modules(remove_duplicate=False)）先合并，再把它的 base（或一个带合并权重和 base 偏置的新 nn.Linear）setattr 到原位置；返回模型。",
)
def test_merge_lora(impl, device):
    model, x = transformer(device)
    names = apply(impl, model, ["q_proj", "v_proj", "fc1"], r=2, alpha=3)
    randomise_all(impl, model)
    expected = {n: (merged_weight(model.get_submodule(n), 1.5), model.get_submodule(n).base.bias) for n in names}
    before = run_eval(model, x)
    result = impl.merge_lora(model)
    assert result is model, say(f"expected merge_lora to return the model itself, got {type(result).__name__}", f"merge_lora 应返回模型本身，实际返回了 {type(result).__name__}")
    for name, (weight, bias) in expected.items():
        layer = model.get_submodule(name)
        assert isinstance(layer, nn.Linear) and not isinstance(layer, impl.LoRALinear), say(
            f"expected {name} to be an nn.Linear, got {type(layer).__name__}", f"{name} 应为 nn.Linear，实际为 {type(layer).__name__}")
        expect_close(layer.weight.detach(), weight, f"{name}: expected the merged weight W + B A * alpha / r",
                     f"{name}：应为合并后的权重 W + B A * alpha / r")
        if bias is None:
            assert layer.bias is None, say(f"{name}: the base had no bias; expected none, got one", f"{name}：base 没有偏置，这里也不应有")
        else:
            assert layer.bias is not None and close(layer.bias.detach(), bias.detach()), say(
                f"{name}: expected the base's bias", f"{name}：偏置应为 base 的偏置")
    assert not lora_params(model), say(f"expected no LoRA parameters left; found {sorted(lora_params(model))[:3]}",
                                       f"不应再有 LoRA 参数；仍有 {sorted(lora_params(model))[:3]}")
    expect_close(run_eval(model, x), before, "eval mode: expected the same outputs after merge_lora", "eval 模式：merge_lora 之后输出应不变")


@check(
    "merge_lora on a LoRALinear itself returns its nn.Linear replacement",
    level="interview", points=1,
    hint="A module cannot replace itself inside its parent here: when model is a LoRALinear, return the merged Linear.",
    title_zh="对 LoRALinear 本身调用 merge_lora，返回替代它的 nn.Linear",
    hint_zh="这里模块没法在父模块里替换自己：model 本身是 LoRALinear 时，返回合并后的 Linear。",
)
def test_merge_lora_layer(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 2, alpha=4)
    randomise(layer)
    x = torch.randn(3, 8, device=device)
    before = run_eval(layer, x)
    result = impl.merge_lora(layer)
    assert isinstance(result, nn.Linear) and not isinstance(result, impl.LoRALinear), say(
        f"expected an nn.Linear in place of the LoRALinear, got {type(result).__name__}",
        f"应返回替代 LoRALinear 的 nn.Linear，实际为 {type(result).__name__}")
    expect_close(run_eval(result, x), before, "eval mode: expected the replacement to compute what the LoRALinear did",
                 "eval 模式：替代品的计算结果应与原 LoRALinear 相同")


@check(
    "merge_lora does not fold a layer that was already merged a second time",
    level="expert", points=2,
    hint="A layer merged with merge() already holds B A in base.weight: go through its merge() (a no-op then) instead of adding the update again.",
    title_zh="merge_lora 不会把已经合并过的层再合并一次",
    hint_zh="用 merge() 合并过的层，base.weight 里已经有 B A：调用它的 merge()（这时是空操作），不要再加一次更新量。",
)
def test_merge_lora_after_merge(impl, device):
    model, x = transformer(device)
    apply(impl, model, ["q_proj", "fc2"], r=2)
    randomise_all(impl, model)
    before = run_eval(model, x)
    model.get_submodule("layers.0.attn.q_proj").merge()
    model.get_submodule("layers.1.mlp.fc2").merge()
    model = impl.merge_lora(model)
    expect_close(run_eval(model, x), before, "two layers merged by merge() before merge_lora: expected the same eval outputs",
                 "merge_lora 之前已有两层用 merge() 合并过：eval 输出应不变")


# ---------------------------------------------------------------- devices


@check(
    "LoRALinear around a layer on another device (a GPU) puts lora_A and lora_B there and runs there",
    level="interview", points=2,
    hint="Create lora_A and lora_B with device= and dtype= of base.weight; an nn.Parameter(torch.zeros(...)) "
    "without device= lives on the CPU, and the forward pass then mixes devices.",
    title_zh="包装另一种设备（GPU）上的层时，LoRALinear 把 lora_A 和 lora_B 放在那里，并在那里运行",
    hint_zh="用 base.weight 的 device= 和 dtype= 创建 lora_A 和 lora_B；不带 device= 的 nn.Parameter(torch.zeros(...)) 在 CPU 上，前向传播时就会混用设备。",
)
def test_follows_the_base_device(impl):
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    x = torch.randn(3, 6)
    expected = base(x).detach()
    moved = elsewhere(base)
    with mismatch_fails("LoRALinear"):
        layer = impl.LoRALinear(moved, 2)
        for name in ("lora_A", "lora_B"):
            assert_elsewhere(getattr(layer, name), name)
        out = layer(elsewhere(x))
    assert_elsewhere(out, "the output")
    assert torch.allclose(here(out), expected, atol=1e-6), say("expected base's output at initialisation, on its device", "初始化时应在 base 所在设备上得到 base 的输出")
