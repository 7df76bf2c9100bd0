"""Hostile submissions (tests/attacks/c<class>_*.py, one trick each, its docstring naming
the class and what must come of it): every one ends in a non-pass verdict or passes
carrying the run-time flag that names what it did, and none harms the host (files
outside its scratch folder, the progress store, the network, the result JSON, processes
left behind). One warm grader serves them all (about 30 s)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

from grader import registry
from grader.run.engine import Grader

HARNESS = Path(__file__).parent / "attacks" / "harness.py"
_spec = importlib.util.spec_from_file_location("attack_harness", HARNESS)
harness = sys.modules["attack_harness"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

PROBE = registry.Exercise(
    name="probe", questions=(), title={"en": "probe", "zh": "probe"}, hints={"en": (), "zh": ()},
    points=3, timeout_s=20, grader_file=harness.FAULTS / "probe.py",
)
FAKES = {name: dataclasses.replace(PROBE, name=name, grader_file=harness.FAULTS / f"{name}.py")
         for name in ("probe", "tensors", "numeric")}


def exercise(name: str) -> registry.Exercise:
    return FAKES.get(name) or registry.get(name)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        real_get = registry.get
        mp.setattr(registry, "get", lambda name: FAKES.get(name) or real_get(name))
        with harness.world(tmp_path_factory.mktemp("attacks"), Grader, memory_mb=1024) as w:
            yield w


@pytest.mark.parametrize("attack", harness.attacks(), ids=lambda p: p.stem)
def test_an_attack_never_passes_unflagged_and_harms_nothing(world, attack):
    spec = harness.Spec.of(attack)
    outcome = harness.run(world, attack, exercise(spec.exercise).grader_file)
    result = outcome.result
    assert outcome.harms == [], outcome.harms
    assert outcome.meets_expectation(), (spec.expected, result["status"], result["message"], result["flags"])
    assert result["isolation"]["level"] == "full", result["isolation"]
