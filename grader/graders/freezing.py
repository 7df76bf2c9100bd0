"""Grader for `freezing`: freeze_backbone, unfreeze and count_trainable (questions 1 and 6).

Behaviour only: which parameters train, what BatchNorm does in train mode, and what an
optimizer step changes. Backbone BatchNorm modules may be swapped for frozen equivalents,
so BatchNorm is judged by the model's outputs against a copy of the original model.

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
from functools import lru_cache

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from grader.fixtures import models
from grader.authoring.checks import check, raising

NORM_LAYERS = (_BatchNorm, _InstanceNorm, nn.LayerNorm, nn.GroupNorm)


class HeadBatchNormNet(nn.Module):
    """A head (`head`) that is a small MLP with its own BatchNorm1d."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, num_classes))

    def forward(self, x):
        return self.head(self.body(x))


class PrefixTrapNet(nn.Module):
    """The head `fc` has a backbone sibling `fc_in` whose name starts with "fc"."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc_in = nn.Linear(8, 8)
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.fc_in(self.body(x))))


class TiedNet(nn.Module):
    """An embedding and an output layer sharing one weight (weight tying)."""

    def __init__(self, vocab: int = 10, dim: int = 8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.mix = nn.Linear(dim, dim)
        self.decode = nn.Linear(dim, vocab)
        self.decode.weight = self.embed.weight

    def forward(self, tokens):
        return self.decode(torch.tanh(self.mix(self.embed(tokens))))


class AllNormsNet(nn.Module):
    """One of each normalisation type the contract names (flags only: never run)."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(4, 4), nn.SyncBatchNorm(4), nn.BatchNorm3d(4), nn.InstanceNorm1d(4, affine=True),
            nn.InstanceNorm3d(4, affine=True), nn.LayerNorm(4), nn.GroupNorm(2, 4),
        )
        self.fc = nn.Linear(4, num_classes)


EXTRA_BUILDERS = {"head_bn": HeadBatchNormNet, "prefix_trap": PrefixTrapNet, "all_norms": AllNormsNet}
HEADS = {**models.HEAD_PATHS, "head_bn": "head", "prefix_trap": "fc", "all_norms": "fc"}


@lru_cache(maxsize=None)
def _build(name: str) -> nn.Module:
    """The pristine fixture model `name` (shared: clone it before use)."""
    if name in EXTRA_BUILDERS:
        torch.manual_seed(0)
        model = EXTRA_BUILDERS[name]()
    else:
        model = models.build(name)
    _make_pretrained_like(model)
    return model.train()


def warm() -> None:
    """Called by the warm worker before it forks, so grading runs share these models."""
    for name in HEADS:
        _build(name)


@torch.no_grad()
def _make_pretrained_like(model: nn.Module) -> None:
    """Give BatchNorm layers non-trivial statistics and affine parameters (as a pretrained
    model has) and switch dropout off so that train and eval mode differ only in BatchNorm."""
    g = torch.Generator().manual_seed(7)
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            n = m.num_features
            m.running_mean.copy_(0.3 * torch.randn(n, generator=g))
            m.running_var.copy_(0.5 + 1.5 * torch.rand(n, generator=g))
            m.weight.copy_(0.5 + torch.rand(n, generator=g))
            m.bias.copy_(0.1 * torch.randn(n, generator=g))
        elif isinstance(m, nn.Dropout):
            m.p = 0.0


@pytest.fixture
def fresh(device):
    """A new copy of a fixture model on the device, in train mode."""
    return lambda name: models.clone(_build(name)).to(device)


@pytest.fixture
def x(device):
    return models.example_input(2, device=device)


def _shifted(x: torch.Tensor, k: int) -> torch.Tensor:
    return 1.5 * x + 0.5 * (k + 1)


@torch.no_grad()
def _output(model: nn.Module, x: torch.Tensor, *, train: bool) -> torch.Tensor:
    model.train(train)
    return model(x)


