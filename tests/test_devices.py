"""grader.authoring.devices: tensors that report another device catch, on a CPU-only machine, what
CUDA refuses (a CPU tensor made without device= meeting an input's tensor) and allow what
CUDA allows (CPU scalars, CPU index tensors, copies across devices)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grader.authoring.devices import DeviceMismatch, another_device, call_elsewhere, elsewhere, here, on_elsewhere


@pytest.fixture
def x():
    return elsewhere(torch.arange(12.0).reshape(4, 3))


def test_tensors_made_with_the_inputs_device_follow_it(x):
    with another_device() as device:
        assert x.device == device != torch.device("cpu")
        made = [torch.zeros(3, device=x.device), x.new_zeros(3), torch.tensor([1.0, 2.0, 3.0], device=x.device),
                torch.as_tensor([0, 1, 2], device=x.device), torch.ones(3).to(x.device), x.sum(0), x.double()]
        assert all(on_elsewhere(t) for t in made)
        total = x.sum(0) + torch.zeros(3, device=x.device)
        assert torch.equal(here(total), torch.tensor([18.0, 22.0, 26.0]))
        assert x.sum().item() == 66.0 and x[0].tolist() == [0.0, 1.0, 2.0]
        assert not on_elsewhere(x.cpu())


@pytest.mark.parametrize("mix", [
    lambda x: x.sum(0) + torch.zeros(3),
    lambda x: torch.cat([x, torch.zeros(1, 3)]),
    lambda x: torch.zeros(4).index_put_((torch.tensor([0, 1]).to(x.device),), torch.ones(2, device=x.device)),
    lambda x: torch.zeros(()).add_(x.sum()),
])
def test_mixing_with_a_cpu_tensor_raises(x, mix):
    with another_device(), pytest.raises(DeviceMismatch):
        mix(x)


def test_what_cuda_allows_with_cpu_tensors_passes(x):
    with another_device():
        assert on_elsewhere(x * torch.tensor(2.0))
        assert on_elsewhere(x[torch.tensor([0, 2])])
        target = torch.zeros(3, device=x.device)
        target.copy_(torch.ones(3))
        assert on_elsewhere(target) and torch.equal(here(target), torch.ones(3))


def test_modules_train_there_and_in_place_reshapes_keep_the_wrapper_consistent():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    data = torch.randn(8, 3)
    out = call_elsewhere(lambda m, d: m(d).pow(2).mean(), model, data)
    assert on_elsewhere(out) and all(on_elsewhere(p) for p in model.parameters())
    with another_device():
        out.backward()
        torch.optim.Adam(model.parameters(), lr=0.1).step()
        vector = torch.ones(4, device=out.device) @ torch.ones(4, 4, device=out.device)
    assert vector.shape == (4,) and on_elsewhere(model[0].weight.grad)


def test_a_generator_on_the_inputs_device_shuffles_there(x):
    with another_device():
        g = torch.Generator(device=x.device).manual_seed(0)
        order = torch.randperm(4, generator=g, device=x.device)
        assert on_elsewhere(order) and on_elsewhere(x[order])
    assert torch.Generator is torch._C.Generator


def test_call_elsewhere_names_the_function_in_one_line():
    def weights(labels):
        w = torch.zeros(3)
        w[labels] = 1.0
        return w

    with pytest.raises(AssertionError, match=r"^weights on inputs of another device .*index_put"):
        call_elsewhere(weights, torch.tensor([0, 2]))
