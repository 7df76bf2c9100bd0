"""Grader for lora (Q4): LoRALinear, apply_lora, saving/loading the adapter, merging.

Fixture models (grader/fixtures/lora_models.py): a small transformer built from torch.nn that calls
its Linear layers, an MLP, and a model with Linear subclasses, a shared Linear and a
container named like a target. Checks look only at behaviour and at the names the
contract fixes (`base`, `lora_A`, `lora_B`).
"""

from __future__ import annotations

import math
import re

import torch
from torch import nn

from grader.authoring.checks import check, raising
from grader.authoring.devices import assert_elsewhere, elsewhere, here, mismatch_fails
from grader.authoring.tensors import close, gap
from grader.fixtures import lora_models as fx
from grader.fixtures.lora_models import (
    LORA, expected_out, lora_params, merged_weight, randomise, randomise_all, run_eval, transformer,
)

# ---------------------------------------------------------------- helpers


def wrapped(impl, model: nn.Module, name: str):
    layer = model.get_submodule(name)
    assert isinstance(layer, impl.LoRALinear), f"expected {name} to be a LoRALinear, got {type(layer).__name__}"
    return layer


def apply(impl, model, targets, r=4, **kwargs) -> list[str]:
    names = impl.apply_lora(model, targets, r, **kwargs)
    assert isinstance(names, (list, tuple)), f"expected apply_lora to return a list of names, got {type(names).__name__}"
    return list(names)


# ---------------------------------------------------------------- LoRALinear


@check(
    "LoRALinear keeps base as the same object, frozen, and adds trainable lora_A (r, in) and lora_B (out, r)",
    level="basic", points=3,
    hint="Store the layer you are given (self.base = base, no copy), set requires_grad=False on its weight and bias, and register lora_A and lora_B as nn.Parameter attributes.",
)
def test_layer_structure(impl, device):
    base = nn.Linear(12, 5).to(device)
    layer = impl.LoRALinear(base, 3)
    assert layer.base is base, "expected layer.base to be the very nn.Linear passed in, not a copy"
    frozen = {n: p.requires_grad for n, p in (("weight", base.weight), ("bias", base.bias))}
    assert not any(frozen.values()), f"expected base's weight and bias frozen (requires_grad=False), got {frozen}"
    for name, shape in (("lora_A", (3, 12)), ("lora_B", (5, 3))):
        p = getattr(layer, name, None)
        assert isinstance(p, nn.Parameter), f"expected layer.{name} to be an nn.Parameter, got {type(p).__name__}"
        assert tuple(p.shape) == shape, f"expected {name} of shape {shape} for r=3, in=12, out=5, got {tuple(p.shape)}"
        assert p.requires_grad, f"expected {name} to be trainable"
    names = {n for n, p in layer.named_parameters() if p.requires_grad}
    assert names == set(LORA), f"expected exactly lora_A and lora_B trainable, got {sorted(names)}"


@check(
    "A fresh LoRALinear computes exactly what base computes: lora_B is zero, lora_A is not",
    level="basic", points=2,
    hint="Initialise lora_B to zeros and lora_A randomly: the update B A is then zero, yet gradients reach B from the first step.",
)
def test_starts_as_base(impl, device):
    base = nn.Linear(10, 7).to(device)
    layer = impl.LoRALinear(base, 4)
    assert torch.count_nonzero(layer.lora_B).item() == 0, "expected lora_B to start at zero"
    assert torch.count_nonzero(layer.lora_A).item() == layer.lora_A.numel(), "expected lora_A to start random (non-zero)"
    for x in (torch.randn(3, 10, device=device), torch.randn(2, 4, 10, device=device)):
        with torch.no_grad():
            got, want = layer(x), base(x)
        assert close(got, want, 1e-6, 1e-6), f"at initialisation expected base(x) for x of shape {tuple(x.shape)}; {gap(got, want)}"


