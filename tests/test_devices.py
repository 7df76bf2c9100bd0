"""grader.authoring.devices: tensors that report another device catch, on a CPU-only machine, what
CUDA refuses (a CPU tensor made without device= meeting an input's tensor) and allow what
CUDA allows (CPU scalars where an op takes them, CPU index tensors, copies across devices,
`p.data = p.data.to(device)`). Each rule of the module's docstring has a case here."""

from __future__ import annotations

import numpy as np
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


ALLOWED = {  # as on CUDA: (what, where the result lives)
    "one CPU scalar in a binary op": (lambda x, d: torch.tensor(2.0) + x * torch.tensor(3.0), "there"),
    "a CPU scalar in a comparison": (lambda x, d: x > torch.tensor(1.0), "there"),
    "a CPU scalar bound of clamp_min": (lambda x, d: torch.clamp_min(x, torch.tensor(0.5)), "there"),
    "a CPU scalar weight of lerp": (lambda x, d: torch.lerp(x, 2 * x, torch.tensor(0.5)), "there"),
    "CPU scalars anywhere in torch.where": (lambda x, d: torch.where(torch.tensor(True), x, torch.tensor(0.0)), "there"),
    "a CPU scalar as masked_fill's value": (lambda x, d: x.masked_fill(x > 2, torch.tensor(-1.0)), "there"),
    "a CPU scalar as fill_'s value": (lambda x, d: torch.zeros(3, device=d).fill_(torch.tensor(4.0)), "there"),
    "a GPU scalar as fill_'s value of a CPU tensor": (lambda x, d: torch.zeros(3).fill_(x.sum()), "cpu"),
    "an in-place op on the GPU with a CPU scalar": (lambda x, d: x.clone().mul_(torch.tensor(2.0)), "there"),
    "CPU indices for a GPU tensor": (lambda x, d: x[torch.tensor([1, 0])], "there"),
    "writing a CPU scalar at CPU indices": (lambda x, d: x.clone().index_put_((torch.tensor([1]),), torch.tensor(9.0)),
                                            "there"),
    "writing a GPU scalar into a CPU tensor": (lambda x, d: torch.zeros(3).index_put_((torch.tensor([1]),), x.sum()),
                                               "cpu"),
    "copy_ from the GPU into a CPU tensor": (lambda x, d: torch.zeros(4, 3).copy_(x), "cpu"),
    "x.to(other_tensor)": (lambda x, d: torch.ones(3).to(x), "there"),
    "zeros_like(x)": (lambda x, d: torch.zeros_like(x), "there"),
    "zeros_like(x, device='cpu')": (lambda x, d: torch.zeros_like(x, device="cpu"), "cpu"),
    "x.new_zeros(3, device='cpu')": (lambda x, d: x.new_zeros(3, device="cpu"), "cpu"),
    "factories given device=": (lambda x, d: torch.stack([torch.randn(3, device=d), torch.arange(3, device=d),
                                                          torch.full((3,), 2.0, device=d), torch.eye(3, device=d)[0]]),
                                "there"),
    "torch.tensor(x) keeps x's device": (lambda x, d: torch.tensor(x), "there"),
    "torch.tensor of GPU scalars reads their values": (lambda x, d: torch.tensor([x[0, 0], x[1, 1]]), "cpu"),
}

REFUSED = {  # as on CUDA: DeviceMismatch
    "a CPU tensor in a binary op": lambda x, d: x + torch.ones(3),
    "the GPU tensor moved to the CPU meeting itself": lambda x, d: x.cpu() + x,
    "a CPU matrix in matmul": lambda x, d: x @ torch.ones(3, 2),
    "a CPU scalar in stack": lambda x, d: torch.stack([x.sum(), torch.tensor(1.0)]),
    "a CPU scalar bound of clamp": lambda x, d: torch.clamp(x, min=torch.tensor(0.5)),
    "a CPU scalar in addcmul": lambda x, d: torch.addcmul(x, x, torch.tensor(2.0)),
    "two CPU scalars in one op (lerp)": lambda x, d: torch.lerp(x, torch.tensor(1.0), torch.tensor(0.5)),
    "a CPU 0-dim output of an in-place op": lambda x, d: torch.zeros(()).add_(x.sum()),
    "a CPU index for index_select": lambda x, d: x.index_select(0, torch.tensor([1])),
    "GPU indices for a CPU tensor": lambda x, d: torch.zeros(3)[torch.tensor([1]).to(d)],
    "CPU values written at CPU indices of a GPU tensor": lambda x, d: x.clone().index_put_((torch.tensor([1]),),
                                                                                             torch.ones(3)),
    "CPU targets for a GPU loss": lambda x, d: nn.functional.cross_entropy(x, torch.tensor([0, 1, 2, 0])),
}


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")
@pytest.mark.parametrize("what", list(ALLOWED))
def test_what_cuda_allows_runs_and_lands_where_cuda_puts_it(x, what):
    fn, where = ALLOWED[what]
    with another_device() as device:
        result = fn(x, device)
    assert on_elsewhere(result) == (where == "there"), f"{what}: result on {result.device}"


@pytest.mark.parametrize("what", list(REFUSED))
def test_what_cuda_refuses_raises(x, what):
    with another_device() as device, pytest.raises(DeviceMismatch):
        REFUSED[what](x, device)


@pytest.mark.parametrize("convert", [lambda t: t.numpy(), np.asarray], ids=["numpy", "asarray"])
def test_numpy_conversion_fails_as_on_cuda(x, convert):
    with another_device(), pytest.raises(TypeError, match="Use Tensor.cpu"):
        convert(x)


def test_values_come_back_to_the_host(x):
    with another_device():
        assert (x.sum().item(), float(x[0, 1]), bool(x[1, 1]), x[0].tolist()) == (66.0, 1.0, True, [0.0, 1.0, 2.0])


def test_data_assignment_moves_a_parameter_and_keeps_it_in_the_module():
    layer = nn.Linear(3, 2)
    before = list(layer.parameters())
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    with another_device() as device:
        for p in layer.parameters():
            p.data = p.data.to(device)
        assert [id(p) for p in layer.parameters()] == [id(p) for p in before]
        assert all(on_elsewhere(p) and isinstance(p, nn.Parameter) and p.requires_grad for p in layer.parameters())
        weight = here(layer.weight).clone()
        layer(elsewhere(torch.ones(4, 3))).sum().backward()
        optimizer.step()
        assert on_elsewhere(layer.weight.grad) and not torch.equal(here(layer.weight), weight)
        for p in layer.parameters():
            p.data = p.data.cpu()
    assert all(type(p) is nn.Parameter and p.requires_grad for p in layer.parameters())


def test_module_to_keeps_each_parameter_object_so_an_earlier_optimizer_trains_it():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    first = model[0].weight
    with another_device() as device:
        model.to(device)
        assert model[0].weight is first and on_elsewhere(first) and on_elsewhere(model[1].running_mean)
        model(elsewhere(torch.randn(4, 3))).pow(2).mean().backward()
        optimizer.step()
        state = optimizer.state[first]
    assert on_elsewhere(state["exp_avg"]) and not on_elsewhere(state["step"])


def test_tied_parameters_stay_tied_when_a_module_moves():
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    model[1].weight = model[0].weight
    elsewhere(model)
    assert model[1].weight is model[0].weight and on_elsewhere(model[0].weight)
