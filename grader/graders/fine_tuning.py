"""Grader for fine_tuning (Q2): layer groups, discriminative learning rates, gradual
unfreezing and weight transfer from a source model to a target model. Fixture models and
helpers: grader.fixtures.fine_tuning_models.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- layer_groups: ResNet [stem + layer1, layer2, layer3, layer4, fc] -> test_resnet_layer_groups;
  nn.Sequential one group per child -> test_sequential_layer_groups; other models their
  top-level children in order -> test_custom_model_layer_groups; the model's own modules,
  parameter-free children included -> the same three (identity) and test_fine_tuning_pipeline
- discriminative_param_groups: lr / factor ** (n - 1 - i), default factor 2.6, in group
  order -> test_lr_by_position; i over ALL groups, empty groups dropped -> test_empty_groups_dropped;
  only requires_grad -> test_frozen_params_left_out; each parameter once, a shared one in its
  first group -> test_params_per_group, test_shared_parameter_once; accepted by SGD and AdamW
  -> test_accepted_by_optimizers
- gradual_unfreeze: stage 0 -> test_stage_zero_freezes_all; last k -> test_stage_k_unfreezes_last_k;
  k >= len without error -> test_stage_beyond_len; whatever the flags before ->
  test_stage_is_absolute; only requires_grad changes -> test_unfreeze_changes_only_flags
  (returning None is not checked: a return value is harmless)
- transfer_weights: name and shape match copied, source unchanged -> test_matching_entries_copied;
  buffers too -> test_buffers_copied, test_new_batchnorm_keys_reported; other shapes skipped
  -> test_shape_mismatch_skipped; in place, own tensors, no shared memory ->
  test_copies_in_place; device and dtype kept -> test_transfer_across_devices (a float64
  target on another device, see grader/authoring/devices.py); the target's keys not copied, in its
  order -> test_returns_target_keys_not_copied, test_new_batchnorm_keys_reported
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
from torch import nn

from grader.authoring.checks import assert_exact_type, check, say
from grader.authoring.devices import elsewhere, here, mismatch_fails, on_elsewhere
from grader.fixtures import models
from grader.fixtures.fine_tuning_models import (
    EncoderNet, assert_lrs, assert_params, assert_stage, groups_from, ids, owners, param_groups_from, pipeline_model,
    resnet_groups, tensor_names, transfer_pair,
)

LR = 0.1
RESNET_LABELS = ("stem + layer1", "layer2", "layer3", "layer4", "fc")


@pytest.fixture(scope="module")
def resnet(device):
    return models.build("resnet18").to(device)


@pytest.fixture
def groups(resnet):
    resnet.requires_grad_(True)
    return resnet_groups(resnet)


# ---------------------------------------------------------------- layer_groups


@check(
    "A ResNet splits into [stem + layer1, layer2, layer3, layer4, fc]",
    level="basic", points=1,
    hint="The stem (conv1, bn1, relu, maxpool) has too few parameters to be a group of its own: "
         "it shares the first group with layer1. Return the model's own modules, not copies.",
    title_zh="ResNet 分成 [stem + layer1, layer2, layer3, layer4, fc]",
    hint_zh="stem（conv1、bn1、relu、maxpool）参数太少，不单独成组：它和 layer1 同在第一组。返回模型自己的模块，不要副本。",
)
def test_resnet_layer_groups(impl, resnet):
    got = groups_from(impl.layer_groups(resnet))
    names = tensor_names(resnet)
    found = [owners([*g.parameters(), *g.buffers()], names) for g in got]
    assert len(got) == 5, say(f"expected 5 groups ({', '.join(RESNET_LABELS)}), got {len(got)}: {found}",
                              f"应有 5 组（{', '.join(RESNET_LABELS)}），实际有 {len(got)} 组：{found}")
    for label, group, want in zip(RESNET_LABELS, got, resnet_groups(resnet)):
        same = ids(group.parameters()) == ids(want.parameters()) and ids(group.buffers()) == ids(want.buffers())
        should, holds = owners([*want.parameters(), *want.buffers()], names), owners([*group.parameters(), *group.buffers()], names)
        assert same, say(f"group '{label}' should hold the parameters and buffers of {should}; it holds {holds}",
                         f"层组 '{label}' 应包含 {should} 的参数和缓冲区；实际包含的是 {holds}")


@check(
    "An nn.Sequential splits into its children, one group each, in order",
    level="basic", points=1,
    hint="Each child of an nn.Sequential is one group, parameter-free ones (ReLU, Flatten) included; "
         "return the children themselves.",
    title_zh="nn.Sequential 按子模块依次分组，每个子模块一组",
    hint_zh="nn.Sequential 的每个子模块各为一组，没有参数的（ReLU、Flatten）也算；返回子模块本身。",
)
def test_sequential_layer_groups(impl, device):
    seq = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
    ).to(device)
    got = groups_from(impl.layer_groups(seq))
    expected = list(seq)
    same = len(got) == len(expected) and all(g is e for g, e in zip(got, expected))
    want, found = [type(m).__name__ for m in expected], [type(m).__name__ for m in got]
    assert same, say(f"expected the {len(expected)} children {want} themselves, got {len(got)} groups {found}",
                     f"应返回这 {len(expected)} 个子模块本身 {want}，实际返回了 {len(got)} 组 {found}")


@check(
    "Any other model splits into its top-level children in registration order",
    level="interview", points=2,
    hint="Use the direct children only (not every submodule, not the model itself), "
         "keeping those without parameters.",
    title_zh="其他模型按注册顺序分成各个顶层子模块",
    hint_zh="只用直接子模块（不是所有子模块，也不是模型本身），没有参数的也要保留。",
)
def test_custom_model_layer_groups(impl, device):
    model = EncoderNet().to(device)
    got = groups_from(impl.layer_groups(model))
    expected = [model.embed, model.blocks, model.pool, model.head]
    same = len(got) == len(expected) and all(g is e for g, e in zip(got, expected))
    found = [type(m).__name__ for m in got]
    assert same, say(f"expected the children [embed, blocks, pool, head] themselves, got {len(got)} groups {found}",
                     f"应返回子模块 [embed, blocks, pool, head] 本身，实际返回了 {len(got)} 组 {found}")


# ---------------------------------------------------------------- discriminative_param_groups


@pytest.mark.parametrize("factor", [None, 10.0], ids=["default_factor", "factor_10"])
@check(
    "Group i of n gets lr / factor ** (n - 1 - i): the head gets lr, earlier groups less",
    level="basic", points=1,
    hint="Count the distance from the head: the last group gets lr, the one before lr / factor, "
         "the first lr / factor ** (n - 1). Earlier layers hold more general features and move less.",
    title_zh="n 组中的第 i 组学习率为 lr / factor ** (n - 1 - i)：分类头用 lr，越靠前的组越小",
    hint_zh="按离分类头的距离算：最后一组用 lr，倒数第二组用 lr / factor，第一组用 lr / factor ** (n - 1)。"
    "越靠前的层特征越通用，改动应越小。",
)
def test_lr_by_position(impl, groups, factor):
    kwargs = {} if factor is None else {"factor": factor}
    got = param_groups_from(impl.discriminative_param_groups(groups, LR, **kwargs))
    f = 2.6 if factor is None else factor
    assert_lrs(got, [LR / f ** (4 - i) for i in range(5)])


@check(
    "Each param group holds exactly its layer group's parameters, none twice",
    level="basic", points=1,
    hint="Put the parameters of group i (the module's own tensors, not copies) in param group i.",
    title_zh="每个参数组恰好包含对应层组的参数，没有重复",
    hint_zh="把第 i 个层组的参数（模块自己的张量，不是副本）放进第 i 个参数组。",
)
def test_params_per_group(impl, resnet, groups):
    got = param_groups_from(impl.discriminative_param_groups(groups, LR))
    assert_params(got, [list(g.parameters()) for g in groups], tensor_names(resnet))


@check(
    "The param groups work with torch.optim.SGD and AdamW, and a step moves only trainable parameters",
    level="basic", points=1,
    hint="Return a list of dicts with 'params' (a list of the parameters) and 'lr'; "
         "an optimizer rejects a parameter given twice.",
    title_zh="参数组可直接交给 torch.optim.SGD 和 AdamW，一步更新只改动可训练参数",
    hint_zh="返回由字典组成的列表，每个字典含 'params'（参数列表）和 'lr'；同一个参数出现两次会被优化器拒绝。",
)
def test_accepted_by_optimizers(impl, device):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Linear(8, 3)).to(device)
    model[0].requires_grad_(False)
    for make in (torch.optim.SGD, torch.optim.AdamW):
        param_groups = param_groups_from(impl.discriminative_param_groups(list(model), LR))
        try:
            optimizer = make(param_groups)
        except Exception as e:  # noqa: BLE001 - the message is the finding
            raise AssertionError(say(f"torch.optim.{make.__name__} rejected the param groups: {e}",
                                     f"torch.optim.{make.__name__} 拒绝了这些参数组：{e}")) from None
    before = [p.detach().clone() for p in model.parameters()]
    model(torch.randn(5, 4, device=device)).pow(2).sum().backward()
    optimizer.step()
    moved = [not torch.equal(b, p) for b, p in zip(before, model.parameters())]
    expected = [p.requires_grad for p in model.parameters()]
    assert moved == expected, say(f"expected a step to move exactly the trainable parameters {expected}, moved {moved}",
                                  f"一步更新应恰好改动可训练的参数 {expected}，实际改动了 {moved}")


@check(
    "Frozen parameters are left out of the param groups",
    level="interview", points=2,
    hint="Filter on requires_grad: a frozen parameter handed to the optimizer still gets weight "
         "decay and momentum state, and hides which parameters really train.",
    title_zh="冻结的参数不放进参数组",
    hint_zh="按 requires_grad 过滤：交给优化器的冻结参数仍会受权重衰减、占用动量状态，还让人看不清哪些参数真正在训练。",
)
def test_frozen_params_left_out(impl, resnet, groups):
    resnet.conv1.requires_grad_(False)
    for m in resnet.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.requires_grad_(False)
    got = param_groups_from(impl.discriminative_param_groups(groups, LR))
    assert_params(got, [[p for p in g.parameters() if p.requires_grad] for g in groups], tensor_names(resnet))


@check(
    "A group with nothing to train is dropped; the others keep the lr of their position among all groups",
    level="interview", points=2,
    hint="Compute each group's exponent from its index in the full list of groups, then drop the "
         "groups that end up with no trainable parameters.",
    title_zh="没有可训练参数的组被去掉；其余各组保持它们在全部组中的位置对应的学习率",
    hint_zh="先按每组在完整列表中的下标算出指数，再去掉最终没有可训练参数的组。",
)
def test_empty_groups_dropped(impl, resnet, groups, device):
    groups[0].requires_grad_(False)
    groups[1].requires_grad_(False)
    got = param_groups_from(impl.discriminative_param_groups(groups, LR))
    assert_lrs(got, [LR / 2.6**2, LR / 2.6, LR])
    assert_params(got, [list(g.parameters()) for g in groups[2:]], tensor_names(resnet))

    seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to(device)
    got = param_groups_from(impl.discriminative_param_groups(list(seq), LR))
    assert_lrs(got, [LR / 2.6**2, LR])


@check(
    "A parameter shared by two groups goes only in the first, and a group left empty by that is dropped",
    level="expert", points=3, hidden=True,
    hint="Track the parameters already placed (by identity) and skip them in later groups; "
         "torch.optim raises when a parameter appears in two param groups.",
    title_zh="两个组共享的参数只放进第一组，因此变空的组被去掉",
    hint_zh="按对象身份记下已放入的参数，后面的组里跳过它们；同一参数出现在两个参数组里时 torch.optim 会报错。",
)
def test_shared_parameter_once(impl, device):
    tied = nn.Sequential(OrderedDict(embed=nn.Linear(6, 6, bias=False), mid=nn.Linear(6, 6), head=nn.Linear(6, 6)))
    tied.head.weight = tied.embed.weight
    tied.to(device)
    embed, mid, head = tied
    names = tensor_names(tied)
    got = param_groups_from(impl.discriminative_param_groups([embed, mid, head], LR))
    assert_lrs(got, [LR / 2.6**2, LR / 2.6, LR])
    assert_params(got, [[embed.weight], [mid.weight, mid.bias], [head.bias]], names)

    model = nn.Sequential(OrderedDict(encoder=nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4)), head=nn.Linear(4, 2)))
    model.to(device)
    encoder, head = model
    got = param_groups_from(impl.discriminative_param_groups([encoder, encoder[1], head], LR))
    assert_lrs(got, [LR / 2.6**2, LR])
    assert_params(got, [list(encoder.parameters()), list(head.parameters())], tensor_names(model))
    try:
        torch.optim.SGD(got)
    except Exception as e:  # noqa: BLE001
        raise AssertionError(say(f"torch.optim.SGD rejected the param groups: {e}",
                                 f"torch.optim.SGD 拒绝了这些参数组：{e}")) from None


# ---------------------------------------------------------------- gradual_unfreeze


@check(
    "Stage 0 freezes every group",
    level="basic", points=1,
    hint="Stage 0 means no group is trainable yet; beware that a slice like groups[-0:] is the whole list.",
    title_zh="第 0 阶段冻结所有组",
    hint_zh="第 0 阶段表示还没有任何组可训练；注意 groups[-0:] 这样的切片得到的是整个列表。",
)
def test_stage_zero_freezes_all(impl, groups):
    impl.gradual_unfreeze(groups, 0)
    assert_stage(groups, 0)


@check(
    "Stage k leaves exactly the last k groups trainable",
    level="basic", points=1,
    hint="Stage 1 trains the head only, stage 2 the head and the group before it, and so on.",
    title_zh="第 k 阶段恰好让最后 k 组可训练",
    hint_zh="第 1 阶段只训练分类头，第 2 阶段训练分类头和它前面的一组，依此类推。",
)
def test_stage_k_unfreezes_last_k(impl, groups):
    groups[0].requires_grad_(False)
    for stage in (1, 2, 3):
        impl.gradual_unfreeze(groups, stage)
        assert_stage(groups, stage)


@check(
    "A stage at or beyond the number of groups makes every group trainable, without error",
    level="interview", points=2,
    hint="Clamp the stage to the number of groups instead of indexing past the end.",
    title_zh="阶段数大于等于组数时所有组都可训练，不报错",
    hint_zh="把阶段数截到组数以内，不要越界索引。",
)
def test_stage_beyond_len(impl, groups):
    for stage in (len(groups), len(groups) + 3):
        for g in groups:
            g.requires_grad_(False)
        impl.gradual_unfreeze(groups, stage)
        assert_stage(groups, stage)


@check(
    "Going back to an earlier stage freezes the groups it no longer includes",
    level="interview", points=2,
    hint="Set the flag of every group on each call (True for the last k, False for the rest) "
         "instead of only unfreezing; the result must not depend on the flags before the call.",
    title_zh="退回到更早的阶段时，不再包含的组会被重新冻结",
    hint_zh="每次调用都设置每一组的标记（最后 k 组为 True，其余为 False），而不是只解冻；结果不能依赖调用前的标记。",
)
def test_stage_is_absolute(impl, groups, resnet):
    impl.gradual_unfreeze(groups, 2)
    assert_stage(groups, 2)
    impl.gradual_unfreeze(groups, 4)
    assert_stage(groups, 4)
    resnet.bn1.requires_grad_(True)
    impl.gradual_unfreeze(groups, 1)
    assert_stage(groups, 1)


@check(
    "gradual_unfreeze changes only requires_grad: train/eval mode, values and buffers stay as they were",
    level="expert", points=3,
    hint="Do not call .train() or .eval() on the groups and do not touch their tensors; "
         "whether BatchNorm statistics update is a separate decision from which weights train.",
    title_zh="gradual_unfreeze 只改 requires_grad：训练/评估模式、参数值和缓冲区都保持原样",
    hint_zh="不要对层组调用 .train() 或 .eval()，也不要动它们的张量；BatchNorm 统计量是否更新，和哪些权重参与训练是两回事。",
)
def test_unfreeze_changes_only_flags(impl, device):
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5), nn.Flatten(), nn.Linear(4, 3),
    ).to(device)
    for mode in (True, False):
        model.train(mode)
        state = {k: v.clone() for k, v in model.state_dict().items()}
        for stage in (0, 2, 6):
            impl.gradual_unfreeze(list(model), stage)
            modes = sorted({type(m).__name__ for m in model.modules() if m.training != mode})
            which = "train" if mode else "eval"
            assert not modes, say(
                f"expected every module to stay in {which} mode after gradual_unfreeze(groups, {stage}); these changed: {modes}",
                f"gradual_unfreeze(groups, {stage}) 之后每个模块都应保持 {which} 模式；变了的有：{modes}")
            changed = [k for k, v in model.state_dict().items() if not torch.equal(v, state[k])]
            assert not changed, say(f"expected no value or buffer to change, these did: {changed[:3]}",
                                    f"参数值和缓冲区都不应改变，实际变了的有：{changed[:3]}")


# ---------------------------------------------------------------- transfer_weights


def assert_keys(got, expected: list[str]) -> None:
    assert isinstance(got, (list, tuple)), say(f"expected a list of key names, got {type(got).__name__}",
                                               f"应返回由键名组成的列表，实际返回了 {type(got).__name__}")
    for key in got:
        assert_exact_type(key, str, "each returned key")
    assert list(got) == expected, say(f"expected {expected}, got {list(got)}", f"应为 {expected}，实际为 {list(got)}")


@check(
    "Every parameter whose name and shape match is copied from source to target",
    level="basic", points=1,
    hint="Walk the target's state_dict and copy each source tensor with the same name and shape; "
         "the source stays unchanged.",
    title_zh="名字和形状都匹配的参数都从源模型复制到目标模型",
    hint_zh="遍历目标模型的 state_dict，把源模型中名字和形状相同的张量复制过来；源模型保持不变。",
)
def test_matching_entries_copied(impl, device):
    source, target = transfer_pair(device)
    source_before = {k: v.clone() for k, v in source.state_dict().items()}
    impl.transfer_weights(source, target)
    target_state = target.state_dict()
    differ = [k for k in ("stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias")
              if not torch.equal(target_state[k], source_before[k])]
    assert not differ, say(f"expected the stem's parameters copied into the target; these still differ: {differ}",
                           f"stem 的参数应复制到目标模型里；这些仍然不同：{differ}")
    changed = [k for k, v in source.state_dict().items() if not torch.equal(v, source_before[k])]
    assert not changed, say(f"expected the source to stay unchanged; these changed: {changed[:3]}",
                            f"源模型应保持不变；变了的有：{changed[:3]}")


@check(
    "Returns the target's keys that were not copied, in the target's state_dict order",
    level="basic", points=1,
    hint="Report from the target's point of view: its new layers and resized head, as a list in "
         "target.state_dict() order (not sorted, not the source's leftovers).",
    title_zh="返回目标模型中没有复制的键，按目标模型 state_dict 的顺序",
    hint_zh="从目标模型的角度报告：它的新层和改了尺寸的分类头，按 target.state_dict() 的顺序组成列表"
    "（不排序，也不是源模型剩下的键）。",
)
def test_returns_target_keys_not_copied(impl, device):
    source, target = transfer_pair(device)
    assert_keys(impl.transfer_weights(source, target), ["neck.weight", "neck.ema", "fc.weight", "fc.bias"])


@check(
    "A new BatchNorm layer's num_batches_tracked is reported as not copied too",
    level="expert", points=3,
    hint="load_state_dict(strict=False) leaves a missing num_batches_tracked out of missing_keys "
         "(BatchNorm fills it in silently): build the list from the target's own keys.",
    title_zh="新 BatchNorm 层的 num_batches_tracked 也要报告为未复制",
    hint_zh="load_state_dict(strict=False) 的 missing_keys 里不会列出缺失的 num_batches_tracked（BatchNorm 会悄悄补上）："
    "要从目标模型自己的键出发构造列表。",
)
def test_new_batchnorm_keys_reported(impl, device):
    source, target = transfer_pair(device, new_layer="batchnorm")
    expected = [
        "neck.weight", "neck.bias", "neck.running_mean", "neck.running_var", "neck.num_batches_tracked",
        "fc.weight", "fc.bias",
    ]
    assert_keys(impl.transfer_weights(source, target), expected)


@check(
    "Buffers are transferred too: BatchNorm running statistics and num_batches_tracked",
    level="interview", points=2,
    hint="named_parameters() misses the running mean and variance; the state_dict holds the buffers "
         "as well, and a pretrained BatchNorm is only useful with its statistics.",
    title_zh="缓冲区也要迁移：BatchNorm 的运行统计量和 num_batches_tracked",
    hint_zh="named_parameters() 里没有运行均值和方差；state_dict 里还包含缓冲区，而预训练的 BatchNorm 离开统计量就没用了。",
)
def test_buffers_copied(impl, device):
    source, target = transfer_pair(device)
    impl.transfer_weights(source, target)
    src, tgt = source.stem[1], target.stem[1]
    differ = [
        name for name in ("running_mean", "running_var", "num_batches_tracked")
        if not torch.equal(getattr(src, name), getattr(tgt, name))
    ]
    assert not differ, say(f"expected stem.1's {differ} copied from the source, they still differ",
                           f"stem.1 的 {differ} 应从源模型复制过来，实际仍然不同")


@check(
    "Entries with the same name but another shape are skipped and left untouched in the target",
    level="interview", points=2,
    hint="Compare shapes before copying: a resized head keeps its fresh initialisation "
         "(load_state_dict raises on a size mismatch even with strict=False).",
    title_zh="名字相同但形状不同的条目被跳过，目标模型中的它们保持不动",
    hint_zh="复制前先比较形状：改了尺寸的分类头保留新的初始化（形状不符时即使 strict=False，load_state_dict 也会报错）。",
)
def test_shape_mismatch_skipped(impl, device):
    source, target = transfer_pair(device)
    head_before = {k: v.clone() for k, v in target.fc.state_dict().items()}
    impl.transfer_weights(source, target)
    shapes = {k: tuple(v.shape) for k, v in target.fc.state_dict().items()}
    assert shapes == {"weight": (3, 4), "bias": (3,)}, say(
        f"expected the target head to keep shapes (3, 4) and (3,), got {shapes}",
        f"目标模型的分类头应保持形状 (3, 4) 和 (3,)，实际为 {shapes}")
    changed = [k for k, v in target.fc.state_dict().items() if not torch.equal(v, head_before[k])]
    assert not changed, say(f"expected the target's fc.{changed[0]} untouched (its shape differs from the source's)",
                            f"目标模型的 fc.{changed[0]} 应保持不动（它的形状和源模型不同）")


@check(
    "Copies in place: the target keeps its own parameter objects, device and memory, shared with nobody",
    level="expert", points=3,
    hint="Copy values into the existing tensors (tensor.copy_ under torch.no_grad, or load_state_dict) "
         "instead of assigning new tensors or the source's own ones.",
    title_zh="原地复制：目标模型保留自己的参数对象、设备和内存，不与任何模型共享",
    hint_zh="把值复制进已有的张量（在 torch.no_grad 下用 tensor.copy_，或用 load_state_dict），"
    "而不是赋上新张量或源模型自己的张量。",
)
def test_copies_in_place(impl, device):
    source, target = transfer_pair("cpu")
    target.to(device)
    params = dict(target.named_parameters())
    pointers = {k: v.data_ptr() for k, v in target.state_dict().items()}
    impl.transfer_weights(source, target)
    replaced = [k for k, p in target.named_parameters() if params.get(k) is not p]
    assert not replaced, say(f"expected the target's parameter objects to stay the same, these were replaced: {replaced[:3]}",
                             f"目标模型的参数对象应保持不变，这些被替换了：{replaced[:3]}")
    moved = [k for k, v in target.state_dict().items() if v.data_ptr() != pointers[k] or v.device.type != device.type]
    assert not moved, say(f"expected values written into the target's existing tensors, these now use other memory: {moved[:3]}",
                          f"值应写进目标模型已有的张量里，这些现在用的是别的内存：{moved[:3]}")
    with torch.no_grad():
        for t in source.state_dict().values():
            t.add_(1)
    copied = target.stem[0].weight
    assert not torch.equal(copied.cpu(), source.stem[0].weight), say(
        "expected the target to share no memory with the source: changing the source changed stem.0.weight",
        "目标模型不应和源模型共享内存：改动源模型后 stem.0.weight 也变了")


@check(
    "Transfer, unfreezing to stage 3 and discriminative lrs together train block2 and fc only",
    level="interview", points=2,
    hint="Each piece must act on the target's own modules: transfer in place, groups that are the "
         "model's modules, flags set on them, and param groups built from those flags.",
    title_zh="迁移权重、解冻到第 3 阶段、分层学习率三者合起来只训练 block2 和 fc",
    hint_zh="每一步都要作用在目标模型自己的模块上：原地迁移、层组就是模型的模块、标记设在它们身上、参数组按这些标记构造。",
)
def test_fine_tuning_pipeline(impl, device):
    source, target = pipeline_model(10).to(device), pipeline_model(3).to(device)
    not_copied = impl.transfer_weights(source, target)
    groups = groups_from(impl.layer_groups(target))
    impl.gradual_unfreeze(groups, 3)
    param_groups = param_groups_from(impl.discriminative_param_groups(groups, LR))
    assert_keys(not_copied, ["fc.weight", "fc.bias"])
    assert_lrs(param_groups, [LR / 2.6**2, LR])
    optimizer = torch.optim.SGD(param_groups)
    before = {k: v.detach().clone() for k, v in target.named_parameters()}
    target(models.example_input(device=device)).logsumexp(1).sum().backward()
    optimizer.step()
    moved = sorted({k.split(".")[0] for k, v in target.named_parameters() if not torch.equal(v, before[k])})
    assert moved == ["block2", "fc"], say(f"expected one SGD step to change block2 and fc only, it changed {moved}",
                                          f"一步 SGD 应只改动 block2 和 fc，实际改动了 {moved}")


@check(
    "transfer_weights from a float32 CPU source into a float64 target on another device (a GPU) "
    "keeps the target's device and dtype",
    level="interview", points=1,
    hint="A pretrained source often sits on the CPU while the target is already on the GPU: copy "
    "values into the target's own tensors (copy_ or load_state_dict), which converts device and dtype; "
    "assigning the source's tensors (load_state_dict(..., assign=True), .data =) drags them to the CPU.",
    title_zh="从 CPU 上的 float32 源模型迁移到另一设备（GPU）上的 float64 目标模型时，目标模型的设备和 dtype 保持不变",
    hint_zh="预训练的源模型常在 CPU 上，而目标模型已经在 GPU 上：把值复制进目标模型自己的张量（copy_ 或 load_state_dict），"
    "它们会自动转换设备和 dtype；直接赋上源模型的张量（load_state_dict(..., assign=True)、.data =）会把它们拖回 CPU。",
)
def test_transfer_across_devices(impl):
    source, target = transfer_pair("cpu", new_layer="batchnorm")
    elsewhere(target.double())
    with mismatch_fails("transfer_weights"):
        impl.transfer_weights(source, target)
    left = [k for k, v in target.state_dict().items() if not on_elsewhere(v)]
    assert not left, say(f"expected every target tensor on the target's device, these are now on the CPU: {left[:3]}",
                         f"目标模型的每个张量都应在它所在的设备上，这些现在在 CPU 上：{left[:3]}")
    dtypes = {k: v.dtype for k, v in target.state_dict().items() if v.is_floating_point() and v.dtype != torch.float64}
    assert not dtypes, say(f"expected the target's tensors to stay float64, got {dict(list(dtypes.items())[:3])}",
                           f"目标模型的张量应保持 float64，实际为 {dict(list(dtypes.items())[:3])}")
    got = here(target.stem[0].weight)
    assert torch.equal(got, source.stem[0].weight.detach().double()), say(
        "expected stem.0.weight copied from the source", "stem.0.weight 应从源模型复制过来")