def _rel_diff(actual, expected: torch.Tensor) -> float:
    if not isinstance(actual, torch.Tensor) or actual.shape != expected.shape:
        shape = tuple(actual.shape) if isinstance(actual, torch.Tensor) else type(actual).__name__
        pytest.fail(f"the model's output should be a tensor of shape {tuple(expected.shape)}, got {shape}")
    scale = expected.abs().max().item() + 1e-6
    return (actual - expected).abs().max().item() / scale


def _head_param_ids(model: nn.Module, head: str) -> set[int]:
    try:
        return {id(p) for p in model.get_submodule(head).parameters()}
    except AttributeError:
        pytest.fail(f"after freezing, the model should still have its head at {head!r}")


def _norm_affine_names(model: nn.Module, head: str) -> set[str]:
    names = set()
    for path, m in model.named_modules():
        inside_head = path == head or path.startswith(head + ".")
        if isinstance(m, NORM_LAYERS) and not inside_head:
            names |= {f"{path}.{n}" for n, _ in m.named_parameters(recurse=False)}
    return names


def _names(items, limit: int = 3) -> str:
    items = sorted(items)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _assert_trainable_names(model: nn.Module, expected: set[str]) -> None:
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    missing, extra = expected - trainable, trainable - expected
    assert not missing, f"expected these parameters to be trainable, found them frozen: {_names(missing)}"
    assert not extra, f"expected these parameters to be frozen, found them trainable: {_names(extra)}"


def _assert_only_head_trainable(model: nn.Module, head: str) -> None:
    head_ids = _head_param_ids(model, head)
    frozen_head = [n for n, p in model.named_parameters() if id(p) in head_ids and not p.requires_grad]
    trainable_backbone = [n for n, p in model.named_parameters() if id(p) not in head_ids and p.requires_grad]
    assert head_ids, f"the head {head!r} should keep its parameters, found none"
    assert not frozen_head, f"expected every head parameter to be trainable, found frozen: {_names(frozen_head)}"
    assert not trainable_backbone, (
        f"expected only the head {head!r} to be trainable, found trainable: {_names(trainable_backbone)}"
    )


def _raises_value_error(call, what: str) -> None:
    problem = raising(call)
    assert problem is None, f"expected ValueError for {what}; the call {problem}"


def _total_numel(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


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
    _assert_only_head_trainable(model, HEADS[name])


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
    _assert_only_head_trainable(model, HEADS[name])


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
    head_ids = _head_param_ids(model, head)
    expected = {n for n, p in model.named_parameters() if id(p) in head_ids}
    if train_bn:
        expected |= _norm_affine_names(model, head)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, weight_decay=0.0)
    model.train()
    targets = torch.arange(x.shape[0], device=x.device) % 5
    F.cross_entropy(model(x), targets).backward()
    optimizer.step()
    changed = {n for n, p in model.named_parameters() if not torch.equal(before[n], p.detach())}
    assert not changed - expected, f"after one SGD step, frozen parameters changed: {_names(changed - expected)}"
    assert not expected - changed, f"after one SGD step, these should have changed but did not: {_names(expected - changed)}"


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
    assert not frozen, f"expected every parameter trainable after unfreeze, found frozen: {_names(frozen)}"


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
    _assert_only_head_trainable(model, "fc")


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
    _raises_value_error(lambda: impl.freeze_backbone(model, bad_head), f"head {bad_head!r} on {name}")


