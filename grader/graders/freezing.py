"""Grader for `freezing`: freeze_backbone, unfreeze and count_trainable (questions 1 and 6).

Behaviour only: which parameters train, what BatchNorm does in train mode, and what an
optimizer step changes. Backbone BatchNorm modules may be swapped for frozen equivalents,
so BatchNorm is judged by the model's outputs against a copy of the original model.
Fixture models and helpers: grader.fixtures.freezing_models.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- head is a dotted path ("fc", "classifier.6", "heads.head", "net.head.fc") ->
  test_dotted_head_path, test_only_head_trainable (head registered first: head_first)
- a path naming no submodule (typo, prefix, parameter, index) raises ValueError ->
  test_unknown_head_raises, test_prefix_sibling_stays_frozen
- only the head trains, even if frozen before -> test_only_head_trainable,
  test_frozen_head_becomes_trainable, test_optimizer_step_changes_only_trainable
- train_bn=False: backbone BatchNorm uses running statistics and never updates them, also
  after model.train() -> test_running_stats_fixed, test_train_mode_uses_running_stats
  (also with the head registered first), test_later_train_call_keeps_bn_frozen
- BatchNorm inside the head trains normally -> test_head_batchnorm_trains
- train_bn=True: every normalisation type's affine stays trainable, all else frozen, BatchNorm
  trains -> test_train_bn_flags (all_norms: SyncBatchNorm, *3d), test_train_bn_trains_batchnorm
- in place, same object returned -> test_returns_same_object
- repeated calls (freeze twice; again with another head or train_bn) ->
  test_freeze_twice_unfreeze_once, test_refreeze_follows_latest_call
- unfreeze: all trainable, BatchNorm back to normal (at once, with its own settings) ->
  test_unfreeze_makes_all_trainable, test_unfreeze_restores_batchnorm,
  test_unfreeze_restores_momentum, test_unfreeze_without_train_call
- count_trainable: scalars, frozen excluded, shared once, an int -> test_count_trainable_scalars,
  test_count_trainable_shared_once
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.authoring.checks import assert_exact_type, check, say
from grader.authoring.devices import elsewhere, mismatch_fails, on_elsewhere
from grader.fixtures import models
from grader.fixtures.freezing_models import (
    HEADS, TiedNet, assert_only_head_trainable, assert_trainable_names, build, head_param_ids, norm_affine_names,
    output, raises_value_error, rel_diff, shifted, some, total_numel,
)


@pytest.fixture
def fresh(device):
    """A new copy of a fixture model on the device, in train mode."""
    return lambda name: models.clone(build(name)).to(device)


@pytest.fixture
def x(device):
    return models.example_input(2, device=device)


def warm() -> None:
    """Called by the warm worker before it forks, so grading runs share these models."""
    for name in HEADS:
        build(name)


# --- basic ---------------------------------------------------------------------------


@check(
    "Only the head's parameters are trainable after freezing",
    level="basic", points=1,
    hint="Set requires_grad=False on every parameter, then requires_grad=True on the head's parameters.",
    title_zh="冻结后只有分类头的参数可训练",
    hint_zh="先把所有参数设为 requires_grad=False，再把分类头的参数设为 requires_grad=True。",
)
@pytest.mark.parametrize("name", ["resnet18", "head_first", "group_norm", "head_bn"])
def test_only_head_trainable(impl, fresh, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    assert_only_head_trainable(model, HEADS[name])


@check(
    "Heads at dotted paths ('classifier.6', 'heads.head', 'net.head.fc') are found and made trainable",
    level="basic", points=1,
    hint="getattr does not follow dots and a Sequential's children are named '0', '1', ...: "
    "let the model resolve the whole dotted path for you.",
    title_zh="点分路径上的分类头（'classifier.6'、'heads.head'、'net.head.fc'）能被找到并设为可训练",
    hint_zh="getattr 不会顺着点往下找，Sequential 的子模块名是 '0'、'1'……：让模型自己解析整条点分路径"
    "（model.get_submodule）。",
)
@pytest.mark.parametrize("name", ["vgg11_bn", "mobilenet_v3_small", "squeezenet1_1", "tiny_vit", "nested_head"])
def test_dotted_head_path(impl, fresh, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    assert_only_head_trainable(model, HEADS[name])


@check(
    "freeze_backbone and unfreeze modify and return the same model object",
    level="basic", points=1,
    hint="Change the model in place and return it; do not deep-copy it.",
    title_zh="freeze_backbone 和 unfreeze 原地修改并返回同一个模型对象",
    hint_zh="原地修改模型并把它返回，不要深拷贝。",
)
def test_returns_same_object(impl, fresh):
    model = fresh("nested_head")
    for train_bn in (False, True):
        out = impl.freeze_backbone(model, "net.head.fc", train_bn=train_bn)
        got = "None" if out is None else type(out).__name__
        assert out is model, say(f"freeze_backbone(train_bn={train_bn}) should return the model it was given, got {got}",
                                 f"freeze_backbone(train_bn={train_bn}) 应返回传入的模型，实际返回了 {got}")
    out = impl.unfreeze(model)
    got = "None" if out is None else type(out).__name__
    assert out is model, say(f"unfreeze should return the model it was given, got {got}",
                             f"unfreeze 应返回传入的模型，实际返回了 {got}")


@check(
    "One SGD step after freezing changes the trainable parameters and no frozen one",
    level="basic", points=2,
    hint="A frozen parameter (requires_grad=False) gets no gradient, so the step leaves it alone, and a parameter "
    "that should train but is frozen does not move either: the head, and with train_bn=True every normalisation "
    "layer's weight and bias, need requires_grad=True; everything else False.",
    title_zh="冻结后走一步 SGD：可训练的参数都变了，冻结的参数一个也没变",
    hint_zh="冻结的参数（requires_grad=False）拿不到梯度，优化器一步也不会动它；反过来，本该训练却被冻结的参数也不会动："
    "分类头，以及 train_bn=True 时每个归一化层的 weight 和 bias，都需要 requires_grad=True，其余全部为 False。",
)
@pytest.mark.parametrize("name,train_bn", [("vgg11_bn", False), ("squeezenet1_1", False), ("nested_head", True)])
def test_optimizer_step_changes_only_trainable(impl, fresh, x, name, train_bn):
    model = fresh(name)
    head = HEADS[name]
    impl.freeze_backbone(model, head, train_bn=train_bn)
    head_ids = head_param_ids(model, head)
    expected = {n for n, p in model.named_parameters() if id(p) in head_ids}
    if train_bn:
        expected |= norm_affine_names(model, head)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, weight_decay=0.0)
    model.train()
    targets = torch.arange(x.shape[0], device=x.device) % 5
    F.cross_entropy(model(x), targets).backward()
    optimizer.step()
    changed = {n for n, p in model.named_parameters() if not torch.equal(before[n], p.detach())}
    moved, stuck = some(changed - expected), some(expected - changed)
    assert not changed - expected, say(
        f"after one SGD step, parameters that should be frozen changed (still requires_grad=True?): {moved}",
        f"走了一步 SGD 后，本该冻结的参数变了（仍是 requires_grad=True？）：{moved}",
    )
    what = "the head's" + (" and the normalisation layers' weight and bias" if train_bn else "")
    what_zh = "分类头" + ("和归一化层的 weight、bias" if train_bn else "")
    assert not expected - changed, say(
        f"after one SGD step, parameters that should train did not change (frozen?): {stuck}; {what} must train",
        f"走了一步 SGD 后，本该训练的参数没有变（被冻结了？）：{stuck}；{what_zh}都应参与训练",
    )


@check(
    "count_trainable returns the number of trainable scalars, not of tensors, and skips frozen ones",
    level="basic", points=1,
    hint="Add up numel() over the parameters whose requires_grad is True.",
    title_zh="count_trainable 返回可训练标量的个数（不是张量的个数），并跳过冻结的参数",
    hint_zh="对 requires_grad 为 True 的参数把 numel() 加起来。",
)
def test_count_trainable_scalars(impl, fresh):
    model = fresh("nested_head")
    model.net.body[0].requires_grad_(False)
    model.net.body[5].weight.requires_grad_(False)
    got = impl.count_trainable(model)
    expected = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert_exact_type(got, int, "count_trainable(model)")
    assert got == expected, say(f"expected {expected} trainable scalars (some layers frozen), got {got}",
                                f"应有 {expected} 个可训练标量（部分层已冻结），实际为 {got}")
    model.requires_grad_(False)
    got = impl.count_trainable(model)
    assert_exact_type(got, int, "count_trainable(model)")
    assert got == 0, say(f"expected 0 trainable scalars for a fully frozen model, got {got}",
                         f"全部冻结的模型应有 0 个可训练标量，实际为 {got}")


@check(
    "unfreeze makes every parameter trainable",
    level="basic", points=1,
    hint="Set requires_grad=True on every parameter of the model.",
    title_zh="unfreeze 让每个参数都可训练",
    hint_zh="把模型的每个参数都设为 requires_grad=True。",
)
def test_unfreeze_makes_all_trainable(impl, fresh):
    model = fresh("nested_head")
    model.requires_grad_(False)
    impl.unfreeze(model)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert not frozen, say(f"expected every parameter trainable after unfreeze, found frozen: {some(frozen)}",
                           f"unfreeze 之后每个参数都应可训练，实际仍被冻结的有：{some(frozen)}")


# --- interview -----------------------------------------------------------------------


@check(
    "A head that was frozen beforehand becomes trainable",
    level="interview", points=2,
    hint="Do not only freeze the backbone: explicitly set requires_grad=True on the head.",
    title_zh="事先被冻结的分类头也会变成可训练",
    hint_zh="不要只冻结骨干网络：还要显式地把分类头设为 requires_grad=True。",
)
def test_frozen_head_becomes_trainable(impl, fresh):
    model = fresh("resnet18")
    model.requires_grad_(False)
    impl.freeze_backbone(model, "fc")
    assert_only_head_trainable(model, "fc")


@check(
    "An unknown head path raises ValueError (a typo, a name prefix, a parameter, an index out of range)",
    level="interview", points=1,
    hint="Resolve the path to a module first and turn a lookup failure into ValueError; "
    "a parameter name or a prefix of a module name is not a module.",
    title_zh="不存在的分类头路径（拼写错误、名字前缀、参数名、越界下标）抛出 ValueError",
    hint_zh="先把路径解析成模块，查找失败时转成 ValueError；参数名或模块名的前缀都不是模块。",
)
@pytest.mark.parametrize(
    "name,bad_head",
    [
        pytest.param("nested_head", "net.head.fcc", id="typo"),
        pytest.param("resnet18", "f", id="prefix"),
        pytest.param("nested_head", "net.he", id="dotted-prefix"),
        pytest.param("nested_head", "net.head.fc.weight", id="parameter"),
        pytest.param("vgg11_bn", "classifier.7", id="index"),
    ],
)
def test_unknown_head_raises(impl, fresh, name, bad_head):
    model = fresh(name)
    raises_value_error(lambda: impl.freeze_backbone(model, bad_head), f"head {bad_head!r} on {name}",
                       f"{name} 上的分类头路径 {bad_head!r} ")


@check(
    "A module whose name merely starts with the head's name ('fc_in' next to 'fc') stays frozen",
    level="interview", points=2,
    hint="Match the head module itself, not parameter names that start with the same letters.",
    title_zh="名字只是以分类头名字开头的模块（'fc' 旁边的 'fc_in'）保持冻结",
    hint_zh="要匹配分类头这个模块本身，而不是开头字母相同的参数名。",
)
def test_prefix_sibling_stays_frozen(impl, fresh):
    model = fresh("prefix_trap")
    impl.freeze_backbone(model, "fc")
    assert_only_head_trainable(model, "fc")


@check(
    "Backbone BatchNorm running statistics stay fixed in train mode (requires_grad=False is not enough)",
    level="interview", points=2,
    hint="running_mean and running_var are buffers updated in forward(), not by gradients: "
    "in train mode BatchNorm overwrites them whatever requires_grad says.",
    title_zh="训练模式下骨干网络 BatchNorm 的运行统计量保持不变（光设 requires_grad=False 不够）",
    hint_zh="running_mean 和 running_var 是在 forward() 里更新的缓冲区，不靠梯度更新：训练模式下，不管 requires_grad "
    "怎么设，BatchNorm 都会覆盖它们。",
)
@pytest.mark.parametrize("name", ["mobilenet_v3_small", "nested_head"])
def test_running_stats_fixed(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    original = output(fresh(name), x, train=False)
    model.train()
    with torch.no_grad():
        for k in range(3):
            model(shifted(x, k))
    d = rel_diff(output(model, x, train=False), original)
    assert d < 1e-4, say(
        f"after train-mode forward passes, {name}'s eval output should equal the original's "
        f"(running statistics unchanged); max relative difference {d:.2e}",
        f"训练模式下前向传播几次之后，{name} 在评估模式下的输出应与原模型相同（运行统计量不变）；最大相对差 {d:.2e}",
    )


@check(
    "In train mode, backbone BatchNorm normalises with its running statistics, not batch statistics",
    level="interview", points=2,
    hint="Freezing the statistics is not enough: in train mode BatchNorm still normalises with the "
    "current batch's mean and variance unless the layer itself behaves as in eval mode.",
    title_zh="训练模式下，骨干网络的 BatchNorm 用运行统计量做归一化，而不是当前批的统计量",
    hint_zh="只冻住统计量还不够：在训练模式下，除非这一层本身按评估模式工作，BatchNorm 仍会用当前批的均值和方差做归一化。",
)
@pytest.mark.parametrize("name", ["vgg11_bn", "mobilenet_v3_small", "nested_head", "head_first"])
def test_train_mode_uses_running_stats(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    expected = output(fresh(name), x, train=False)
    with torch.no_grad():
        got = model(x)
    d = rel_diff(got, expected)
    assert d < 1e-4, say(
        f"in train mode after freezing, {name}'s output should equal the original eval-mode output "
        f"(BatchNorm with running statistics); max relative difference {d:.2e}",
        f"冻结之后在训练模式下，{name} 的输出应等于原模型在评估模式下的输出（BatchNorm 用运行统计量）；最大相对差 {d:.2e}",
    )


@check(
    "A later model.train() (or eval() then train()) does not undo the frozen BatchNorm",
    level="interview", points=2,
    hint="model.train() calls train(True) on every submodule, so a one-off bn.eval() is undone at the "
    "start of the next epoch; make the BatchNorm layers ignore train(True), or replace them.",
    title_zh="之后再调用 model.train()（或先 eval() 再 train()）不会撤销被冻结的 BatchNorm",
    hint_zh="model.train() 会对每个子模块调用 train(True)，所以一次性的 bn.eval() 到下一个 epoch 开始就失效了；"
    "让这些 BatchNorm 层忽略 train(True)，或者把它们替换掉。",
)
@pytest.mark.parametrize("name", ["vgg11_bn", "nested_head"])
def test_later_train_call_keeps_bn_frozen(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    expected = output(fresh(name), x, train=False)
    model.eval()
    model.train()
    with torch.no_grad():
        got = model(x)
        model(shifted(x, 0))
    d = rel_diff(got, expected)
    assert d < 1e-4, say(
        f"after model.eval(); model.train(), {name}'s train-mode output should still equal the original "
        f"eval-mode output; max relative difference {d:.2e}",
        f"model.eval(); model.train() 之后，{name} 在训练模式下的输出仍应等于原模型在评估模式下的输出；最大相对差 {d:.2e}",
    )
    d = rel_diff(output(model, x, train=False), expected)
    assert d < 1e-4, say(f"after model.train() and a forward pass, {name}'s running statistics changed (difference {d:.2e})",
                         f"model.train() 加一次前向传播之后，{name} 的运行统计量变了（差 {d:.2e}）")


@check(
    "train_bn=True keeps normalisation layers' weight and bias trainable and freezes the rest of the "
    "backbone (conv biases included)",
    level="interview", points=2,
    hint="Normalisation layers are BatchNorm*, SyncBatchNorm, InstanceNorm*, LayerNorm and GroupNorm; "
    "select them by module type, not by parameter name ('bias' also names conv and linear biases).",
    title_zh="train_bn=True 时归一化层的 weight 和 bias 保持可训练，骨干网络其余部分（包括卷积的 bias）全部冻结",
    hint_zh="归一化层指 BatchNorm*、SyncBatchNorm、InstanceNorm*、LayerNorm 和 GroupNorm；按模块类型挑选，"
    "不要按参数名（卷积层和全连接层的偏置也叫 'bias'）。",
)
@pytest.mark.parametrize("name", ["resnet18", "nested_head", "group_norm", "tiny_vit", "all_norms"])
def test_train_bn_flags(impl, fresh, name):
    model = fresh(name)
    head = HEADS[name]
    expected = {f"{head}.{n}" for n, _ in model.get_submodule(head).named_parameters()}
    expected |= norm_affine_names(model, head)
    impl.freeze_backbone(model, head, train_bn=True)
    assert_trainable_names(model, expected)


@check(
    "train_bn=True lets BatchNorm train normally (batch statistics, running statistics update)",
    level="interview", points=2,
    hint="With train_bn=True only requires_grad changes: leave BatchNorm's train/eval behaviour alone.",
    title_zh="train_bn=True 时 BatchNorm 正常训练（用批统计量，并更新运行统计量）",
    hint_zh="train_bn=True 时只改 requires_grad：不要动 BatchNorm 在训练/评估模式下的行为。",
)
@pytest.mark.parametrize("name", ["vgg11_bn", "nested_head"])
def test_train_bn_trains_batchnorm(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name], train_bn=True)
    reference = fresh(name)
    model.train()
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, say(f"with train_bn=True, {name}'s train-mode output should use batch statistics; difference {d:.2e}",
                         f"train_bn=True 时，{name} 在训练模式下的输出应使用批统计量；差 {d:.2e}")
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, say(
        f"with train_bn=True, a train-mode forward pass should update {name}'s running statistics "
        f"as usual; eval outputs differ by {d:.2e}",
        f"train_bn=True 时，训练模式下的前向传播应照常更新 {name} 的运行统计量；评估模式输出相差 {d:.2e}",
    )


# --- expert --------------------------------------------------------------------------


@check(
    "unfreeze restores normal BatchNorm training and every original parameter",
    level="expert", points=2,
    hint="Undo whatever freeze_backbone did to BatchNorm (mode override, hooks, swapped modules), "
    "not only requires_grad.",
    title_zh="unfreeze 恢复 BatchNorm 的正常训练，并找回所有原来的参数",
    hint_zh="把 freeze_backbone 对 BatchNorm 做过的改动（模式覆盖、钩子、替换的模块）都撤销，不只是 requires_grad。",
)
@pytest.mark.parametrize("name", ["resnet18", "vgg11_bn", "nested_head"])
def test_unfreeze_restores_batchnorm(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    with torch.no_grad():
        model.train()
        model(shifted(x, 0))
    impl.unfreeze(model)
    reference = fresh(name)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert not frozen, say(f"expected every parameter trainable after unfreeze, found frozen: {some(frozen)}",
                           f"unfreeze 之后每个参数都应可训练，实际仍被冻结的有：{some(frozen)}")
    want, got = total_numel(reference), total_numel(model)
    assert got == want, say(f"after unfreeze, {name} should have its original {want} parameter scalars, found {got}",
                            f"unfreeze 之后，{name} 应有原来的 {want} 个参数标量，实际为 {got}")
    original_eval = output(reference, x, train=False)
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, say(f"after unfreeze, {name}'s BatchNorm should use batch statistics in train mode; difference {d:.2e}",
                         f"unfreeze 之后，{name} 的 BatchNorm 在训练模式下应使用批统计量；差 {d:.2e}")
    d = rel_diff(output(model, x, train=False), original_eval)
    assert d > 1e-3, say(
        f"after unfreeze, a train-mode forward pass should update {name}'s BatchNorm running statistics; "
        f"the eval output stayed the original one (difference {d:.1e})",
        f"unfreeze 之后，训练模式下的前向传播应更新 {name} 的 BatchNorm 运行统计量；评估模式输出却和原来一样（差 {d:.1e}）",
    )


@check(
    "After unfreeze, BatchNorm updates its running statistics exactly as before freezing (same momentum, eps)",
    level="expert", points=3, hidden=True,
    hint="If you replaced BatchNorm modules, the restored ones need the original momentum, eps and "
    "statistics, not a fresh layer's defaults.",
    title_zh="unfreeze 之后，BatchNorm 更新运行统计量的方式和冻结前完全一样（momentum、eps 相同）",
    hint_zh="如果替换过 BatchNorm 模块，恢复回来的模块要带上原来的 momentum、eps 和统计量，而不是新建层的默认值。",
)
def test_unfreeze_restores_momentum(impl, fresh, x):
    model = fresh("mobilenet_v3_small")
    impl.freeze_backbone(model, "classifier.3")
    impl.unfreeze(model)
    reference = fresh("mobilenet_v3_small")
    for m in (model, reference):
        output(m, shifted(x, 0), train=True)
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, say(
        f"after freeze, unfreeze and one train-mode pass, the eval output should match a never-frozen "
        f"model (momentum 0.01, eps 0.001); max relative difference {d:.2e}",
        f"冻结、解冻、再在训练模式下跑一遍之后，评估模式的输出应与从未冻结过的模型一致（momentum 0.01，eps 0.001）；"
        f"最大相对差 {d:.2e}",
    )


@check(
    "BatchNorm inside the head still trains normally",
    level="expert", points=3,
    hint="Only BatchNorm layers outside the head are frozen; the head, including its normalisation "
    "layers, trains as usual.",
    title_zh="分类头内部的 BatchNorm 仍然正常训练",
    hint_zh="只冻结分类头之外的 BatchNorm 层；分类头连同它的归一化层照常训练。",
)
def test_head_batchnorm_trains(impl, fresh, x):
    model = fresh("head_bn")
    impl.freeze_backbone(model, "head")
    reference = fresh("head_bn")
    reference.train()
    reference.body.eval()
    model.train()
    with torch.no_grad():
        d = rel_diff(model(x), reference(x))
    assert d < 1e-4, say(
        f"in train mode the head's BatchNorm1d should use batch statistics (backbone: running ones); difference {d:.2e}",
        f"训练模式下，分类头里的 BatchNorm1d 应使用批统计量（骨干网络用运行统计量）；差 {d:.2e}",
    )
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, say(f"the head's BatchNorm1d should update its running statistics in train mode; difference {d:.2e}",
                         f"分类头里的 BatchNorm1d 在训练模式下应更新运行统计量；差 {d:.2e}")


@check(
    "count_trainable counts a parameter shared by two modules once",
    level="expert", points=2,
    hint="model.parameters() yields a shared (tied) parameter once; summing per module counts it twice.",
    title_zh="count_trainable 对两个模块共享的参数只计一次",
    hint_zh="model.parameters() 对共享（绑定）的参数只给出一次；逐个模块求和会把它算两遍。",
)
def test_count_trainable_shared_once(impl, device):
    model = TiedNet().to(device)
    got = impl.count_trainable(model)
    expected = sum(p.numel() for p in model.parameters())
    assert_exact_type(got, int, "count_trainable(model)")
    assert got == expected, say(f"expected {expected} trainable scalars (tied weight counted once), got {got}",
                                f"应有 {expected} 个可训练标量（绑定的权重只计一次），实际为 {got}")


@check(
    "Freezing twice and then unfreezing once leaves BatchNorm training normally",
    level="expert", points=3,
    hint="Make freezing idempotent: a second call must not record the frozen state as the "
    "'original' one that unfreeze restores.",
    title_zh="冻结两次再解冻一次之后，BatchNorm 正常训练",
    hint_zh="让冻结操作幂等：第二次调用不能把已冻结的状态当成 unfreeze 要恢复的“原始”状态记下来。",
)
def test_freeze_twice_unfreeze_once(impl, fresh, x):
    model = fresh("nested_head")
    impl.freeze_backbone(model, "net.head.fc")
    impl.freeze_backbone(model, "net.head.fc")
    expected = output(fresh("nested_head"), x, train=False)
    d = rel_diff(output(model, x, train=True), expected)
    assert d < 1e-4, say(f"after freezing twice, BatchNorm should still use running statistics in train mode; difference {d:.2e}",
                         f"冻结两次之后，BatchNorm 在训练模式下仍应使用运行统计量；差 {d:.2e}")
    impl.unfreeze(model)
    reference = fresh("nested_head")
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, say(f"after freezing twice and unfreezing, BatchNorm should use batch statistics in train mode; difference {d:.2e}",
                         f"冻结两次再解冻之后，BatchNorm 在训练模式下应使用批统计量；差 {d:.2e}")
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, say(f"after freezing twice and unfreezing, BatchNorm should update its running statistics; difference {d:.2e}",
                         f"冻结两次再解冻之后，BatchNorm 应更新运行统计量；差 {d:.2e}")


@check(
    "Freezing again with another head or train_bn follows the latest call",
    level="expert", points=3,
    hint="A second freeze_backbone must first undo what the first one did to BatchNorm: a layer pinned "
    "by the first call may now be inside the head, or train_bn may now be True.",
    title_zh="换一个分类头或 train_bn 再冻结一次时，以最后一次调用为准",
    hint_zh="第二次调用 freeze_backbone 要先撤销第一次对 BatchNorm 做的改动：第一次固定住的层现在可能在分类头里，"
    "或者 train_bn 现在变成了 True。",
)
def test_refreeze_follows_latest_call(impl, fresh, x):
    model = fresh("head_bn")
    impl.freeze_backbone(model, "head.3")
    impl.freeze_backbone(model, "head")
    assert_only_head_trainable(model, "head")
    reference = fresh("head_bn")
    reference.body.eval()
    got = output(model, x, train=True)
    with torch.no_grad():
        d = rel_diff(got, reference(x))
    assert d < 1e-4, say(
        f"after freeze_backbone(head='head.3') then (head='head'), the head's BatchNorm1d should use batch "
        f"statistics in train mode; difference {d:.2e}",
        f"先 freeze_backbone(head='head.3') 再 (head='head') 之后，分类头里的 BatchNorm1d 在训练模式下应使用批统计量；"
        f"差 {d:.2e}",
    )
    model = fresh("nested_head")
    impl.freeze_backbone(model, "net.head.fc")
    impl.freeze_backbone(model, "net.head.fc", train_bn=True)
    reference = fresh("nested_head")
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, say(
        f"after freezing with train_bn=False and again with train_bn=True, BatchNorm should use batch "
        f"statistics in train mode; difference {d:.2e}",
        f"先用 train_bn=False、再用 train_bn=True 冻结之后，BatchNorm 在训练模式下应使用批统计量；差 {d:.2e}",
    )


@check(
    "unfreeze gives BatchNorm its training behaviour back at once, without a later model.train()",
    level="expert", points=2,
    hint="The model is still in train mode when unfreeze is called: a BatchNorm layer released from "
    "its pinned eval mode must follow the model's current mode right away.",
    title_zh="unfreeze 立刻恢复 BatchNorm 的训练行为，不必再调用 model.train()",
    hint_zh="调用 unfreeze 时模型仍处于训练模式：从固定的评估模式中放出来的 BatchNorm 层应立刻跟上模型当前的模式。",
)
def test_unfreeze_without_train_call(impl, fresh, x):
    model = fresh("nested_head")
    impl.freeze_backbone(model, "net.head.fc")
    impl.unfreeze(model)
    reference = fresh("nested_head")
    with torch.no_grad():
        got = model(x)
        expected = reference(x)
    d = rel_diff(got, expected)
    assert d < 1e-4, say(
        f"freeze_backbone then unfreeze on a model in train mode, with no model.train() call: BatchNorm "
        f"should use batch statistics; difference {d:.2e}",
        f"对训练模式下的模型先 freeze_backbone 再 unfreeze，不调用 model.train()：BatchNorm 应使用批统计量；差 {d:.2e}",
    )


@check(
    "On a model of another device (a GPU), freezing, training and unfreezing keep every tensor there",
    level="interview", points=1,
    hint="Anything you create for the frozen backbone (a frozen BatchNorm's buffers, masks, saved "
    "statistics) must be made on the model's device: device=bn.running_mean.device, or clone() the "
    "existing tensors; a CPU buffer in a GPU model makes the forward pass raise.",
    title_zh="模型在另一设备（GPU）上时，冻结、训练、解冻之后所有张量仍在该设备上",
    hint_zh="为冻结的骨干网络新建的任何东西（冻结 BatchNorm 的缓冲区、掩码、保存的统计量）都要建在模型所在的设备上："
    "device=bn.running_mean.device，或者 clone() 已有的张量；GPU 模型里混进一个 CPU 缓冲区，前向传播就会报错。",
)
@pytest.mark.parametrize("train_bn", [False, True], ids=["train_bn=False", "train_bn=True"])
def test_another_device(impl, fresh, x, train_bn):
    model, inputs = elsewhere(fresh("nested_head")), elsewhere(x)
    with mismatch_fails("freeze_backbone, a training step, unfreeze"):
        impl.freeze_backbone(model, "net.head.fc", train_bn=train_bn)
        model.train()(inputs).sum().backward()
        impl.unfreeze(model)
        model(inputs)
        left = [k for k, t in list(model.named_parameters()) + list(model.named_buffers()) if not on_elsewhere(t)]
    assert not left, say(f"expected every parameter and buffer on the model's device; on the CPU: {some(left)}",
                         f"所有参数和缓冲区都应在模型所在的设备上；留在 CPU 上的有：{some(left)}")
