"""Grader for `heads`: find_head(model, example_input=None) and replace_head(model, num_outputs, ...).

Fixture models: grader.fixtures.models; tracing and layer helpers: grader.fixtures.heads_probes.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- find_head names the Linear/Conv2d producing the output (fc, classifier.6, heads.head,
  classifier.1) -> test_find_head_names_the_output_layer
- without example_input: the last one registered -> test_find_head_without_input_uses_registration_order
- with example_input: the last one to run -> test_find_head_follows_execution_order,
  test_find_head_with_input_on_standard_models; tracing moves no BatchNorm statistic ->
  test_tracing_keeps_batchnorm_statistics; and leaves no hook -> test_find_head_removes_its_hooks
- the model's train/eval mode is left as it was -> test_find_head_keeps_the_mode
- no Linear or Conv2d: ValueError -> test_find_head_rejects_models_without_a_head
- replace_head replaces find_head(model, example_input) -> test_replace_head_uses_example_input
- fresh, same kind, same input features, num_outputs -> test_replace_head_same_kind,
  test_replace_head_is_fresh, test_replace_head_output_shape
- hidden: layer, ReLU, Dropout(dropout), layer (1x1 convs for a conv head) ->
  test_hidden_head_is_an_mlp, test_hidden_head_dropout (default and given p)
- on the old head's device and dtype, trainable in a frozen model ->
  test_new_head_device_and_dtype, test_new_head_trainable_in_frozen_model, test_model_trains_through_new_head
- nothing else changes -> test_replace_head_leaves_the_rest_untouched
- in place, same object returned -> test_replace_head_returns_same_object
- num_outputs < 1 or hidden < 1: ValueError; 1 is valid -> test_replace_head_rejects_bad_sizes,
  test_replace_head_accepts_smallest_sizes
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from grader.authoring.checks import assert_exact_type, check, say
from grader.authoring.devices import elsewhere, mismatch_fails, on_elsewhere
from grader.fixtures import models
from grader.fixtures.heads_probes import (
    assert_output_shape, assert_same_kind, describe, example_input, global_hook_count, head_layers, hook_count, in_out,
    kwargs_for, outside, run, submodule, trace_layers,
)

NUM_OUTPUTS = 3


@pytest.fixture(scope="module")
def zoo():
    """`make(name, device, dtype)`: a fresh copy of a fixture model, in train mode."""

    def make(name: str, device, dtype=torch.float32) -> nn.Module:
        return models.clone(models.prototype(name)).to(device=device, dtype=dtype)

    return make


# --- find_head ---------------------------------------------------------------------------


def assert_path(path, expected: str, why: str = "", why_zh: str = "") -> None:
    assert_exact_type(path, str, "find_head's result")
    assert path == expected, say(f"expected {expected!r}{why}, got {path!r}", f"应为 {expected!r}{why_zh}，实际为 {path!r}")


@check(
    "find_head names the Linear or 1x1 Conv2d head of torchvision and nested models",
    level="basic", points=1,
    hint="Walk model.named_modules() and keep the last Linear or Conv2d; its name is already the dotted path.",
    title_zh="find_head 给出 torchvision 模型和嵌套模型中作为分类头的 Linear 或 1x1 Conv2d 的名字",
    hint_zh="遍历 model.named_modules()，保留最后一个 Linear 或 Conv2d；它的名字本身就是点分路径。",
)
@pytest.mark.parametrize("arch", [a for a in models.BUILDERS if a != "head_first"])
def test_find_head_names_the_output_layer(impl, device, zoo, arch):
    assert_path(impl.find_head(zoo(arch, device)), models.HEAD_PATHS[arch], f" for {arch}", f"（{arch}）")


@check(
    "find_head with an example input returns the last layer to run, not the last registered",
    level="interview", points=3,
    hint="Registration order is not execution order: record which Linear/Conv2d layers run during a forward "
    "pass (forward hooks) and take the last one that ran.",
    title_zh="给了示例输入时，find_head 返回最后运行的层，而不是最后注册的层",
    hint_zh="注册顺序不等于执行顺序：用前向钩子记下一次前向传播中运行了哪些 Linear/Conv2d 层，取最后运行的那个。",
)
def test_find_head_follows_execution_order(impl, device, zoo):
    assert_path(impl.find_head(zoo("head_first", device), example_input(device)), "classifier",
                " (it runs last although 'features.proj' is registered after it)",
                "（它最后运行，尽管 'features.proj' 注册在它之后）")


@check(
    "find_head with an example input also finds the head of standard models",
    level="interview", points=1,
    hint="Of the layers that ran, the head is the one that ran last; MultiheadAttention's out_proj never "
    "runs as a module.",
    title_zh="给了示例输入时，find_head 也能找到标准模型的分类头",
    hint_zh="在运行过的层里，分类头是最后运行的那个；MultiheadAttention 的 out_proj 从不作为模块被调用。",
)
@pytest.mark.parametrize("arch", ["squeezenet1_1", "tiny_vit", "nested_head", "group_norm"])
def test_find_head_with_input_on_standard_models(impl, device, zoo, arch):
    path = impl.find_head(zoo(arch, device), example_input(device))
    assert_path(path, models.HEAD_PATHS[arch], f" for {arch}", f"（{arch}）")


@check(
    "find_head without an example input returns the last Linear or Conv2d registered",
    level="interview", points=2,
    hint="Without an input there is nothing to trace: the contract is the last Linear/Conv2d in registration "
    "order, whatever its name.",
    title_zh="没有示例输入时，find_head 返回最后注册的 Linear 或 Conv2d",
    hint_zh="没有输入就没法追踪：约定是按注册顺序取最后一个 Linear/Conv2d，不管它叫什么名字。",
)
def test_find_head_without_input_uses_registration_order(impl, device, zoo):
    assert_path(impl.find_head(zoo("head_first", device)), "features.proj",
                " (the last Linear registered in HeadFirstNet)", "（HeadFirstNet 中最后注册的 Linear）")


@check(
    "find_head raises ValueError when the model has no Linear or Conv2d layer",
    level="basic", points=1,
    hint="Check that you found at least one candidate before returning, and raise ValueError otherwise.",
    title_zh="模型里没有 Linear 或 Conv2d 层时，find_head 抛出 ValueError",
    hint_zh="返回之前先确认至少找到了一个候选层，否则抛出 ValueError。",
)
@pytest.mark.parametrize("with_input", [False, True], ids=["no-input", "with-input"])
def test_find_head_rejects_models_without_a_head(impl, device, with_input):
    model = nn.Sequential(nn.BatchNorm2d(3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()).to(device)
    args = (example_input(device),) if with_input else ()
    with pytest.raises(ValueError):
        impl.find_head(model, *args)


@check(
    "find_head leaves the model in the train/eval mode it was in",
    level="interview", points=2,
    hint="If you switch to eval mode to trace, remember each module's mode first and restore it afterwards, "
    "also when the forward pass raises.",
    title_zh="find_head 让模型保持原来的训练/评估模式",
    hint_zh="如果为了追踪切换到评估模式，先记下每个模块原来的模式，之后再恢复，前向传播抛异常时也要恢复。",
)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_find_head_keeps_the_mode(impl, device, zoo, mode):
    model = zoo("head_first", device).train(mode == "train")
    impl.find_head(model, example_input(device))
    changed = [name or "<model>" for name, m in model.named_modules() if m.training != (mode == "train")]
    assert not changed, say(f"expected every module to stay in {mode} mode, found {len(changed)} changed (e.g. {changed[:3]})",
                            f"每个模块都应保持 {mode} 模式，实际有 {len(changed)} 个变了（例如 {changed[:3]}）")


@check(
    "find_head leaves no forward hooks behind on the model",
    level="expert", points=1,
    hint="register_forward_hook returns a handle: call handle.remove() on every one, in a finally block.",
    title_zh="find_head 不在模型上留下任何前向钩子",
    hint_zh="register_forward_hook 会返回一个句柄：在 finally 块里对每个句柄调用 handle.remove()。",
)
def test_find_head_removes_its_hooks(impl, device, zoo):
    model = zoo("head_first", device)
    before_global = global_hook_count()
    impl.find_head(model, example_input(device))
    left = hook_count(model) + global_hook_count() - before_global
    assert left == 0, say(f"expected no hooks left after find_head, found {left}", f"find_head 之后不应留下钩子，实际留下 {left} 个")


# --- replace_head ------------------------------------------------------------------------


@check(
    "replace_head makes model(x) output shape (N, num_outputs)",
    level="basic", points=1,
    hint="Replace the module at the head's dotted path on its parent (setattr(parent, last_name, new)); "
    "a conv head needs a conv replacement.",
    title_zh="replace_head 之后 model(x) 的输出形状为 (N, num_outputs)",
    hint_zh="在父模块上替换分类头点分路径处的模块（setattr(parent, last_name, new)）；卷积分类头要换成卷积层。",
)
@pytest.mark.parametrize("arch", list(models.BUILDERS))
def test_replace_head_output_shape(impl, device, zoo, arch):
    model = zoo(arch, device)
    impl.replace_head(model, NUM_OUTPUTS, **kwargs_for(arch, device))
    assert_output_shape(run(model, example_input(device)), 2, NUM_OUTPUTS)


@check(
    "replace_head puts a layer of the same kind at the head's path, with the same input features",
    level="basic", points=1,
    hint="Read in_features (Linear) or in_channels (Conv2d) from the old head and build a Linear or a "
    "kernel_size=1 Conv2d from it.",
    title_zh="replace_head 在分类头的路径上放一个同类型、输入特征数相同的层",
    hint_zh="从旧分类头读出 in_features（Linear）或 in_channels（Conv2d），据此新建一个 Linear 或 kernel_size=1 的 Conv2d。",
)
@pytest.mark.parametrize("arch", ["resnet18", "squeezenet1_1", "tiny_vit", "nested_head"])
def test_replace_head_same_kind(impl, device, zoo, arch):
    model = zoo(arch, device)
    path = models.HEAD_PATHS[arch]
    old = model.get_submodule(path)
    impl.replace_head(model, NUM_OUTPUTS)
    new = submodule(model, path)
    assert_same_kind(new, old, f"the new head at {path!r}", f"{path!r} 处的新分类头")
    expected = (in_out(old)[0], NUM_OUTPUTS)
    assert in_out(new) == expected, say(f"expected the new head to map {expected[0]} -> {expected[1]}, got {describe(new)}",
                                        f"新分类头应把 {expected[0]} 映射到 {expected[1]}，实际为 {describe(new)}")


@check(
    "replace_head initialises the new head afresh instead of reusing the old weights",
    level="interview", points=2,
    hint="Build a new layer even when the old one already has num_outputs outputs; do not copy or slice the "
    "old head's weights.",
    title_zh="replace_head 重新初始化新分类头，而不是沿用旧权重",
    hint_zh="即使旧层已经有 num_outputs 个输出，也要新建一层；不要复制或切片旧分类头的权重。",
)
@pytest.mark.parametrize("arch,num_outputs", [("resnet18", 5), ("squeezenet1_1", 3)])
def test_replace_head_is_fresh(impl, device, zoo, arch, num_outputs):
    model = zoo(arch, device)
    path = models.HEAD_PATHS[arch]
    with torch.no_grad():
        old_weight = model.get_submodule(path).weight.uniform_(0.5, 1.0).clone()
    impl.replace_head(model, num_outputs)
    new = submodule(model, path)
    weight = getattr(new, "weight", None)
    want, got = tuple(old_weight[:num_outputs].shape), None if weight is None else tuple(weight.shape)
    assert isinstance(weight, torch.Tensor) and got == want, say(
        f"expected the new head's weight to have shape {want}, got {got}", f"新分类头的权重形状应为 {want}，实际为 {got}")
    reused = (weight.detach() == old_weight[:num_outputs]).float().mean().item()
    assert reused < 0.5, say(f"expected fresh weights, but {reused:.0%} of them equal the old head's weights",
                             f"权重应重新初始化，但有 {reused:.0%} 与旧分类头的权重相同")


@check(
    "replace_head returns the same model object, changed in place",
    level="basic", points=1,
    hint="Modify the model you were given and return it; do not deep-copy it.",
    title_zh="replace_head 原地修改并返回同一个模型对象",
    hint_zh="修改传入的模型并把它返回，不要深拷贝。",
)
def test_replace_head_returns_same_object(impl, device, zoo):
    model = zoo("resnet18", device)
    old = model.fc
    result = impl.replace_head(model, NUM_OUTPUTS)
    assert result is model, say(f"expected replace_head to return the model it was given, got another {type(result).__name__}",
                                f"replace_head 应返回传入的模型，实际返回了另一个 {type(result).__name__}")
    assert model.fc is not old, say("expected the model's own 'fc' to be replaced, but it is still the old layer",
                                    "模型自己的 'fc' 应被替换，但它仍是原来的层")


@check(
    "replace_head leaves every other parameter, buffer, requires_grad flag and mode untouched",
    level="interview", points=3,
    hint="Only the head changes: do not toggle requires_grad on the whole model, re-initialise other layers, "
    "or call model.train()/eval().",
    title_zh="replace_head 不改动其他任何参数、缓冲区、requires_grad 标记和模式",
    hint_zh="只有分类头会变：不要对整个模型切换 requires_grad，不要重新初始化其他层，也不要调用 model.train()/eval()。",
)
def test_replace_head_leaves_the_rest_untouched(impl, device, zoo):
    model = zoo("vgg11_bn", device)
    for name, p in model.named_parameters():
        p.requires_grad_(not name.startswith(("features.0.", "features.1.", "classifier.0.")))
    model.features.eval()
    path = models.HEAD_PATHS["vgg11_bn"]
    state = {k: v.clone() for k, v in model.state_dict().items() if outside(path, k)}
    flags = {k: p.requires_grad for k, p in model.named_parameters() if outside(path, k)}
    modes = {k: m.training for k, m in model.named_modules() if outside(path, k)}
    impl.replace_head(model, NUM_OUTPUTS, hidden=8)
    now = model.state_dict()
    changed = [k for k, v in state.items() if k not in now or not torch.equal(now[k], v)]
    assert not changed, say(f"expected parameters and buffers outside the head to stay unchanged; changed: {changed[:3]}",
                            f"分类头之外的参数和缓冲区应保持不变；变了的有：{changed[:3]}")
    now_flags = dict(model.named_parameters())
    flipped = [k for k, flag in flags.items() if k not in now_flags or now_flags[k].requires_grad != flag]
    assert not flipped, say(f"expected requires_grad outside the head to stay as it was; changed: {flipped[:3]}",
                            f"分类头之外的 requires_grad 应保持原样；变了的有：{flipped[:3]}")
    now_modes = dict(model.named_modules())
    moved = [k or "<model>" for k, mode in modes.items() if k not in now_modes or now_modes[k].training != mode]
    assert not moved, say(f"expected train/eval modes outside the head to stay as they were; changed: {moved[:3]}",
                          f"分类头之外的训练/评估模式应保持原样；变了的有：{moved[:3]}")


@check(
    "Tracing with an example input does not update BatchNorm running statistics",
    level="expert", points=3, hidden=True,
    hint="A forward pass in train mode updates BatchNorm running_mean, running_var and num_batches_tracked; "
    "trace in eval mode (then restore the mode) so no buffer moves.",
    title_zh="用示例输入追踪时不会更新 BatchNorm 的运行统计量",
    hint_zh="训练模式下的前向传播会更新 BatchNorm 的 running_mean、running_var 和 num_batches_tracked；"
    "在评估模式下追踪（之后恢复原模式），缓冲区就不会变。",
)
def test_tracing_keeps_batchnorm_statistics(impl, device, zoo):
    model = zoo("head_first", device).train()
    buffers = {k: b.clone() for k, b in model.named_buffers()}
    impl.replace_head(model, NUM_OUTPUTS, example_input=example_input(device))
    now = dict(model.named_buffers())
    moved = [k for k, b in buffers.items() if k not in now or not torch.equal(now[k], b)]
    assert not moved, say(f"expected BatchNorm buffers to be untouched by tracing; changed: {moved}",
                          f"追踪不应改动 BatchNorm 的缓冲区；变了的有：{moved}")
    assert model.training and model.features.bn.training, say("expected the model to stay in train mode after tracing",
                                                              "追踪之后模型应保持训练模式")


@check(
    "The new head is trainable even in a frozen model, and the backbone stays frozen",
    level="interview", points=2,
    hint="Make sure the new head's parameters have requires_grad=True, without touching anyone else's flags.",
    title_zh="即使模型已被冻结，新分类头也可训练，骨干网络保持冻结",
    hint_zh="确保新分类头的参数 requires_grad=True，同时不要动其他参数的标记。",
)
@pytest.mark.parametrize("hidden", [None, 8], ids=["linear", "mlp"])
def test_new_head_trainable_in_frozen_model(impl, device, zoo, hidden):
    model = zoo("nested_head", device).requires_grad_(False)
    path = models.HEAD_PATHS["nested_head"]
    impl.replace_head(model, NUM_OUTPUTS, hidden=hidden)
    head = dict(submodule(model, path).named_parameters())
    assert head, say(f"expected the new head at {path!r} to have parameters, found none",
                     f"{path!r} 处的新分类头应有参数，实际一个也没有")
    frozen = [k for k, p in head.items() if not p.requires_grad]
    assert not frozen, say(f"expected every parameter of the new head to be trainable; frozen: {frozen}",
                           f"新分类头的每个参数都应可训练；被冻结的有：{frozen}")
    thawed = [k for k, p in model.named_parameters() if outside(path, k) and p.requires_grad]
    assert not thawed, say(f"expected the frozen backbone to stay frozen; now trainable: {thawed[:3]}",
                           f"被冻结的骨干网络应保持冻结；现在可训练的有：{thawed[:3]}")


@check(
    "The new head is created on the old head's device and dtype",
    level="expert", points=2,
    hint="nn.Linear and nn.Conv2d accept device= and dtype=; take both from the old head's weight.",
    title_zh="新分类头建在旧分类头所在的设备上，dtype 也相同",
    hint_zh="nn.Linear 和 nn.Conv2d 都接受 device= 和 dtype=；两者都从旧分类头的权重上取。",
)
@pytest.mark.parametrize(
    "arch,hidden", [("nested_head", None), ("squeezenet1_1", 8)], ids=["linear", "conv-mlp"]
)
def test_new_head_device_and_dtype(impl, device, zoo, arch, hidden):
    model = zoo(arch, device, torch.float64)
    path = models.HEAD_PATHS[arch]
    impl.replace_head(model, NUM_OUTPUTS, hidden=hidden)
    wrong = [
        f"{k} ({p.dtype}, {p.device})"
        for k, p in submodule(model, path).named_parameters()
        if p.dtype != torch.float64 or p.device.type != device.type
    ]
    assert not wrong, say(f"expected the new head on {device.type} in torch.float64 like the old one; got {wrong[:3]}",
                          f"新分类头应像旧的一样在 {device.type} 上、dtype 为 torch.float64；实际为 {wrong[:3]}")
    assert_output_shape(run(model, example_input(device, torch.float64)), 2, NUM_OUTPUTS)


@check(
    "replace_head raises ValueError for num_outputs < 1 or hidden < 1",
    level="basic", points=1,
    hint="nn.Linear happily builds a layer with 0 outputs: validate num_outputs, and hidden when it is not None "
    "(hidden=0 is not 'no hidden layer').",
    title_zh="num_outputs < 1 或 hidden < 1 时 replace_head 抛出 ValueError",
    hint_zh="nn.Linear 会毫无怨言地建出 0 个输出的层：要校验 num_outputs，hidden 不为 None 时也要校验"
    "（hidden=0 并不表示“没有隐藏层”）。",
)
@pytest.mark.parametrize(
    "num_outputs,hidden",
    [(0, None), (-2, None), (3, 0), (3, -4)],
    ids=["outputs=0", "outputs=-2", "hidden=0", "hidden=-4"],
)
def test_replace_head_rejects_bad_sizes(impl, device, zoo, num_outputs, hidden):
    model = zoo("nested_head", device)
    with pytest.raises(ValueError):
        impl.replace_head(model, num_outputs, hidden=hidden)


@check(
    "replace_head accepts the smallest valid sizes: num_outputs=1 and hidden=1",
    level="basic", points=1,
    hint="The bounds are num_outputs >= 1 and hidden >= 1: a single output (a regression head) and a "
    "one-unit hidden layer are valid.",
    title_zh="replace_head 接受最小的合法尺寸：num_outputs=1 和 hidden=1",
    hint_zh="边界是 num_outputs >= 1 和 hidden >= 1：单个输出（回归头）和只有一个单元的隐藏层都是合法的。",
)
@pytest.mark.parametrize("arch", ["nested_head", "squeezenet1_1"], ids=["linear", "conv"])
def test_replace_head_accepts_smallest_sizes(impl, device, zoo, arch):
    for hidden in (None, 1):
        model = zoo(arch, device)
        try:
            impl.replace_head(model, 1, hidden=hidden)
        except ValueError as exc:
            raise AssertionError(say(f"replace_head(model, 1, hidden={hidden}) should be accepted, it raised ValueError: {exc}",
                                     f"replace_head(model, 1, hidden={hidden}) 应被接受，实际抛出了 ValueError: {exc}")) from None
        assert_output_shape(run(model, example_input(device)), 2, 1)


@check(
    "replace_head with an example input replaces the layer that runs last",
    level="interview", points=2,
    hint="Pass example_input on to find_head, so the traced head is the one replaced.",
    title_zh="给了示例输入时，replace_head 替换最后运行的那一层",
    hint_zh="把 example_input 传给 find_head，这样被替换的就是追踪出来的分类头。",
)
def test_replace_head_uses_example_input(impl, device, zoo):
    model = zoo("head_first", device)
    proj = model.features.proj.weight.detach().clone()
    impl.replace_head(model, NUM_OUTPUTS, example_input=example_input(device))
    assert_output_shape(run(model, example_input(device)), 2, NUM_OUTPUTS)
    new = submodule(model, "classifier")
    assert isinstance(new, nn.Linear) and in_out(new) == (16, NUM_OUTPUTS), say(
        f"expected 'classifier' to become Linear(16, {NUM_OUTPUTS}), got {describe(new)}",
        f"'classifier' 应变成 Linear(16, {NUM_OUTPUTS})，实际为 {describe(new)}")
    kept = model.features.proj
    assert isinstance(kept, nn.Linear) and torch.equal(kept.weight, proj), say(
        "expected 'features.proj' to be left as it was", "'features.proj' 应保持原样")


@check(
    "With hidden, the head is an MLP: layer to hidden units, ReLU, layer to num_outputs",
    level="interview", points=2,
    hint="Two layers of the head's kind (1x1 convs for a conv head) with a ReLU between them: "
    "in_features -> hidden -> num_outputs.",
    title_zh="给了 hidden 时分类头是一个 MLP：一层映射到 hidden 个单元，ReLU，再一层映射到 num_outputs",
    hint_zh="两层与分类头同类型的层（卷积分类头就用 1x1 卷积），中间夹一个 ReLU：in_features -> hidden -> num_outputs。",
)
@pytest.mark.parametrize("arch", ["nested_head", "squeezenet1_1"], ids=["linear", "conv"])
def test_hidden_head_is_an_mlp(impl, device, zoo, arch):
    hidden = 16
    model = zoo(arch, device)
    path = models.HEAD_PATHS[arch]
    old = model.get_submodule(path)
    impl.replace_head(model, NUM_OUTPUTS, hidden=hidden)
    layers = head_layers(submodule(model, path))
    found = [describe(m) for m in layers]
    assert len(layers) == 2, say(f"expected the head at {path!r} to hold two layers, found {len(layers)}: {found}",
                                 f"{path!r} 处的分类头应包含两层，实际有 {len(layers)} 层：{found}")
    for layer in layers:
        assert_same_kind(layer, old, "each MLP layer", "MLP 的每一层")
    model.eval()
    calls = trace_layers(model, example_input(device), layers)
    assert len(calls) == 2 and calls[0][0] is not calls[1][0], say(
        f"expected each MLP layer to run once, got {len(calls)} calls", f"MLP 的每一层应各运行一次，实际调用了 {len(calls)} 次")
    (first, _, first_out), (second, second_in, _) = calls
    expected = [(in_out(old)[0], hidden), (hidden, NUM_OUTPUTS)]
    assert [in_out(first), in_out(second)] == expected, say(
        f"expected layers mapping {expected[0]} then {expected[1]}, got {describe(first)} then {describe(second)}",
        f"两层应先映射 {expected[0]}、再映射 {expected[1]}，实际为 {describe(first)} 和 {describe(second)}",
    )
    gap = (second_in - torch.relu(first_out)).abs().max().item()
    assert gap < 1e-5, say(
        f"expected the second layer's input to be ReLU(first layer's output) in eval mode; max difference {gap:.3g}",
        f"评估模式下第二层的输入应为 ReLU(第一层的输出)；最大差 {gap:.3g}",
    )


@check(
    "With hidden, Dropout(dropout) acts between the two layers in train mode and is the identity in eval mode",
    level="expert", points=3,
    hint="nn.Dropout(dropout) between the ReLU and the last layer: it zeroes a fraction `dropout` of the hidden "
    "units in train mode, scales the rest by 1/(1-p), and does nothing in eval mode.",
    title_zh="给了 hidden 时，Dropout(dropout) 在训练模式下作用于两层之间，在评估模式下是恒等映射",
    hint_zh="在 ReLU 和最后一层之间放 nn.Dropout(dropout)：训练模式下它把比例为 dropout 的隐藏单元置零，"
    "其余乘以 1/(1-p)；评估模式下什么也不做。",
)
@pytest.mark.parametrize("dropout", [None, 0.3], ids=["default", "p=0.3"])
def test_hidden_head_dropout(impl, device, zoo, dropout):
    model = zoo("nested_head", device)
    path = models.HEAD_PATHS["nested_head"]
    kwargs = {} if dropout is None else {"dropout": dropout}
    impl.replace_head(model, NUM_OUTPUTS, hidden=256, **kwargs)
    layers = head_layers(submodule(model, path))
    assert len(layers) == 2, say(f"expected the MLP head to hold two layers, found {len(layers)}",
                                 f"MLP 分类头应包含两层，实际有 {len(layers)} 层")
    x = example_input(device, batch=16)
    for mode in ("train", "eval"):
        calls = trace_layers(model.train(mode == "train"), x, layers)
        assert len(calls) == 2, say(f"expected each MLP layer to run once in {mode} mode, got {len(calls)} calls",
                                    f"{mode} 模式下 MLP 的每一层应各运行一次，实际调用了 {len(calls)} 次")
        active = torch.relu(calls[0][2])
        between = calls[1][1]
        p = dropout if mode == "train" and dropout else 0.0
        assert between.shape == active.shape, say(
            f"expected {tuple(active.shape)} hidden units between the layers, got {tuple(between.shape)}",
            f"两层之间应有 {tuple(active.shape)} 个隐藏单元，实际为 {tuple(between.shape)}")
        positive = active > 0
        share = positive.float().mean().item()
        assert share > 0.05, say(f"expected a fresh MLP to have active hidden units, {share:.0%} are > 0",
                                 f"新建的 MLP 应有激活的隐藏单元，实际只有 {share:.0%} 大于 0")
        dropped = ((between == 0) & positive).sum().item() / max(positive.sum().item(), 1)
        assert abs(dropped - p) < 0.06, say(
            f"expected dropout to zero about {p:.0%} of the hidden units in {mode} mode, it zeroed {dropped:.0%}",
            f"{mode} 模式下 dropout 应把约 {p:.0%} 的隐藏单元置零，实际置零了 {dropped:.0%}")
        kept = (between != 0) | ~positive
        gap = (between[kept] - active[kept] / (1 - p)).abs().max().item()
        assert gap < 1e-4, say(
            f"expected the surviving hidden units to be ReLU outputs scaled by 1/(1-{p}), max difference {gap:.3g}",
            f"保留下来的隐藏单元应是乘以 1/(1-{p}) 的 ReLU 输出，最大差 {gap:.3g}")


@check(
    "The model trains through the new head",
    level="interview", points=2,
    hint="Initialise the new head so gradients reach it (an all-zero MLP never learns) and make its "
    "parameters trainable.",
    title_zh="模型能通过新分类头训练",
    hint_zh="初始化新分类头时要让梯度能传到它（全零初始化的 MLP 永远学不会），并让它的参数可训练。",
)
@pytest.mark.parametrize("hidden", [None, 16], ids=["linear", "mlp"])
def test_model_trains_through_new_head(impl, device, zoo, hidden):
    model = zoo("nested_head", device)
    path = models.HEAD_PATHS["nested_head"]
    impl.replace_head(model, NUM_OUTPUTS, hidden=hidden)
    params = [p for p in submodule(model, path).parameters() if p.requires_grad]
    assert params, say(f"expected the new head at {path!r} to have trainable parameters, found none",
                       f"{path!r} 处的新分类头应有可训练参数，实际一个也没有")
    model.eval()
    sign = torch.tensor([1.0, 1.0, -1.0, -1.0])
    x = (sign.view(4, 1, 1, 1) * torch.ones(4, 3, 8, 8)).to(device)
    y = torch.tensor([0, 0, 2, 2], device=device)
    assert_output_shape(run(model, x), 4, NUM_OUTPUTS)
    optimizer = torch.optim.Adam(params, lr=0.05)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5, say(
        "expected 30 steps of training the head alone to separate two input classes (a bias alone cannot get "
        f"below {math.log(2):.2f}), loss went {losses[0]:.3f} -> {losses[-1]:.3f}",
        f"只训练分类头 30 步应能分开两类输入（只靠偏置降不到 {math.log(2):.2f} 以下），"
        f"损失实际从 {losses[0]:.3f} 变到 {losses[-1]:.3f}",
    )


@check(
    "On a model of another device (a GPU), the new head is on that device and the model runs",
    level="interview", points=1,
    hint="Build the new layers with device= (and dtype=) of the old head's weight, or move them there "
    "(.to(device), or p.data = p.data.to(device)); a layer left on the CPU makes the GPU model's forward pass raise.",
    title_zh="模型在另一设备（GPU）上时，新分类头也在该设备上，模型能正常运行",
    hint_zh="新建层时传入旧分类头权重的 device=（和 dtype=），或者把它们移过去（.to(device)，或 p.data = p.data.to(device)）；"
    "留在 CPU 上的层会让 GPU 模型的前向传播报错。",
)
@pytest.mark.parametrize("arch,hidden", [("head_first", None), ("squeezenet1_1", 8)], ids=["linear", "conv-mlp"])
def test_new_head_follows_another_device(impl, zoo, arch, hidden):
    model, x = elsewhere(zoo(arch, "cpu")), elsewhere(example_input("cpu"))
    with mismatch_fails("replace_head"):
        impl.replace_head(model, NUM_OUTPUTS, hidden=hidden, example_input=x)
        on_cpu = [k for k, p in model.named_parameters() if not on_elsewhere(p)]
        assert not on_cpu, say(f"expected the new head on the model's device; these are on the CPU: {on_cpu[:3]}",
                               f"新分类头应在模型所在的设备上；留在 CPU 上的有：{on_cpu[:3]}")
        assert_output_shape(model.eval()(x), 2, NUM_OUTPUTS)
