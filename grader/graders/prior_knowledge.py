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

from grader.authoring.checks import check
from grader.authoring.devices import assert_elsewhere, call_elsewhere, here
from grader.fixtures import models
from grader.fixtures.prior_knowledge_models import (
    AdapterNet, Classifier60Net, PrefixNet, assert_penalty, assert_value, bn_net, in_head, penalty, perturb,
    pretrained_pair, reference, scalar, snapshot,
)

ALPHA, BETA = 0.3, 0.7


# ---------------------------------------------------------------- checks


@check(
    "Returns a 0-dim tensor on the model's device, connected to the parameters",
    level="basic", points=1,
    hint="Build the penalty from the parameters with torch operations and return the tensor "
         "itself (no .item(), no float(), no torch.tensor(...) around a result).",
)
def test_returns_scalar_tensor(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    result = penalty(impl, model, pretrained, head)
    scalar(result)
    assert result.device.type == device.type, f"expected the penalty on {device}, got it on {result.device}"
    assert result.requires_grad, "expected a tensor that requires grad (a function of the parameters), got a constant"


@pytest.mark.parametrize("arch", ["squeezenet1_1", "tiny_vit", "nested_head"])
@check(
    "Equals alpha/2 * sum ||w - w0||^2 over the backbone plus beta/2 * sum ||w||^2 over the rest",
    level="basic", points=1,
    hint="Squared L2 distances, summed over every element (not averaged), each term with its "
         "factor 1/2; every parameter of named_parameters() counts, including ones registered "
         "directly on a module such as a ViT's class_token.",
)
def test_value(impl, device, arch):
    model, pretrained, head = pretrained_pair(arch, device)
    assert_penalty(impl, model, pretrained, head, f"{arch}, head {head!r}: ", alpha=ALPHA, beta=BETA)


@check(
    "The alpha term is zero at the pretrained point",
    level="basic", points=1,
    hint="The prior is centred on the pretrained weights: a backbone that still holds w0 costs nothing.",
)
def test_zero_at_pretrained_point(impl, device):
    model = models.build("nested_head").to(device)
    pretrained = snapshot(model)
    result = penalty(impl, model, pretrained, "net.head.fc", alpha=1.0, beta=0.0)
    got = scalar(result)
    assert abs(got) < 1e-8, f"expected 0 for a model at its pretrained weights with beta=0, got {got:.6g}"
    assert_penalty(impl, model, pretrained, "net.head.fc", "at the pretrained point: ", alpha=1.0, beta=BETA)


@check(
    "The head is pulled toward zero, not toward pretrained weights stored under its name",
    level="interview", points=2,
    hint="The source task's head answers another question; it gets the beta term (plain weight "
         "decay) even when pretrained_state holds tensors for it.",
)
def test_head_not_pulled_to_pretrained(impl, device):
    model = models.build("squeezenet1_1").to(device)
    head = models.HEAD_PATHS["squeezenet1_1"]
    pretrained = snapshot(model)
    perturb(model, only=head, scale=0.5)
    got = scalar(penalty(impl, model, pretrained, head, alpha=1.0, beta=0.0))
    assert abs(got) < 1e-6, (
        f"expected 0 with beta=0 when only the head moved away from pretrained_state['{head}.*'], "
        f"got {got:.6g}: the head seems pulled toward its pretrained weights"
    )
    assert_penalty(impl, model, pretrained, head, "head moved, beta > 0: ", alpha=1.0, beta=BETA)


@check(
    "A layer without an entry in pretrained_state gets the beta term; extra entries are ignored",
    level="interview", points=2,
    hint="Look each parameter up by name: no w0 means a new layer, decayed toward zero like the "
         "head. Entries the model does not have play no part.",
)
def test_new_layers_get_beta(impl, device):
    model = AdapterNet().to(device)
    pretrained = {k: v for k, v in snapshot(model).items() if not k.startswith("adapter.")}
    pretrained["old_head.weight"] = torch.randn(10, 8, device=device)
    perturb(model)
    assert_penalty(impl, model, pretrained, "fc", "with a new layer 'adapter': ", alpha=ALPHA, beta=BETA)


@check(
    "alpha weights only the pull toward w0 and beta only the decay of the other parameters",
    level="interview", points=2,
    hint="alpha belongs to the parameters that have a pretrained value, beta to the head and new layers.",
)
def test_alpha_and_beta_separate(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    for alpha, beta in ((ALPHA, 0.0), (0.0, BETA)):
        assert_penalty(impl, model, pretrained, head, f"alpha={alpha}, beta={beta}: ", alpha=alpha, beta=beta)


@check(
    "The default alpha and beta are 0.01",
    level="basic", points=1,
    hint="Keep the signature's defaults: alpha=0.01, beta=0.01.",
)
def test_defaults(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    assert_penalty(impl, model, pretrained, head, "with the defaults (0.01, 0.01): ")


@check(
    "The gradient is alpha * (w - w0) on the backbone and beta * w on the head",
    level="interview", points=2,
    hint="d/dw of alpha/2 * ||w - w0||^2 is alpha * (w - w0): a missing 1/2 doubles it, an L1 "
         "norm gives only signs, and a penalty built outside autograd gives nothing.",
)
def test_gradient(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    w0 = {k: v.clone() for k, v in pretrained.items()}
    result = penalty(impl, model, pretrained, head, alpha=ALPHA, beta=BETA)
    scalar(result)
    assert result.requires_grad, "expected a penalty that requires grad, got a constant"
    result.backward()
    for name, w in model.named_parameters():
        if in_head(name, head):
            expected, formula = BETA * w.detach(), "beta * w"
        else:
            expected, formula = ALPHA * (w.detach() - w0[name]), "alpha * (w - w0)"
        assert w.grad is not None, f"expected a gradient on {name}, got none"
        error = (w.grad - expected).abs().max().item()
        scale = expected.abs().max().item()
        assert error <= 1e-5 + 1e-4 * scale, (
            f"{name}: expected grad {formula} (max |.| {scale:.4g}), got max |.| "
            f"{w.grad.abs().max().item():.4g}, error {error:.3g}"
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
)
def test_head_path_whole_names(impl, device, arch, head):
    model = (PrefixNet() if arch == "prefix" else Classifier60Net()).to(device)
    pretrained = snapshot(model)
    perturb(model)
    assert_penalty(impl, model, pretrained, head, f"head {head!r}: ", alpha=ALPHA, beta=BETA)


@check(
    "Buffers such as BatchNorm running statistics are not penalised",
    level="expert", points=3,
    hint="Iterate over named_parameters(), not the state_dict: running_mean, running_var and "
         "num_batches_tracked are statistics, not weights the optimizer moves.",
)
def test_buffers_not_penalised(impl, device):
    model = bn_net().to(device)
    pretrained = {k: v for k, v in snapshot(model).items() if not k.startswith("new_bn.")}
    model.train()
    with torch.no_grad():
        model(models.example_input(4, device=device))
    assert_penalty(
        impl, model, pretrained, "fc", "backbone weights at w0, BatchNorm statistics updated: ",
        alpha=ALPHA, beta=BETA,
    )


@check(
    "Parameters are matched to pretrained_state by name, not by position",
    level="expert", points=3,
    hint="Look up pretrained_state[name] for each named parameter; zipping parameters() with the "
         "state's values misaligns as soon as buffers or other keys are interleaved or the order differs.",
)
def test_matched_by_name(impl, device):
    model = bn_net().to(device)
    pretrained = snapshot(model)
    perturb(model)
    shuffled = dict(reversed(list(pretrained.items())))
    assert_penalty(impl, model, shuffled, "fc", "state_dict in reverse order: ", alpha=ALPHA, beta=BETA)
    assert_penalty(impl, model, pretrained, "fc", "full state_dict with buffers: ", alpha=ALPHA, beta=BETA)


@pytest.mark.parametrize("kind", ["requires_grad", "shares_memory"])
@check(
    "pretrained_state is never modified and gets no gradient",
    level="expert", points=3, hidden=True,
    hint="Treat w0 as a constant: detach it and use out-of-place operations only "
         "(w - w0, not w0.sub_(...)); the caller's tensors may require grad or share memory with the model.",
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
    assert result.requires_grad, "expected a penalty that requires grad, got a constant"
    result.backward()
    with_grad = [k for k, v in pretrained.items() if v.grad is not None]
    assert not with_grad, f"expected no gradient on pretrained_state, found one on {with_grad[:3]}"
    changed = [k for k, v in pretrained.items() if not torch.equal(v.detach(), expected_state[k])]
    assert not changed, f"expected pretrained_state unchanged, these entries changed: {changed[:3]}"
    moved = [k for k, v in model.state_dict().items() if not torch.equal(v, weights[k])]
    assert not moved, f"expected the model's weights unchanged by the penalty, these changed: {moved[:3]}"


@check(
    "Minimising the penalty alone moves the backbone toward w0 and shrinks the head",
    level="interview", points=2,
    hint="Check the sign of the pull: gradient descent on alpha/2 * ||w - w0||^2 must bring w "
         "closer to w0, and on beta/2 * ||w||^2 closer to zero.",
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
        assert result.requires_grad, "expected a penalty that requires grad, got a constant"
        result.backward()
        optimizer.step()
    after = distances()
    assert after[0] < 0.5 * before[0], (
        f"expected 3 SGD steps (lr 0.5) to bring the backbone much closer to w0: "
        f"squared distance {before[0]:.4g} -> {after[0]:.4g}"
    )
    assert after[1] < 0.5 * before[1], (
        f"expected 3 SGD steps (lr 0.5) to shrink the head: squared norm {before[1]:.4g} -> {after[1]:.4g}"
    )


@check(
    "Frozen parameters count too: the value does not depend on requires_grad",
    level="interview", points=1,
    hint="The penalty is a sum over the model's parameters, trainable or not; skipping frozen ones "
    "changes the reported value (and the penalty of a later unfrozen layer) though they get no gradient.",
)
def test_frozen_parameters_count(impl, device):
    model, pretrained, head = pretrained_pair("nested_head", device)
    terms = reference(model, pretrained, head, ALPHA, BETA)
    for name, w in model.named_parameters():
        if not in_head(name, head):
            w.requires_grad_(False)
    assert_value(penalty(impl, model, pretrained, head, alpha=ALPHA, beta=BETA), terms, "backbone frozen: ")


@check(
    "On a model of another device (a GPU) the penalty is on that device, with the same value and gradient",
    level="interview", points=2,
    hint="Start any accumulator on the parameters' device (torch.zeros((), device=w.device)), or "
    "sum the per-parameter terms directly; a CPU tensor made without device= cannot take GPU terms in place.",
)
def test_penalty_follows_the_model_device(impl):
    model, pretrained, head = pretrained_pair("nested_head", "cpu")
    terms = reference(model, pretrained, head, ALPHA, BETA)
    result = call_elsewhere(impl.l2_sp_penalty, model, pretrained, head=head, alpha=ALPHA, beta=BETA)
    assert_elsewhere(result, "the penalty")
    assert_value(here(result), terms, "on another device: ")
    assert result.requires_grad, "expected the penalty to be differentiable on another device too"
    call_elsewhere(torch.Tensor.backward, result)
    for name, w in model.named_parameters():
        assert w.grad is not None, f"expected a gradient for {name} on another device, got None"
        assert_elsewhere(w.grad, f"the gradient of {name}")
