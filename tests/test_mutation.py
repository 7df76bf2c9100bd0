"""The mutation tool on a toy module (the full run is benchmarks/mutation.py, not a test)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from grader.authoring.mutate import mutants

ROOT = Path(__file__).resolve().parent.parent

TOY = '''"""Toy."""
import functools


@functools.lru_cache
def clip(x: int | None, *, low=0, high=1.5, strict=True) -> int | None:
    """Docstring stays."""
    if x < low or not strict:
        return low
    total = x * 2 - 1
    total += 1
    for i in range(3):
        if i == 2:
            break
    return min(total, high, key=abs)
'''


def _benchmark():
    spec = importlib.util.spec_from_file_location("mutation_benchmark", ROOT / "benchmarks" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_kind_of_first_order_mutant_is_generated_with_a_stable_unique_id():
    found = mutants(TOY)
    ids = [m.id for m in found]
    assert ids == [m.id for m in mutants(TOY)], "ids must not change between runs"
    assert len(ids) == len(set(ids))
    kinds = {m.kind for m in found}
    assert {"Lt->LtE", "Or->And", "drop-Not", "Mult->Div", "Sub->Add", "Add->Sub", "Eq->NotEq", "Break->Continue",
            "default 0->1", "default 1.5->2.5", "default True->False", "drop-kw key",
            "drop-decorator functools.lru_cache", "del-Return", "del-AugAssign", "del-For", "2->3"} <= kinds, kinds
    original = ast.unparse(ast.parse(TOY))
    for m in found:
        assert m.source != original
        assert '"""Docstring stays."""' in m.source or "'Docstring stays.'" in m.source, m.id
        ast.parse(m.source)
    assert not any(m.kind in ("BitOr->BitAnd",) for m in found), "annotations are never mutated"


def test_a_mutant_changes_exactly_one_thing():
    m = next(m for m in mutants(TOY) if m.kind == "Lt->LtE")
    assert m.id.startswith("8:7:")
    assert "if x <= low or not strict:" in m.source and "total = x * 2 - 1" in m.source


def test_check_mode_flags_unclassified_survivors_and_bad_classifications():
    bench = _benchmark()
    contract = {"toy": '"""Returns `low` when x is below it.\n    Ties go either way."""'}
    survivors = {"toy": ["8:7:Lt->LtE", "10:4:del-Assign", "11:4:del-AugAssign"]}
    classes = {"toy": {
        "8:7:Lt->LtE": {"verdict": "allowed", "contract": "Ties go either way."},
        "10:4:del-Assign": {"verdict": "equivalent", "why": "overwritten below"},
    }}
    assert bench.problems(survivors, classes, contract) == ["toy: survivor 11:4:del-AugAssign is not classified"]
    classes["toy"]["11:4:del-AugAssign"] = {"verdict": "allowed", "contract": "Anything goes."}
    classes["toy"]["10:4:del-Assign"] = {"verdict": "equivalent"}
    found = bench.problems(survivors, classes, contract)
    assert any("11:4:del-AugAssign" in p and "quote" in p for p in found)
    assert any("10:4:del-Assign" in p and "why" in p for p in found)
    assert bench.stale({"toy": ["8:7:Lt->LtE"]}, classes) == ["toy: 10:4:del-Assign", "toy: 11:4:del-AugAssign"]


def test_the_classification_file_has_a_table_per_exercise_and_only_valid_entries():
    from grader import registry

    bench = _benchmark()
    classes = bench.load_classifications()
    assert set(classes) == set(registry.names())
    contracts = {n: (ROOT / "exercises" / f"{n}.py").read_text(encoding="utf-8") for n in classes}
    classified = {name: list(entries) for name, entries in classes.items()}
    assert bench.problems(classified, classes, contracts) == []
