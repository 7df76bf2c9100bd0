"""pytest plugin for grader modules: the `impl` and `device` fixtures.

Loaded with `-p grader.run.plugin`; options `--impl-dir DIR` (default: solutions/) and
`--device cpu|cuda`. A grader can also be run by hand:
    python -m pytest -p grader.run.plugin grader/graders/freezing.py --impl-dir exercises
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Modules already imported by the engine's child process before pytest started,
# keyed by resolved file path, so the candidate's module is executed exactly once.
preloaded: dict[str, ModuleType] = {}


def load_impl(path: Path, before: Callable[[ModuleType], None] | None = None) -> ModuleType:
    """Import the candidate's file under its own name (`heads.py` as `heads`, as the
    candidate's own `import heads` would: nothing in the name says "grader"), registered
    in sys.modules when that name is free; `before(module)` runs just before its code
    does. Exceptions propagate."""
    path = path.resolve()
    key = str(path)
    if key in preloaded:
        return preloaded[key]
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    registered = name not in sys.modules
    if registered:
        sys.modules[name] = module
    if before is not None:
        before(module)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if registered:
            sys.modules.pop(name, None)
        raise
    preloaded[key] = module
    return module


def pytest_addoption(parser):
    group = parser.getgroup("transferlings grader")
    group.addoption("--impl-dir", default=str(ROOT / "solutions"), help="folder holding NAME.py")
    group.addoption("--impl-file", default=None, help="the file to grade (overrides --impl-dir)")
    group.addoption("--device", default="cpu", help="cpu or cuda")


@pytest.fixture(scope="session")
def device(pytestconfig):
    import torch

    return torch.device(pytestconfig.getoption("device"))


@pytest.fixture(scope="module")
def impl_path(request, pytestconfig) -> Path:
    if pytestconfig.getoption("impl_file"):
        return Path(pytestconfig.getoption("impl_file"))
    exercise = Path(request.module.__file__).stem
    return Path(pytestconfig.getoption("impl_dir")) / f"{exercise}.py"


@pytest.fixture(scope="module")
def impl(impl_path) -> ModuleType:
    return load_impl(impl_path)


@pytest.fixture(autouse=True)
def _seeded():
    import torch

    torch.manual_seed(0)
    yield
