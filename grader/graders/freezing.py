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

import numbers

import pytest
import torch
import torch.nn.functional as F

from grader.authoring.checks import check
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
)
def test_returns_same_object(impl, fresh):
    model = fresh("nested_head")
    for train_bn in (False, True):
        out = impl.freeze_backbone(model, "net.head.fc", train_bn=train_bn)
        assert out is model, (
            f"freeze_backbone(train_bn={train_bn}) should return the model it was given, "
            f"got {'None' if out is None else 'a different ' + type(out).__name__}"
        )
    out = impl.unfreeze(model)
    assert out is model, f"unfreeze should return the model it was given, got {'None' if out is None else 'another object'}"


@check(
    "One SGD step after freezing changes the trainable parameters and no frozen one",
    level="basic", points=2,
    hint="A frozen parameter must get no gradient; check which parameters still have requires_grad=True.",
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
    assert not changed - expected, f"after one SGD step, frozen parameters changed: {some(changed - expected)}"
    assert not expected - changed, f"after one SGD step, these should have changed but did not: {some(expected - changed)}"


@check(
    "count_trainable returns the number of trainable scalars, not of tensors, and skips frozen ones",
    level="basic", points=1,
    hint="Add up numel() over the parameters whose requires_grad is True.",
)
def test_count_trainable_scalars(impl, fresh):
    model = fresh("nested_head")
    model.net.body[0].requires_grad_(False)
    model.net.body[5].weight.requires_grad_(False)
    got = impl.count_trainable(model)
    expected = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert isinstance(got, numbers.Integral) and not isinstance(got, bool), (
        f"count_trainable should return an int, got {type(got).__name__}"
    )
    assert got == expected, f"expected {expected} trainable scalars (some layers frozen), got {got}"
    model.requires_grad_(False)
    got = impl.count_trainable(model)
    assert got == 0, f"expected 0 trainable scalars for a fully frozen model, got {got}"


@check(
    "unfreeze makes every parameter trainable",
    level="basic", points=1,
    hint="Set requires_grad=True on every parameter of the model.",
)
def test_unfreeze_makes_all_trainable(impl, fresh):
    model = fresh("nested_head")
    model.requires_grad_(False)
    impl.unfreeze(model)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert not frozen, f"expected every parameter trainable after unfreeze, found frozen: {some(frozen)}"


# --- interview -----------------------------------------------------------------------


@check(
    "A head that was frozen beforehand becomes trainable",
    level="interview", points=2,
    hint="Do not only freeze the backbone: explicitly set requires_grad=True on the head.",
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
    raises_value_error(lambda: impl.freeze_backbone(model, bad_head), f"head {bad_head!r} on {name}")


@check(
    "A module whose name merely starts with the head's name ('fc_in' next to 'fc') stays frozen",
    level="interview", points=2,
    hint="Match the head module itself, not parameter names that start with the same letters.",
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
    assert d < 1e-4, (
        f"after train-mode forward passes, {name}'s eval output should equal the original's "
        f"(running statistics unchanged); max relative difference {d:.2e}"
    )


@check(
    "In train mode, backbone BatchNorm normalises with its running statistics, not batch statistics",
    level="interview", points=2,
    hint="Freezing the statistics is not enough: in train mode BatchNorm still normalises with the "
    "current batch's mean and variance unless the layer itself behaves as in eval mode.",
)
@pytest.mark.parametrize("name", ["vgg11_bn", "mobilenet_v3_small", "nested_head", "head_first"])
def test_train_mode_uses_running_stats(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name])
    expected = output(fresh(name), x, train=False)
    with torch.no_grad():
        got = model(x)
    d = rel_diff(got, expected)
    assert d < 1e-4, (
        f"in train mode after freezing, {name}'s output should equal the original eval-mode output "
        f"(BatchNorm with running statistics); max relative difference {d:.2e}"
    )


@check(
    "A later model.train() (or eval() then train()) does not undo the frozen BatchNorm",
    level="interview", points=2,
    hint="model.train() calls train(True) on every submodule, so a one-off bn.eval() is undone at the "
    "start of the next epoch; make the BatchNorm layers ignore train(True), or replace them.",
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
    assert d < 1e-4, (
        f"after model.eval(); model.train(), {name}'s train-mode output should still equal the original "
        f"eval-mode output; max relative difference {d:.2e}"
    )
    d = rel_diff(output(model, x, train=False), expected)
    assert d < 1e-4, f"after model.train() and a forward pass, {name}'s running statistics changed (difference {d:.2e})"


@check(
    "train_bn=True keeps normalisation layers' weight and bias trainable and freezes the rest of the "
    "backbone (conv biases included)",
    level="interview", points=2,
    hint="Normalisation layers are BatchNorm*, SyncBatchNorm, InstanceNorm*, LayerNorm and GroupNorm; "
    "select them by module type, not by parameter name ('bias' also names conv and linear biases).",
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
)
@pytest.mark.parametrize("name", ["vgg11_bn", "nested_head"])
def test_train_bn_trains_batchnorm(impl, fresh, x, name):
    model = fresh(name)
    impl.freeze_backbone(model, HEADS[name], train_bn=True)
    reference = fresh(name)
    model.train()
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, f"with train_bn=True, {name}'s train-mode output should use batch statistics; difference {d:.2e}"
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, (
        f"with train_bn=True, a train-mode forward pass should update {name}'s running statistics "
        f"as usual; eval outputs differ by {d:.2e}"
    )


# --- expert --------------------------------------------------------------------------


@check(
    "unfreeze restores normal BatchNorm training and every original parameter",
    level="expert", points=2,
    hint="Undo whatever freeze_backbone did to BatchNorm (mode override, hooks, swapped modules), "
    "not only requires_grad.",
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
    assert not frozen, f"expected every parameter trainable after unfreeze, found frozen: {some(frozen)}"
    assert total_numel(model) == total_numel(reference), (
        f"after unfreeze, {name} should have its original {total_numel(reference)} parameter scalars, "
        f"found {total_numel(model)}"
    )
    original_eval = output(reference, x, train=False)
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, f"after unfreeze, {name}'s BatchNorm should use batch statistics in train mode; difference {d:.2e}"
    d = rel_diff(output(model, x, train=False), original_eval)
    assert d > 1e-3, (
        f"after unfreeze, a train-mode forward pass should update {name}'s BatchNorm running statistics; "
        f"the eval output stayed the original one (difference {d:.1e})"
    )


@check(
    "After unfreeze, BatchNorm updates its running statistics exactly as before freezing (same momentum, eps)",
    level="expert", points=3, hidden=True,
    hint="If you replaced BatchNorm modules, the restored ones need the original momentum, eps and "
    "statistics, not a fresh layer's defaults.",
)
def test_unfreeze_restores_momentum(impl, fresh, x):
    model = fresh("mobilenet_v3_small")
    impl.freeze_backbone(model, "classifier.3")
    impl.unfreeze(model)
    reference = fresh("mobilenet_v3_small")
    for m in (model, reference):
        output(m, shifted(x, 0), train=True)
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, (
        f"after freeze, unfreeze and one train-mode pass, the eval output should match a never-frozen "
        f"model (momentum 0.01, eps 0.001); max relative difference {d:.2e}"
    )


@check(
    "BatchNorm inside the head still trains normally",
    level="expert", points=3,
    hint="Only BatchNorm layers outside the head are frozen; the head, including its normalisation "
    "layers, trains as usual.",
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
    assert d < 1e-4, (
        f"in train mode the head's BatchNorm1d should use batch statistics (backbone: running ones); "
        f"difference {d:.2e}"
    )
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, f"the head's BatchNorm1d should update its running statistics in train mode; difference {d:.2e}"


@check(
    "count_trainable counts a parameter shared by two modules once",
    level="expert", points=2,
    hint="model.parameters() yields a shared (tied) parameter once; summing per module counts it twice.",
)
def test_count_trainable_shared_once(impl, device):
    model = TiedNet().to(device)
    got = impl.count_trainable(model)
    expected = sum(p.numel() for p in model.parameters())
    assert got == expected, f"expected {expected} trainable scalars (tied weight counted once), got {got}"


@check(
    "Freezing twice and then unfreezing once leaves BatchNorm training normally",
    level="expert", points=3,
    hint="Make freezing idempotent: a second call must not record the frozen state as the "
    "'original' one that unfreeze restores.",
)
def test_freeze_twice_unfreeze_once(impl, fresh, x):
    model = fresh("nested_head")
    impl.freeze_backbone(model, "net.head.fc")
    impl.freeze_backbone(model, "net.head.fc")
    expected = output(fresh("nested_head"), x, train=False)
    d = rel_diff(output(model, x, train=True), expected)
    assert d < 1e-4, f"after freezing twice, BatchNorm should still use running statistics in train mode; difference {d:.2e}"
    impl.unfreeze(model)
    reference = fresh("nested_head")
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, f"after freezing twice and unfreezing, BatchNorm should use batch statistics in train mode; difference {d:.2e}"
    d = rel_diff(output(model, x, train=False), output(reference, x, train=False))
    assert d < 1e-4, f"after freezing twice and unfreezing, BatchNorm should update its running statistics; difference {d:.2e}"


@check(
    "Freezing again with another head or train_bn follows the latest call",
    level="expert", points=3,
    hint="A second freeze_backbone must first undo what the first one did to BatchNorm: a layer pinned "
    "by the first call may now be inside the head, or train_bn may now be True.",
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
    assert d < 1e-4, (
        f"after freeze_backbone(head='head.3') then (head='head'), the head's BatchNorm1d should use batch "
        f"statistics in train mode; difference {d:.2e}"
    )
    model = fresh("nested_head")
    impl.freeze_backbone(model, "net.head.fc")
    impl.freeze_backbone(model, "net.head.fc", train_bn=True)
    reference = fresh("nested_head")
    d = rel_diff(output(model, x, train=True), output(reference, x, train=True))
    assert d < 1e-4, (
        f"after freezing with train_bn=False and again with train_bn=True, BatchNorm should use batch "
        f"statistics in train mode; difference {d:.2e}"
    )


@check(
    "unfreeze gives BatchNorm its training behaviour back at once, without a later model.train()",
    level="expert", points=2,
    hint="The model is still in train mode when unfreeze is called: a BatchNorm layer released from "
    "its pinned eval mode must follow the model's current mode right away.",
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
    assert d < 1e-4, (
        f"freeze_backbone then unfreeze on a model in train mode, with no model.train() call: BatchNorm "
        f"should use batch statistics; difference {d:.2e}"
    )


@check(
    "On a model of another device (a GPU), freezing, training and unfreezing keep every tensor there",
    level="interview", points=1,
    hint="Anything you create for the frozen backbone (a frozen BatchNorm's buffers, masks, saved "
    "statistics) must be made on the model's device: device=bn.running_mean.device, or clone() the "
    "existing tensors; a CPU buffer in a GPU model makes the forward pass raise.",
)
@pytest.mark.parametrize("train_bn", [False, True], ids=["train_bn=False", "train_bn=True"])
def test_another_device(impl, fresh, x, train_bn):
    from grader.authoring.devices import elsewhere, mismatch_fails, on_elsewhere

    model, inputs = elsewhere(fresh("nested_head")), elsewhere(x)
    with mismatch_fails("freeze_backbone, a training step, unfreeze"):
        impl.freeze_backbone(model, "net.head.fc", train_bn=train_bn)
        model.train()(inputs).sum().backward()
        impl.unfreeze(model)
        model(inputs)
        left = [k for k, t in list(model.named_parameters()) + list(model.named_buffers()) if not on_elsewhere(t)]
    assert not left, f"expected every parameter and buffer on the model's device; on the CPU: {some(left)}"
