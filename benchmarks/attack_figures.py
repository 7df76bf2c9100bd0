"""The attack suite's figures: every hostile submission in tests/attacks/ graded once, with
its outcome (blocked: no pass; flagged: a pass carrying a run-time flag; static: a pass
flagged only by the source scan; undetected: a pass and no flag) and any harm to the host.

    python benchmarks/attack_figures.py [--json] [ATTACK ...]

It needs only `Grader.grade` and the result schema, so it also runs in a checkout of an
older revision (copy tests/attacks/, tests/faults/ and this script there) to give the
"before" column.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("attack_harness", ROOT / "tests" / "attacks" / "harness.py")
harness = sys.modules["attack_harness"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)


def main() -> None:
    from grader import registry
    from grader.run.engine import Grader

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("attacks", nargs="*", help="attack names (default: all)")
    args = parser.parse_args()
    chosen = [a for a in harness.attacks() if not args.attacks or a.stem in args.attacks]
    probe = registry.Exercise(name="probe", questions=(), title={"en": "probe", "zh": "probe"},
                              hints={"en": (), "zh": ()}, points=3, timeout_s=20,
                              grader_file=harness.FAULTS / "probe.py")
    fakes = {n: dataclasses.replace(probe, name=n, grader_file=harness.FAULTS / f"{n}.py")
             for n in ("probe", "tensors", "numeric")}
    real_get = registry.get
    registry.get = lambda name: fakes.get(name) or real_get(name)
    rows = []
    with tempfile.TemporaryDirectory(prefix="attacks_") as tmp, \
            harness.world(Path(tmp), Grader, memory_mb=1024) as world:
        for attack in chosen:
            spec = harness.Spec.of(attack)
            outcome = harness.run(world, attack, registry.get(spec.exercise).grader_file)
            r = outcome.result
            rows.append({"attack": attack.stem, "category": outcome.category, "status": r["status"],
                         "harms": outcome.harms, "as_expected": outcome.meets_expectation() and not outcome.harms,
                         "isolation": (r.get("isolation") or {}).get("level", "-"),
                         "runtime_flags": [f"{f['kind']}@{f['line']}" for f in outcome.runtime_flags],
                         "message": r["message"][:100], "output": "".join(t["output"] for t in r["tests"])[:300]})
    counts = Counter(row["category"] for row in rows)
    summary = {"attacks": len(rows), **{k: counts.get(k, 0) for k in ("blocked", "flagged", "static", "undetected")},
               "harmful": sum(bool(row["harms"]) for row in rows)}
    if args.json:
        print(json.dumps({"summary": summary, "rows": rows}))
        return
    for row in rows:
        mark = "ok " if row["as_expected"] else "BAD"
        print(f"{mark} {row['attack']:28} {row['category']:10} {row['status']:7} {','.join(row['runtime_flags']):18} "
              f"{'; '.join(row['harms'])[:60]}")
    print(" ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