@check(
    "lora_A is Kaiming-uniform with a=sqrt(5): uniform within +-1/sqrt(in_features)",
    level="interview", points=2,
    hint="nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5)) on a tensor of shape (r, in_features): fan_in is in_features, so the bound is 1/sqrt(in_features).",
)
def test_kaiming_uniform(impl, device):
    for fan_in, fan_out, r in ((64, 32, 256), (256, 8, 64)):  # 16384 draws each: tight bounds
        a = impl.LoRALinear(nn.Linear(fan_in, fan_out).to(device), r).lora_A.detach().double().cpu()
        bound = 1 / math.sqrt(fan_in)
        top, std, mean = a.abs().max().item(), a.std().item(), a.mean().item()
        where = f"in_features={fan_in}, r={r}"
        assert top <= bound * (1 + 1e-6), f"{where}: expected |lora_A| <= 1/sqrt(in_features) = {bound:.4f}, got max {top:.4f}"
        assert top >= 0.98 * bound, f"{where}: expected values filling +-{bound:.4f} (uniform), but max |lora_A| is {top:.4f}"
        uniform_std = bound / math.sqrt(3)
        assert 0.96 * uniform_std <= std <= 1.04 * uniform_std, (
            f"{where}: expected the std of a uniform on +-{bound:.4f} ({uniform_std:.4f}), got {std:.4f}"
        )
        assert abs(mean) <= 0.15 * bound, f"{where}: expected values centred on 0, mean is {mean:.4f}"


@check(
    "The update is scaled by alpha / r, and alpha defaults to r",
    level="interview", points=2,
    hint="scaling = alpha / r with alpha = r when None: with the default the update is B A x unscaled; alpha=16, r=4 multiplies it by 4.",
)
def test_scaling(impl, device):
    x = torch.randn(5, 8, device=device)
    for r, alpha, scaling in ((4, 12, 3.0), (4, None, 1.0), (2, 1, 0.5), (8, 2.5, 2.5 / 8)):
        kwargs = {} if alpha is None else {"alpha": alpha}
        layer = impl.LoRALinear(nn.Linear(8, 6).to(device), r, **kwargs)
        randomise(layer)
        with torch.no_grad():
            got = layer(x)
        want = expected_out(layer, x, scaling)
        assert close(got, want), f"r={r}, alpha={alpha}: expected base(x) + x A^T B^T * {scaling:g}; {gap(got, want)}"


@check(
    "forward takes (..., in_features): extra leading dimensions, a 1-D input and an empty batch",
    level="interview", points=2,
    hint="Write the branch with matmul against the transposed matrices (x @ A.T @ B.T) or F.linear, which broadcast over leading dimensions; do not flatten to 2-D and forget to restore the shape.",
)
def test_input_shapes(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 3, alpha=6)
    randomise(layer)
    for shape in ((2, 3, 8), (2, 2, 2, 8), (8,), (0, 8), (2, 0, 8)):
        x = torch.randn(*shape, device=device)
        with torch.no_grad():
            got = layer(x)
        want = expected_out(layer, x, 2.0)
        assert close(got, want), f"x of shape {shape}: expected output of shape {tuple(want.shape)} = base(x) + branch; {gap(got, want)}"


@check(
    "Dropout drops inputs of the LoRA branch only, in train mode, and is off in eval mode",
    level="expert", points=2,
    hint="The branch is dropout(x) @ A.T @ B.T * scaling: use an nn.Dropout module (it follows train()/eval()), or F.dropout(x, p, training=self.training), never on base(x) or after A.",
)
def test_dropout(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 4, dropout=0.5)
    randomise(layer)
    x = torch.eye(8, device=device).repeat(16, 1)  # one input feature per row: dropout keeps or drops it whole
    full = expected_out(layer, x, 1.0) - layer.base(x).detach()
    layer.train()
    with torch.no_grad():
        delta = layer(x) - layer.base(x)
    kept = dropped = 0
    for row, whole in zip(delta, full):
        if close(row, torch.zeros_like(row), 1e-6):
            dropped += 1
        elif close(row, 2 * whole):
            kept += 1
        else:
            raise AssertionError(
                "train mode, dropout=0.5, x a one-hot row: expected the branch to be 0 (input dropped) or twice the "
                f"undropped branch (kept, scaled by 1/(1-p)); got neither ({gap(row, 2 * whole)} from the kept value)"
            )
    assert kept and dropped, f"train mode, dropout=0.5: expected some rows dropped and some kept; dropped {dropped}, kept {kept} of 128"
    layer.eval()
    with torch.no_grad():
        got = layer(x) - layer.base(x)
    assert close(got, full), f"eval mode: expected no dropout (the whole branch); {gap(got, full)}"


