"""Grader for prior_knowledge (Q5): the L2-SP penalty, pretrained weights as a prior.
Fixture models and the reference value: grader.fixtures.prior_knowledge_models.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- alpha/2 sum ||w - w0||^2 outside `head` with an entry, beta/2 sum ||w||^2 for the rest ->
  test_value, test_alpha_and_beta_separate, test_new_layers_get_beta; defaults 0.01 ->
  test_defaults; every parameter, trainable or frozen -> test_frozen_parameters_count
- the head never pulled to w0, "fc" is not "fc2" -> test_head_not_pulled_to_pretrained,
  test_head_path_whole_names
- matched by name; a full state_dict; buffers not penalised -> test_matched_by_name,
  test_buffers_not_penalised
- sums, not means -> test_value
- a 0-dim tensor on the model's device, differentiable -> test_returns_scalar_tensor,
  test_penalty_follows_the_model_device (another device, grader/authoring/devices.py); gradient
  alpha (w - w0) and beta w -> test_gradient, test_descent_pulls_toward_prior
- alpha term zero at the pretrained point -> test_zero_at_pretrained_point
- pretrained_state only read, no gradient, even when it shares memory -> test_pretrained_state_untouched
"""

from __future__ import annotations

import pytest
import torch

from grader.authoring.checks import check, say
from grader.authoring.devices import assert_elsewhere, call_elsewhere, here
from grader.fixtures import models
from grader.fixtures.prior_knowledge_models import (
    AdapterNet, Classifier60Net, PrefixNet, assert_penalty, assert_value, bn_net, in_head, penalty, perturb,
    pretrained_pair, reference, scalar, snapshot,
)

ALPHA, BETA = 0.3, 0.7
NOT_DIFFERENTIABLE = "expected a penalty that requires grad (a function of the parameters), got a constant"
NOT_DIFFERENTIABLE_ZH = "惩罚项应需要梯度（是参数的函数），实际是个常量"


# ---------------------------------------------------------------- checks