@check(
    "A module whose name merely starts with the head's name ('fc_in' next to 'fc') stays frozen",
    level="interview", points=2,
    hint="Match the head module itself, not parameter names that start with the same letters.",
)
def test_prefix_sibling_stays_frozen(impl, fresh):
    model = fresh("prefix_trap")
    impl.freeze_backbone(model, "fc")
    _assert_only_head_trainable(model, "fc")


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
    original = _output(fresh(name), x, train=False)
    model.train()
    with torch.no_grad():
        for k in range(3):
            model(_shifted(x, k))
    d = _rel_diff(_output(model, x, train=False), original)
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
    expected = _output(fresh(name), x, train=False)
    with torch.no_grad():
        got = model(x)
    d = _rel_diff(got, expected)
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
    expected = _output(fresh(name), x, train=False)
    model.eval()
    model.train()
    with torch.no_grad():
        got = model(x)
        model(_shifted(x, 0))
    d = _rel_diff(got, expected)
    assert d < 1e-4, (
        f"after model.eval(); model.train(), {name}'s train-mode output should still equal the original "
        f"eval-mode output; max relative difference {d:.2e}"
    )
    d = _rel_diff(_output(model, x, train=False), expected)
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
    expected |= _norm_affine_names(model, head)
    impl.freeze_backbone(model, head, train_bn=True)
    _assert_trainable_names(model, expected)


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
    d = _rel_diff(_output(model, x, train=True), _output(reference, x, train=True))
    assert d < 1e-4, f"with train_bn=True, {name}'s train-mode output should use batch statistics; difference {d:.2e}"
    d = _rel_diff(_output(model, x, train=False), _output(reference, x, train=False))
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
        model(_shifted(x, 0))
    impl.unfreeze(model)
    reference = fresh(name)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert not frozen, f"expected every parameter trainable after unfreeze, found frozen: {_names(frozen)}"
    assert _total_numel(model) == _total_numel(reference), (
        f"after unfreeze, {name} should have its original {_total_numel(reference)} parameter scalars, "
        f"found {_total_numel(model)}"
    )
    original_eval = _output(reference, x, train=False)
    d = _rel_diff(_output(model, x, train=True), _output(reference, x, train=True))
    assert d < 1e-4, f"after unfreeze, {name}'s BatchNorm should use batch statistics in train mode; difference {d:.2e}"
    d = _rel_diff(_output(model, x, train=False), original_eval)
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
        _output(m, _shifted(x, 0), train=True)
    d = _rel_diff(_output(model, x, train=False), _output(reference, x, train=False))
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
        d = _rel_diff(model(x), reference(x))
    assert d < 1e-4, (
        f"in train mode the head's BatchNorm1d should use batch statistics (backbone: running ones); "
        f"difference {d:.2e}"
    )
    d = _rel_diff(_output(model, x, train=False), _output(reference, x, train=False))
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
    expected = _output(fresh("nested_head"), x, train=False)
    d = _rel_diff(_output(model, x, train=True), expected)
    assert d < 1e-4, f"after freezing twice, BatchNorm should still use running statistics in train mode; difference {d:.2e}"
    impl.unfreeze(model)
    reference = fresh("nested_head")
    d = _rel_diff(_output(model, x, train=True), _output(reference, x, train=True))
    assert d < 1e-4, f"after freezing twice and unfreezing, BatchNorm should use batch statistics in train mode; difference {d:.2e}"
    d = _rel_diff(_output(model, x, train=False), _output(reference, x, train=False))
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
    _assert_only_head_trainable(model, "head")
    reference = fresh("head_bn")
    reference.body.eval()
    got = _output(model, x, train=True)
    with torch.no_grad():
        d = _rel_diff(got, reference(x))
    assert d < 1e-4, (
        f"after freeze_backbone(head='head.3') then (head='head'), the head's BatchNorm1d should use batch "
        f"statistics in train mode; difference {d:.2e}"
    )
    model = fresh("nested_head")
    impl.freeze_backbone(model, "net.head.fc")
    impl.freeze_backbone(model, "net.head.fc", train_bn=True)
    reference = fresh("nested_head")
    d = _rel_diff(_output(model, x, train=True), _output(reference, x, train=True))
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
    d = _rel_diff(got, expected)
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
    assert not left, f"expected every parameter and buffer on the model's device; on the CPU: {_names(left)}"