@check(
    "Parameters are on base's device and dtype, and float64 and bfloat16 layers work",
    level="basic", points=2,
    hint="Create lora_A and lora_B with device=base.weight.device and dtype=base.weight.dtype.",
)
def test_device_and_dtype(impl, device):
    for dtype in (torch.float64, torch.bfloat16):
        base = nn.Linear(8, 6).to(device=device, dtype=dtype)
        layer = impl.LoRALinear(base, 2)
        for name in LORA:
            p = getattr(layer, name)
            assert p.dtype == dtype and p.device.type == device.type, (
                f"{dtype} base on {device}: expected {name} as {dtype} on {device}, got {p.dtype} on {p.device}"
            )
        x = torch.randn(3, 8, device=device, dtype=dtype)
        with torch.no_grad():
            got, want = layer(x), base(x)
        assert got.dtype == dtype and close(got, want, 1e-6, 1e-6), f"{dtype}: expected base(x) at initialisation; {gap(got, want)}"


@check(
    "r < 1 or a base that is not an nn.Linear raises ValueError; r = 1 is accepted",
    level="basic", points=2,
    hint="Validate the arguments at the top of __init__ (after super().__init__()): isinstance(base, nn.Linear) and r >= 1.",
)
def test_layer_rejects(impl):
    cases = [("r=0", lambda: impl.LoRALinear(nn.Linear(4, 4), 0)),
             ("r=-2", lambda: impl.LoRALinear(nn.Linear(4, 4), -2)),
             ("an nn.Conv2d base", lambda: impl.LoRALinear(nn.Conv2d(4, 4, 1), 2)),
             ("an nn.Identity base", lambda: impl.LoRALinear(nn.Identity(), 2)),
             ("an nn.Bilinear base", lambda: impl.LoRALinear(nn.Bilinear(4, 4, 4), 2))]
    for what, make in cases:
        problem = raising(make)
        assert problem is None, f"expected ValueError for {what}; it {problem}"
    try:
        smallest = impl.LoRALinear(nn.Linear(4, 3), 1)
    except ValueError as e:
        raise AssertionError(f"r=1 is the smallest valid rank, but LoRALinear raised ValueError: {e}") from None
    assert tuple(smallest.lora_A.shape) == (1, 4) and tuple(smallest.lora_B.shape) == (3, 1), (
        f"r=1: expected lora_A (1, 4) and lora_B (3, 1), got {tuple(smallest.lora_A.shape)} and {tuple(smallest.lora_B.shape)}"
    )


@check(
    "LoRALinear calls base, so a Linear subclass's own forward is kept",
    level="expert", points=1,
    hint="Compute self.base(x), not F.linear(x, base.weight, base.bias): a subclass (a quantised Linear, say) may compute its output its own way.",
)
def test_calls_base(impl, device):
    base = fx.DoubleBiasLinear(8, 6).to(device)
    layer = impl.LoRALinear(base, 3)
    x = torch.randn(4, 8, device=device)
    with torch.no_grad():
        got, want = layer(x), base(x)
    assert close(got, want), f"wrapping a subclass whose forward is x W^T + 2b: expected base(x) at initialisation; {gap(got, want)}"
    randomise(layer)
    with torch.no_grad():
        got = layer(x)
    want = expected_out(layer, x, 1.0)
    assert close(got, want), f"subclass base, non-zero update: expected base(x) + branch; {gap(got, want)}"


# ---------------------------------------------------------------- merge / unmerge


def _merge_fixture(impl, device, dropout=0.0):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 4, alpha=8, dropout=dropout)
    randomise(layer)
    return layer, torch.randn(5, 8, device=device)


@check(
    "merge() folds B A * alpha / r into base.weight and forward becomes base(x)",
    level="interview", points=2,
    hint="Under torch.no_grad(), base.weight += lora_B @ lora_A * scaling, and remember that you did: a merged layer must not add the branch again.",
)
def test_merge(impl, device):
    layer, x = _merge_fixture(impl, device, dropout=0.5)
    expected = merged_weight(layer, 2.0)
    before = run_eval(layer, x)
    layer.merge()
    weight = layer.base.weight.detach()
    assert close(weight, expected), f"after merge(): expected base.weight = W + B A * alpha / r; {gap(weight, expected)}"
    assert not layer.base.weight.requires_grad, "after merge(): expected base.weight still frozen (merge under torch.no_grad())"
    after = run_eval(layer, x)
    assert close(after, before), f"eval mode: expected the same outputs merged and unmerged; {gap(after, before)}"
    layer.train()
    with torch.no_grad():
        got, want = layer(x), layer.base(x)
    assert close(got, want, 1e-6, 1e-6), f"merged, train mode, dropout=0.5: expected forward to be just base(x); {gap(got, want)}"