@check(
    "Returns a 0-dim tensor on the model's device, connected to the parameters",
    level="basic", points=1,
    hint="Build the penalty from the parameters with torch operations and return the tensor "
         "itself (no .item(), no float(), no torch.tensor(...) around a result).",
    title_zh="返回模型所在设备上的 0 维张量，并与参数相连（可求导）",
    hint_zh="用 torch 运算从参数算出惩罚项，直接返回这个张量（不要 .item()、float()，也不要把结果包进 torch.tensor(...)）。",
)
def test_returns_scalar_tensor(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    result = penalty(impl, model, pretrained, head)
    scalar(result)
    assert result.device.type == device.type, say(f"expected the penalty on {device}, got it on {result.device}",
                                                  f"惩罚项应在 {device} 上，实际在 {result.device} 上")
    assert result.requires_grad, say(NOT_DIFFERENTIABLE, NOT_DIFFERENTIABLE_ZH)


@pytest.mark.parametrize("arch", ["squeezenet1_1", "tiny_vit", "nested_head"])
@check(
    "Equals alpha/2 * sum ||w - w0||^2 over the backbone plus beta/2 * sum ||w||^2 over the rest",
    level="basic", points=1,
    hint="Squared L2 distances, summed over every element (not averaged), each term with its "
         "factor 1/2; every parameter of named_parameters() counts, including ones registered "
         "directly on a module such as a ViT's class_token.",
    title_zh="值等于骨干网络上的 alpha/2 * sum ||w - w0||^2 加上其余参数的 beta/2 * sum ||w||^2",
    hint_zh="用 L2 距离的平方，对所有元素求和（不是求平均），每项带上系数 1/2；named_parameters() 中的每个参数都算，"
    "包括直接注册在模块上的参数，比如 ViT 的 class_token。",
)
def test_value(impl, device, arch):
    model, pretrained, head = pretrained_pair(arch, device)
    assert_penalty(impl, model, pretrained, head, say(f"{arch}, head {head!r}: ", f"{arch}，分类头 {head!r}："),
                   alpha=ALPHA, beta=BETA)


@check(
    "The alpha term is zero at the pretrained point",
    level="basic", points=1,
    hint="The prior is centred on the pretrained weights: a backbone that still holds w0 costs nothing.",
    title_zh="在预训练权重处 alpha 项为零",
    hint_zh="先验以预训练权重为中心：仍停在 w0 的骨干网络不产生任何惩罚。",
)
def test_zero_at_pretrained_point(impl, device):
    model = models.build("nested_head").to(device)
    pretrained = snapshot(model)
    result = penalty(impl, model, pretrained, "net.head.fc", alpha=1.0, beta=0.0)
    got = scalar(result)
    assert abs(got) < 1e-8, say(f"expected 0 for a model at its pretrained weights with beta=0, got {got:.6g}",
                                f"模型停在预训练权重且 beta=0 时应为 0，实际为 {got:.6g}")
    assert_penalty(impl, model, pretrained, "net.head.fc", say("at the pretrained point: ", "在预训练权重处："),
                   alpha=1.0, beta=BETA)


@check(
    "The head is pulled toward zero, not toward pretrained weights stored under its name",
    level="interview", points=2,
    hint="The source task's head answers another question; it gets the beta term (plain weight "
         "decay) even when pretrained_state holds tensors for it.",
    title_zh="分类头被拉向零，而不是拉向以它的名字保存的预训练权重",
    hint_zh="源任务的分类头回答的是另一个问题；即使 pretrained_state 里有它的张量，它也只受 beta 项（普通的权重衰减）约束。",
)
def test_head_not_pulled_to_pretrained(impl, device):
    model = models.build("squeezenet1_1").to(device)
    head = models.HEAD_PATHS["squeezenet1_1"]
    pretrained = snapshot(model)
    perturb(model, only=head, scale=0.5)
    got = scalar(penalty(impl, model, pretrained, head, alpha=1.0, beta=0.0))
    assert abs(got) < 1e-6, say(
        f"expected 0 with beta=0 when only the head moved away from pretrained_state['{head}.*'], "
        f"got {got:.6g}: the head seems pulled toward its pretrained weights",
        f"只有分类头偏离了 pretrained_state['{head}.*'] 且 beta=0 时应为 0，实际为 {got:.6g}：分类头似乎被拉向了它的预训练权重",
    )
    assert_penalty(impl, model, pretrained, head, say("head moved, beta > 0: ", "分类头已偏离、beta > 0 时："),
                   alpha=1.0, beta=BETA)


@check(
    "A layer without an entry in pretrained_state gets the beta term; extra entries are ignored",
    level="interview", points=2,
    hint="Look each parameter up by name: no w0 means a new layer, decayed toward zero like the "
         "head. Entries the model does not have play no part.",
    title_zh="在 pretrained_state 里没有条目的层受 beta 项约束；多余的条目被忽略",
    hint_zh="按名字查找每个参数：找不到 w0 就是新层，像分类头一样衰减到零。模型里没有的条目不参与计算。",
)
def test_new_layers_get_beta(impl, device):
    model = AdapterNet().to(device)
    pretrained = {k: v for k, v in snapshot(model).items() if not k.startswith("adapter.")}
    pretrained["old_head.weight"] = torch.randn(10, 8, device=device)
    perturb(model)
    assert_penalty(impl, model, pretrained, "fc", say("with a new layer 'adapter': ", "有新层 'adapter' 时："),
                   alpha=ALPHA, beta=BETA)


@check(
    "alpha weights only the pull toward w0 and beta only the decay of the other parameters",
    level="interview", points=2,
    hint="alpha belongs to the parameters that have a pretrained value, beta to the head and new layers.",
    title_zh="alpha 只作用于拉向 w0 的那一项，beta 只作用于其余参数的衰减",
    hint_zh="alpha 属于有预训练值的参数，beta 属于分类头和新层。",
)
def test_alpha_and_beta_separate(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    for alpha, beta in ((ALPHA, 0.0), (0.0, BETA)):
        where = say(f"alpha={alpha}, beta={beta}: ", f"alpha={alpha}、beta={beta} 时：")
        assert_penalty(impl, model, pretrained, head, where, alpha=alpha, beta=beta)


@check(
    "The default alpha and beta are 0.01",
    level="basic", points=1,
    hint="Keep the signature's defaults: alpha=0.01, beta=0.01.",
    title_zh="alpha 和 beta 的默认值都是 0.01",
    hint_zh="保留函数签名里的默认值：alpha=0.01，beta=0.01。",
)
def test_defaults(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    assert_penalty(impl, model, pretrained, head, say("with the defaults (0.01, 0.01): ", "使用默认值 (0.01, 0.01) 时："))


@check(
    "The gradient is alpha * (w - w0) on the backbone and beta * w on the head",
    level="interview", points=2,
    hint="d/dw of alpha/2 * ||w - w0||^2 is alpha * (w - w0): a missing 1/2 doubles it, an L1 "
         "norm gives only signs, and a penalty built outside autograd gives nothing.",
    title_zh="骨干网络上的梯度是 alpha * (w - w0)，分类头上的梯度是 beta * w",
    hint_zh="alpha/2 * ||w - w0||^2 对 w 的导数是 alpha * (w - w0)：漏了 1/2 梯度就翻倍，用 L1 范数只剩符号，"
    "在 autograd 之外算的惩罚项则根本没有梯度。",
)
def test_gradient(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    w0 = {k: v.clone() for k, v in pretrained.items()}
    result = penalty(impl, model, pretrained, head, alpha=ALPHA, beta=BETA)
    scalar(result)
    assert result.requires_grad, say(NOT_DIFFERENTIABLE, NOT_DIFFERENTIABLE_ZH)
    result.backward()
    for name, w in model.named_parameters():
        if in_head(name, head):
            expected, formula = BETA * w.detach(), "beta * w"
        else:
            expected, formula = ALPHA * (w.detach() - w0[name]), "alpha * (w - w0)"
        assert w.grad is not None, say(f"expected a gradient on {name}, got none", f"{name} 上应有梯度，实际没有")
        error = (w.grad - expected).abs().max().item()
        scale = expected.abs().max().item()
        size = w.grad.abs().max().item()
        assert error <= 1e-5 + 1e-4 * scale, say(
            f"{name}: expected grad {formula} (max |.| {scale:.4g}), got max |.| {size:.4g}, error {error:.3g}",
            f"{name}：梯度应为 {formula}（最大绝对值 {scale:.4g}），实际最大绝对值 {size:.4g}，误差 {error:.3g}",
        )


@pytest.mark.parametrize(
    "arch, head",
    [("prefix", "fc"), ("classifier60", "classifier.6")],
    ids=["fc_vs_fc2", "classifier.6_vs_classifier.60"],
)
@check(
    "The head path matches whole module names: 'fc' is not 'fc2', 'classifier.6' is not 'classifier.60'",
    level="interview", points=2,
    hint="A parameter is in the head when its name starts with head + '.'; a bare startswith(head) "
         "or a substring test also catches fc2, block.fc or classifier.60.",
    title_zh="分类头路径按完整的模块名匹配：'fc' 不是 'fc2'，'classifier.6' 不是 'classifier.60'",
    hint_zh="参数名以 head + '.' 开头时才属于分类头；只用 startswith(head) 或子串判断，会把 fc2、block.fc 或 classifier.60 "
    "也算进去。",
)
def test_head_path_whole_names(impl, device, arch, head):
    model = (PrefixNet() if arch == "prefix" else Classifier60Net()).to(device)
    pretrained = snapshot(model)
    perturb(model)
    assert_penalty(impl, model, pretrained, head, say(f"head {head!r}: ", f"分类头 {head!r}："), alpha=ALPHA, beta=BETA)


@check(
    "Buffers such as BatchNorm running statistics are not penalised",
    level="expert", points=3,
    hint="Iterate over named_parameters(), not the state_dict: running_mean, running_var and "
         "num_batches_tracked are statistics, not weights the optimizer moves.",
    title_zh="BatchNorm 运行统计量之类的缓冲区不受惩罚",
    hint_zh="遍历 named_parameters()，而不是 state_dict：running_mean、running_var 和 num_batches_tracked 是统计量，"
    "不是优化器要更新的权重。",
)
def test_buffers_not_penalised(impl, device):
    model = bn_net().to(device)
    pretrained = {k: v for k, v in snapshot(model).items() if not k.startswith("new_bn.")}
    model.train()
    with torch.no_grad():
        model(models.example_input(4, device=device))
    where = say("backbone weights at w0, BatchNorm statistics updated: ", "骨干网络权重停在 w0、BatchNorm 统计量已更新时：")
    assert_penalty(impl, model, pretrained, "fc", where, alpha=ALPHA, beta=BETA)


@check(
    "Parameters are matched to pretrained_state by name, not by position",
    level="expert", points=3,
    hint="Look up pretrained_state[name] for each named parameter; zipping parameters() with the "
         "state's values misaligns as soon as buffers or other keys are interleaved or the order differs.",
    title_zh="参数按名字而不是按位置与 pretrained_state 对应",
    hint_zh="对每个具名参数查 pretrained_state[name]；把 parameters() 和 state 的值直接 zip 起来，只要中间夹着缓冲区或别的键，"
    "或者顺序不同，就会错位。",
)
def test_matched_by_name(impl, device):
    model = bn_net().to(device)
    pretrained = snapshot(model)
    perturb(model)
    shuffled = dict(reversed(list(pretrained.items())))
    assert_penalty(impl, model, shuffled, "fc", say("state_dict in reverse order: ", "state_dict 顺序颠倒时："),
                   alpha=ALPHA, beta=BETA)
    assert_penalty(impl, model, pretrained, "fc", say("full state_dict with buffers: ", "完整的 state_dict（含缓冲区）时："),
                   alpha=ALPHA, beta=BETA)


@pytest.mark.parametrize("kind", ["requires_grad", "shares_memory"])
@check(
    "pretrained_state is never modified and gets no gradient",
    level="expert", points=3, hidden=True,
    hint="Treat w0 as a constant: detach it and use out-of-place operations only "
         "(w - w0, not w0.sub_(...)); the caller's tensors may require grad or share memory with the model.",
    title_zh="pretrained_state 从不被修改，也不会得到梯度",
    hint_zh="把 w0 当常量：先 detach，只用非原地运算（w - w0，而不是 w0.sub_(...)）；调用者传入的张量可能需要梯度，"
    "也可能与模型共享内存。",
)
def test_pretrained_state_untouched(impl, device, kind):
    model = models.build("nested_head").to(device)
    if kind == "requires_grad":
        pretrained = {
            k: v.clone().requires_grad_() if v.is_floating_point() else v.clone()
            for k, v in model.state_dict().items()
        }
        perturb(model)
    else:
        pretrained = model.state_dict()
    expected_state = {k: v.detach().clone() for k, v in pretrained.items()}
    weights = snapshot(model)
    result = penalty(impl, model, pretrained, "net.head.fc", alpha=ALPHA, beta=BETA)
    scalar(result)
    assert result.requires_grad, say(NOT_DIFFERENTIABLE, NOT_DIFFERENTIABLE_ZH)
    result.backward()
    with_grad = [k for k, v in pretrained.items() if v.grad is not None]
    assert not with_grad, say(f"expected no gradient on pretrained_state, found one on {with_grad[:3]}",
                              f"pretrained_state 上不应有梯度，实际在 {with_grad[:3]} 上有")
    changed = [k for k, v in pretrained.items() if not torch.equal(v.detach(), expected_state[k])]
    assert not changed, say(f"expected pretrained_state unchanged, these entries changed: {changed[:3]}",
                            f"pretrained_state 应保持不变，变了的条目有：{changed[:3]}")
    moved = [k for k, v in model.state_dict().items() if not torch.equal(v, weights[k])]
    assert not moved, say(f"expected the model's weights unchanged by the penalty, these changed: {moved[:3]}",
                          f"计算惩罚项不应改动模型的权重，变了的有：{moved[:3]}")


@check(
    "Minimising the penalty alone moves the backbone toward w0 and shrinks the head",
    level="interview", points=2,
    hint="Check the sign of the pull: gradient descent on alpha/2 * ||w - w0||^2 must bring w "
         "closer to w0, and on beta/2 * ||w||^2 closer to zero.",
    title_zh="只最小化惩罚项时，骨干网络向 w0 靠拢，分类头收缩",
    hint_zh="检查拉力的方向：对 alpha/2 * ||w - w0||^2 做梯度下降应让 w 更接近 w0，对 beta/2 * ||w||^2 做梯度下降应让 w 更接近零。",
)
def test_descent_pulls_toward_prior(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    w0 = {k: v.clone() for k, v in pretrained.items()}

    def distances():
        params = list(model.named_parameters())
        backbone = sum((w - w0[n]).pow(2).sum().item() for n, w in params if not in_head(n, head))
        head_norm = sum(w.pow(2).sum().item() for n, w in params if in_head(n, head))
        return backbone, head_norm

    before = distances()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        result = penalty(impl, model, pretrained, head, alpha=1.0, beta=1.0)
        scalar(result)
        assert result.requires_grad, say(NOT_DIFFERENTIABLE, NOT_DIFFERENTIABLE_ZH)
        result.backward()
        optimizer.step()
    after = distances()
    assert after[0] < 0.5 * before[0], say(
        f"expected 3 SGD steps (lr 0.5) to bring the backbone much closer to w0: "
        f"squared distance {before[0]:.4g} -> {after[0]:.4g}",
        f"3 步 SGD（lr 0.5）应让骨干网络明显靠近 w0：距离平方从 {before[0]:.4g} 变为 {after[0]:.4g}",
    )
    assert after[1] < 0.5 * before[1], say(
        f"expected 3 SGD steps (lr 0.5) to shrink the head: squared norm {before[1]:.4g} -> {after[1]:.4g}",
        f"3 步 SGD（lr 0.5）应让分类头收缩：范数平方从 {before[1]:.4g} 变为 {after[1]:.4g}",
    )


@check(
    "Frozen parameters count too: the value does not depend on requires_grad",
    level="interview", points=1,
    hint="The penalty is a sum over the model's parameters, trainable or not; skipping frozen ones "
    "changes the reported value (and the penalty of a later unfrozen layer) though they get no gradient.",
    title_zh="冻结的参数也要计入：惩罚值与 requires_grad 无关",
    hint_zh="惩罚项是对模型所有参数求和，不管可不可训练；跳过冻结的参数虽然不影响梯度，却会改变报告出来的值"
    "（以及之后解冻那一层的惩罚）。",
)
def test_frozen_parameters_count(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    terms = reference(model, pretrained, head, ALPHA, BETA)
    for name, w in model.named_parameters():
        if not in_head(name, head):
            w.requires_grad_(False)
    assert_value(penalty(impl, model, pretrained, head, alpha=ALPHA, beta=BETA), terms,
                 say("backbone frozen: ", "骨干网络冻结时："))


@check(
    "On a model of another device (a GPU) the penalty is on that device, with the same value and gradient",
    level="interview", points=2,
    hint="Start any accumulator on the parameters' device (torch.zeros((), device=w.device)), or "
    "sum the per-parameter terms directly; a CPU tensor made without device= cannot take GPU terms in place.",
    title_zh="模型在另一设备（GPU）上时，惩罚项也在该设备上，值和梯度都相同",
    hint_zh="累加器要建在参数所在的设备上（torch.zeros((), device=w.device)），或者直接把各参数的项加起来；"
    "不带 device= 建出来的 CPU 张量不能原地累加 GPU 上的项。",
)
def test_penalty_follows_the_model_device(impl):
    model, pretrained, head = pretrained_pair("nested_head", "cpu")
    terms = reference(model, pretrained, head, ALPHA, BETA)
    result = call_elsewhere(impl.l2_sp_penalty, model, pretrained, head=head, alpha=ALPHA, beta=BETA)
    assert_elsewhere(result, "the penalty", "惩罚项")
    assert_value(here(result), terms, say("on another device: ", "在另一设备上："))
    assert result.requires_grad, say("expected the penalty to be differentiable on another device too",
                                     "惩罚项在另一设备上也应可求导")
    call_elsewhere(torch.Tensor.backward, result)
    for name, w in model.named_parameters():
        assert w.grad is not None, say(f"expected a gradient for {name} on another device, got None",
                                       f"在另一设备上 {name} 应有梯度，实际为 None")
        assert_elsewhere(w.grad, f"the gradient of {name}", f"{name} 的梯度")