@check(
    "unmerge() restores base.weight and the LoRA branch",
    level="interview", points=2,
    hint="Subtract exactly what merge() added (the same B A * scaling), or restore a copy of the weight saved by merge(); then forward adds the branch again.",
)
def test_unmerge(impl, device):
    layer, x = _merge_fixture(impl, device)
    original = layer.base.weight.detach().clone()
    layer.merge()
    layer.unmerge()
    weight = layer.base.weight.detach()
    assert close(weight, original, 1e-6, 1e-6), f"after merge(); unmerge(): expected base.weight back to W; {gap(weight, original)}"
    layer.train()
    with torch.no_grad():
        got = layer(x)
    want = expected_out(layer, x, 2.0)
    assert close(got, want), f"after unmerge(): expected base(x) + the LoRA branch again; {gap(got, want)}"


@check(
    "Merging twice, or unmerging a layer that is not merged, changes nothing",
    level="expert", points=2,
    hint="Keep a merged flag (or the saved weight) and make merge() and unmerge() return early when there is nothing to do.",
)
def test_merge_idempotent(impl, device):
    layer, x = _merge_fixture(impl, device)
    original = layer.base.weight.detach().clone()
    expected = merged_weight(layer, 2.0)
    before = run_eval(layer, x)
    layer.unmerge()
    weight = layer.base.weight.detach()
    assert torch.equal(weight, original), f"unmerge() on a layer never merged: expected base.weight unchanged; {gap(weight, original)}"
    got = run_eval(layer, x)
    assert close(got, before), f"unmerge() on a layer never merged: expected the same outputs; {gap(got, before)}"
    layer.merge()
    layer.merge()
    weight = layer.base.weight.detach()
    assert close(weight, expected), f"merge(); merge(): expected W + B A * scaling once; {gap(weight, expected)}"
    got = run_eval(layer, x)
    assert close(got, before), f"merge(); merge(): expected the same outputs as unmerged; {gap(got, before)}"
    layer.unmerge()
    layer.unmerge()
    weight = layer.base.weight.detach()
    assert close(weight, original, 1e-6, 1e-6), f"merge() x2 then unmerge() x2: expected W back; {gap(weight, original)}"


@check(
    "In eval mode the outputs are the same merged or not, with dropout",
    level="interview", points=1,
    hint="Dropout is off in eval mode, so base(x) + B A x * scaling equals (W + B A * scaling) x + b.",
)
def test_eval_equivalence(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 3, alpha=4.5, dropout=0.3)
    randomise(layer)
    x = torch.randn(2, 3, 8, device=device)
    before = run_eval(layer, x)
    layer.merge()
    merged = run_eval(layer, x)
    layer.unmerge()
    after = run_eval(layer, x)
    assert close(merged, before), f"eval mode, dropout=0.3: expected the merged outputs equal to the unmerged; {gap(merged, before)}"
    assert close(after, before), f"eval mode: expected the outputs after unmerge() equal to before; {gap(after, before)}"


# ---------------------------------------------------------------- apply_lora

QV = ["layers.0.attn.q_proj", "layers.0.attn.v_proj", "layers.1.attn.q_proj", "layers.1.attn.v_proj"]


@check(
    "apply_lora wraps the named Linear layers around the same modules and returns their names in named_modules() order",
    level="basic", points=3,
    hint="Walk model.named_modules(); for a match, get the parent with get_submodule(name.rpartition('.')[0]) and setattr the LoRALinear on it; collect names in the walk's order, not the order of targets.",
)
def test_apply_names(impl, device):
    model, _ = transformer(device)
    originals = dict(model.named_modules())
    names = apply(impl, model, ["v_proj", "q_proj"], r=2)
    assert names == QV, f"targets ['v_proj', 'q_proj']: expected {QV}, got {names}"
    for name in QV:
        assert wrapped(impl, model, name).base is originals[name], f"expected {name}.base to be the original {name} module"
    for name in ("layers.0.attn.k_proj", "layers.1.attn.out_proj", "lm_head", "layers.0.mlp.fc1"):
        assert model.get_submodule(name) is originals[name], f"expected {name} (not a target) left as it was"


@check(
    "Matching is exact on a Linear's last name component: q_proj is not q_proj2, xq_proj or a container",
    level="interview", points=2,
    hint="Compare name.rpartition('.')[2] with the targets for equality; endswith, startswith or `in` on the full name match too much. Only nn.Linear instances are wrapped.",
)
def test_apply_exact_match(impl, device):
    model, _ = transformer(device)
    names = apply(impl, model, ["q_proj"], r=2)
    expected = ["layers.0.attn.q_proj", "layers.1.attn.q_proj"]
    assert names == expected, f"targets ['q_proj']: expected {expected} (not q_proj2, not stem.xq_proj), got {names}"
    for name in ("stem.xq_proj", "layers.0.attn.q_proj2", "layers.1.attn.q_proj2"):
        assert not isinstance(model.get_submodule(name), impl.LoRALinear), f"expected {name} left alone for target 'q_proj'"
    model, _ = transformer(device)
    names = apply(impl, model, ["mlp", "fc1"], r=2)
    expected = ["layers.0.mlp.fc1", "layers.1.mlp.fc1"]
    assert names == expected, f"targets ['mlp', 'fc1']: expected {expected} (the Sequential named mlp is not a Linear), got {names}"
    assert isinstance(model.get_submodule("layers.0.mlp"), nn.Sequential), "expected layers.0.mlp (a Sequential) left alone"


@check(
    "targets may be a single str (one name) or any iterable, a generator included",
    level="basic", points=1,
    hint="A str is iterable (and `in` on a str tests substrings): wrap it as {targets} before making a set; turn any other iterable into a set once, before the walk (a generator can be read only once).",
)
def test_apply_target_kinds(impl, device):
    for targets, expected in (
        ("q_proj2", ["layers.0.attn.q_proj2", "layers.1.attn.q_proj2"]),
        ((t for t in ["lm_head", "fc2"]), ["layers.0.mlp.fc2", "layers.1.mlp.fc2", "lm_head"]),
        (("k_proj",), ["layers.0.attn.k_proj", "layers.1.attn.k_proj"]),
    ):
        model, _ = transformer(device)
        what = "a generator" if not isinstance(targets, (str, tuple)) else repr(targets)
        names = apply(impl, model, targets, r=2)
        assert names == expected, f"targets {what}: expected {expected}, got {names}"


@check(
    "After apply_lora only lora_A and lora_B train: an optimiser step changes nothing else",
    level="interview", points=3,
    hint="Freeze every parameter of the model (LayerNorm, biases, untouched Linear layers included), then wrap: LoRALinear's own A and B are trainable.",
)
def test_apply_freezes_the_rest(impl, device):
    model, x = transformer(device)
    apply(impl, model, ["q_proj", "v_proj", "fc1"], r=2)
    trainable = sorted(n for n, p in model.named_parameters() if p.requires_grad)
    wrong = [n for n in trainable if n.rpartition(".")[2] not in LORA]
    assert not wrong, f"expected only lora_A / lora_B trainable; also trainable: {wrong[:4]}"
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if n.rpartition(".")[2] not in LORA}
    lora_b = {n: p.detach().clone() for n, p in model.named_parameters() if n.endswith("lora_B")}
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(2):
        optimiser.zero_grad()
        model(x).square().mean().backward()
        optimiser.step()
    changed = [n for n, p in model.named_parameters() if n in frozen and not torch.equal(p.detach(), frozen[n])]
    assert not changed, f"after two optimiser steps on all parameters, expected only LoRA parameters changed; also changed: {changed[:4]}"
    moved = [n for n, p in model.named_parameters() if n in lora_b and not torch.equal(p.detach(), lora_b[n])]
    assert len(moved) == len(lora_b) > 0, f"expected every lora_B to train; moved {len(moved)} of {len(lora_b)}"


@check(
    "Trainable parameters number r * (in + out) per wrapped layer, with r, alpha and dropout passed to each",
    level="interview", points=2,
    hint="Pass r, alpha and dropout on to every LoRALinear you build; count with sum(p.numel() for p in model.parameters() if p.requires_grad).",
)
def test_apply_counts_and_settings(impl, device):
    model = fx.mlp().to(device)
    names = apply(impl, model, ["fc1", "out"], r=3, alpha=6, dropout=0.5)
    assert names == ["fc1", "out"], f"expected ['fc1', 'out'], got {names}"
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count == 3 * (6 + 16) + 3 * (16 + 4), f"r=3 on fc1 (6->16) and out (16->4): expected 126 trainable parameters, got {count}"
    for name, width in (("fc1", 6), ("out", 16)):
        layer = wrapped(impl, model, name)
        randomise(layer)
        inp = torch.randn(32, width, device=device)
        layer.eval()
        with torch.no_grad():
            got = layer(inp)
        want = expected_out(layer, inp, 2.0)
        assert close(got, want), f"{name} with r=3, alpha=6, eval mode: expected base(x) + branch * 2; {gap(got, want)}"
        layer.train()
        with torch.no_grad():
            got = layer(inp)
        assert not close(got, want), f"{name} with dropout=0.5 in train mode: expected dropout on the branch's inputs, got the undropped output"


@check(
    "Model outputs are unchanged right after apply_lora",
    level="basic", points=1,
    hint="lora_B starts at zero, so wrapping must not change what the model computes: wrap the original layers, do not rebuild them.",
)
def test_apply_keeps_outputs(impl, device):
    model, x = transformer(device)
    before = run_eval(model, x)
    apply(impl, model, ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"], r=4, alpha=8, dropout=0.2)
    after = run_eval(model, x)
    assert close(after, before, 1e-6, 1e-6), f"eval mode: expected the same outputs before and after apply_lora; {gap(after, before)}"


@check(
    "Subclasses of nn.Linear are wrapped too",
    level="interview", points=1,
    hint="Test with isinstance(module, nn.Linear), not type(module) is nn.Linear.",
)
def test_apply_subclasses(impl, device):
    model = fx.SharedNet().to(device)
    originals = dict(model.named_modules())
    names = apply(impl, model, ["fc"], r=2)
    assert names == ["enc.fc", "dec.fc"], f"targets ['fc'] (TaggedLinear(nn.Linear) layers): expected ['enc.fc', 'dec.fc'], got {names}"
    for name in names:
        assert wrapped(impl, model, name).base is originals[name], f"expected {name}.base to be the original subclass instance"


@check(
    "Nothing matched: ValueError naming the model's Linear layers",
    level="interview", points=2,
    hint="Before changing anything, collect the matches; with none, raise ValueError with the names of the nn.Linear layers (from named_modules()) in the message.",
)
def test_apply_nothing_matched(impl, device):
    for model, targets in ((fx.TinyTransformer().to(device), ["query", "value"]), (fx.mlp().to(device), "fc3")):
        try:
            impl.apply_lora(model, targets, 2)
        except ValueError as exc:
            message = str(exc)
        else:
            raise AssertionError(f"targets {targets!r} match no Linear: expected ValueError, got none")
        missing = sorted({n.rpartition(".")[2] for n in fx.linear_names(model)} - {w for w in _words(message)})
        assert not missing, f"targets {targets!r}: expected the message to name the model's Linear layers; missing {missing}: {message!r}"


def _words(message: str) -> set[str]:
    return set(re.split(r"[^A-Za-z0-9_]+", message)) | set(re.split(r"[^A-Za-z0-9_.]+", message))


@check(
    "apply_lora and merge_lora work on float64 and bfloat16 models on the device",
    level="expert", points=1,
    hint="Build lora_A and lora_B like base.weight (device and dtype); a merged Linear keeps them too.",
)
def test_apply_dtypes(impl, device):
    for dtype, atol in ((torch.float64, 1e-10), (torch.bfloat16, 0.05)):
        model = fx.mlp().to(device=device, dtype=dtype)
        x = torch.randn(4, 6, device=device, dtype=dtype)
        before = run_eval(model, x)
        apply(impl, model, ["fc1", "fc2"], r=2)
        for n, p in lora_params(model).items():
            assert p.dtype == dtype and p.device.type == device.type, f"{dtype} model: expected {n} as {dtype} on {device}, got {p.dtype} on {p.device}"
        got = run_eval(model, x)
        assert got.dtype == dtype and close(got, before, atol, 0), f"{dtype}: expected unchanged outputs after apply_lora; {gap(got, before)}"
        randomise_all(impl, model)
        before = run_eval(model, x)
        merged = impl.merge_lora(model)
        got = run_eval(merged, x)
        assert got.dtype == dtype and close(got, before, atol, 0.02 if dtype == torch.bfloat16 else 0), (
            f"{dtype}: expected unchanged eval outputs after merge_lora; {gap(got, before)}"
        )


@check(
    "A shared Linear is wrapped once and stays shared; merge_lora keeps the outputs",
    level="expert", points=3, hidden=True,
    hint="named_modules() lists a shared module once: find every name it is registered under (named_modules(remove_duplicate=False)), build one LoRALinear and set it under each name.",
)
def test_shared_layer(impl, device):
    model = fx.SharedNet().to(device)
    shared = model.enc.proj
    x = torch.randn(4, 8, device=device)
    before = run_eval(model, x)
    names = apply(impl, model, ["proj"], r=4)
    assert names and names[0] == "enc.proj" and names in (["enc.proj"], ["enc.proj", "dec.proj"]), (
        f"targets ['proj'] (enc.proj and dec.proj are one Linear; proj is a Sequential): expected ['enc.proj'], got {names}"
    )
    assert model.enc.proj is model.dec.proj, "expected enc.proj and dec.proj to stay one module (the same LoRALinear)"
    assert wrapped(impl, model, "enc.proj").base is shared, "expected the LoRALinear's base to be the shared Linear"
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count == 4 * (8 + 8), f"one shared layer, r=4, 8->8: expected 64 trainable parameters, got {count}"
    got = run_eval(model, x)
    assert close(got, before, 1e-6, 1e-6), f"expected unchanged outputs after apply_lora; {gap(got, before)}"
    randomise_all(impl, model)
    before = run_eval(model, x)
    model = impl.merge_lora(model)
    left = [n for n, m in model.named_modules(remove_duplicate=False) if isinstance(m, impl.LoRALinear)]
    assert not left, f"after merge_lora expected no LoRALinear left; found at {left}"
    got = run_eval(model, x)
    assert close(got, before), f"eval mode: expected merge_lora to keep the outputs of the shared layer; {gap(got, before)}"


# ---------------------------------------------------------------- saving and loading the adapter


def _adapted(impl, device, seed: int = 0):
    torch.manual_seed(seed)
    model, x = transformer(device)
    apply(impl, model, ["q_proj", "v_proj"], r=2)
    return model, x


@check(
    "lora_state_dict holds exactly the LoRA parameters under their named_parameters() names",
    level="basic", points=2,
    hint="Filter model.named_parameters() on names ending in .lora_A or .lora_B; the frozen weights are not part of an adapter file.",
)
def test_state_dict_keys(impl, device):
    model, _ = _adapted(impl, device)
    randomise_all(impl, model)
    state = impl.lora_state_dict(model)
    assert isinstance(state, dict), f"expected a dict, got {type(state).__name__}"
    expected = lora_params(model)
    assert sorted(state) == sorted(expected), f"expected keys {sorted(expected)[:4]}...; got {sorted(state)[:6]}"
    for name, p in expected.items():
        assert isinstance(state[name], torch.Tensor) and close(state[name].to(p.device), p.detach(), 0, 0), f"expected state[{name!r}] equal to the parameter"


@check(
    "lora_state_dict returns detached copies that share no memory with the model",
    level="interview", points=2,
    hint="p.detach() still shares the parameter's storage (and so do state_dict() values): use p.detach().clone().",
)
def test_state_dict_copies(impl, device):
    model, _ = _adapted(impl, device)
    randomise_all(impl, model)
    state = impl.lora_state_dict(model)
    saved = {n: t.detach().clone() for n, t in state.items()}
    assert state and not any(t.requires_grad for t in state.values()), "expected detached tensors (requires_grad False)"
    with torch.no_grad():
        for p in lora_params(model).values():
            p.add_(1.0)
    changed = [n for n, t in state.items() if not torch.equal(t, saved[n])]
    assert not changed, f"after training on (parameters changed in place), expected the saved tensors unchanged; changed: {changed[:3]}"


@check(
    "load_lora_state_dict copies values into the same Parameter objects",
    level="interview", points=2,
    hint="Under torch.no_grad(), p.copy_(state[name]) for each of the model's LoRA parameters; assigning new Parameters (or p.data = tensor) breaks an optimiser holding the old ones, or shares memory with the state.",
)
def test_load_round_trip(impl, device):
    trained, x = _adapted(impl, device)
    randomise_all(impl, trained)
    state = impl.lora_state_dict(trained)
    want = run_eval(trained, x)
    fresh, _ = _adapted(impl, device)  # same base weights (same seed), fresh adapter
    before = {n: p for n, p in lora_params(fresh).items()}
    impl.load_lora_state_dict(fresh, state)
    after = lora_params(fresh)
    replaced = [n for n in before if after.get(n) is not before[n]]
    assert not replaced, f"expected the same Parameter objects after loading; replaced: {replaced[:3]}"
    assert all(p.requires_grad for p in after.values()), "expected the loaded LoRA parameters still trainable"
    got = run_eval(fresh, x)
    assert close(got, want), f"expected the loaded model to compute what the saved one did; {gap(got, want)}"
    with torch.no_grad():
        for t in state.values():
            t.add_(1.0)
    again = run_eval(fresh, x)
    assert close(again, want), "expected the model not to share memory with the loaded state (changing the state changed the model)"


@check(
    "load_lora_state_dict rejects unknown keys, missing keys and wrong shapes with ValueError",
    level="interview", points=2,
    hint="Compare the state's keys with the model's LoRA parameter names in both directions, and each tensor's shape, before copying anything.",
)
def test_load_rejects(impl, device):
    model, _ = _adapted(impl, device)
    state = impl.lora_state_dict(model)
    name = sorted(state)[0]
    cases = {
        "an unknown key": {**state, "layers.0.attn.k_proj.lora_A": state[name].clone()},
        "a frozen weight's key": {**state, "lm_head.weight": model.lm_head.weight.detach().clone()},
        "a missing key": {k: v for k, v in state.items() if k != name},
        "a transposed tensor": {**state, name: state[name].T.clone()},
    }
    for what, bad in cases.items():
        problem = raising(lambda: impl.load_lora_state_dict(model, bad))
        assert problem is None, f"expected ValueError for a state with {what}; it {problem}"


# ---------------------------------------------------------------- merge_lora


@check(
    "merge_lora leaves plain nn.Linear layers holding W + B A * alpha / r and base's bias, with the same eval outputs",
    level="interview", points=3,
    hint="For every LoRALinear (walk named_modules(remove_duplicate=False)), merge it and setattr its base (or a new nn.Linear with the merged weight and the base's bias) in its place; return the model.",
)
def test_merge_lora(impl, device):
    model, x = transformer(device)
    names = apply(impl, model, ["q_proj", "v_proj", "fc1"], r=2, alpha=3)
    randomise_all(impl, model)
    expected = {n: (merged_weight(model.get_submodule(n), 1.5), model.get_submodule(n).base.bias) for n in names}
    before = run_eval(model, x)
    result = impl.merge_lora(model)
    assert result is model, f"expected merge_lora to return the model itself, got {type(result).__name__}"
    for name, (weight, bias) in expected.items():
        layer = model.get_submodule(name)
        assert isinstance(layer, nn.Linear) and not isinstance(layer, impl.LoRALinear), f"expected {name} to be an nn.Linear, got {type(layer).__name__}"
        assert close(layer.weight.detach(), weight), f"{name}: expected the merged weight W + B A * alpha / r; {gap(layer.weight.detach(), weight)}"
        if bias is None:
            assert layer.bias is None, f"{name}: the base had no bias; expected none, got one"
        else:
            assert layer.bias is not None and close(layer.bias.detach(), bias.detach()), f"{name}: expected the base's bias"
    assert not lora_params(model), f"expected no LoRA parameters left; found {sorted(lora_params(model))[:3]}"
    after = run_eval(model, x)
    assert close(after, before), f"eval mode: expected the same outputs after merge_lora; {gap(after, before)}"


@check(
    "merge_lora on a LoRALinear itself returns its nn.Linear replacement",
    level="interview", points=1,
    hint="A module cannot replace itself inside its parent here: when model is a LoRALinear, return the merged Linear.",
)
def test_merge_lora_layer(impl, device):
    layer = impl.LoRALinear(nn.Linear(8, 6).to(device), 2, alpha=4)
    randomise(layer)
    x = torch.randn(3, 8, device=device)
    before = run_eval(layer, x)
    result = impl.merge_lora(layer)
    assert isinstance(result, nn.Linear) and not isinstance(result, impl.LoRALinear), (
        f"expected an nn.Linear in place of the LoRALinear, got {type(result).__name__}"
    )
    got = run_eval(result, x)
    assert close(got, before), f"eval mode: expected the replacement to compute what the LoRALinear did; {gap(got, before)}"


@check(
    "merge_lora does not fold a layer that was already merged a second time",
    level="expert", points=2,
    hint="A layer merged with merge() already holds B A in base.weight: go through its merge() (a no-op then) instead of adding the update again.",
)
def test_merge_lora_after_merge(impl, device):
    model, x = transformer(device)
    apply(impl, model, ["q_proj", "fc2"], r=2)
    randomise_all(impl, model)
    before = run_eval(model, x)
    model.get_submodule("layers.0.attn.q_proj").merge()
    model.get_submodule("layers.1.mlp.fc2").merge()
    model = impl.merge_lora(model)
    after = run_eval(model, x)
    assert close(after, before), f"two layers merged by merge() before merge_lora: expected the same eval outputs; {gap(after, before)}"


# ---------------------------------------------------------------- devices


@check(
    "LoRALinear around a layer on another device (a GPU) puts lora_A and lora_B there and runs there",
    level="interview", points=2,
    hint="Create lora_A and lora_B with device= and dtype= of base.weight; an nn.Parameter(torch.zeros(...)) "
    "without device= lives on the CPU, and the forward pass then mixes devices.",
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
    assert torch.allclose(here(out), expected, atol=1e-6), "expected base's output at initialisation, on its device"
