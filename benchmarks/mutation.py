"""Mutation score of each grader: every first-order mutant of solutions/NAME.py (see
grader.authoring.mutate) graded through one warm worker; a mutant is killed when its grade is not a
pass. Prints killed/total per exercise and the survivors with their classification from
tests/mutation_survivors.toml ("equivalent", or "allowed" quoting the stub's sentence that
leaves the change to the implementer).

    python benchmarks/mutation.py [NAME...] [--check] [--json]
`--check` exits 1 when a survivor is unclassified or a classification is malformed.
A benchmark, not part of `make test`: all eight exercises take several minutes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import registry  # noqa: E402
from grader.authoring.mutate import Mutant, mutants  # noqa: E402

SURVIVORS = ROOT / "tests" / "mutation_survivors.toml"
VERDICTS = ("equivalent", "allowed")


def load_classifications(path: Path = SURVIVORS) -> dict[str, dict[str, dict]]:
    with open(path, "rb") as f:
        return tomllib.load(f)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def problems(survivors: dict[str, list[str]], classes: dict[str, dict[str, dict]],
             contracts: dict[str, str]) -> list[str]:
    """Why `--check` fails: each survivor of an exercise in `survivors` that `classes` does
    not classify, and each malformed classification of those exercises (an unknown
    verdict; "equivalent" without `why`; "allowed" whose `contract` is not a sentence of
    that exercise's contract text in `contracts`)."""
    out = []
    for name, ids in survivors.items():
        known = classes.get(name, {})
        out += [f"{name}: survivor {mid} is not classified" for mid in ids if mid not in known]
        for mid, entry in known.items():
            verdict = entry.get("verdict")
            if verdict not in VERDICTS:
                out.append(f"{name}: {mid}: verdict must be one of {VERDICTS}, not {verdict!r}")
            elif verdict == "equivalent" and not entry.get("why"):
                out.append(f"{name}: {mid}: an equivalent mutant needs `why`")
            elif verdict == "allowed":
                quote = _flat(entry.get("contract", ""))
                if not quote or quote not in _flat(contracts.get(name, "")):
                    out.append(f"{name}: {mid}: `contract` must quote a sentence of exercises/{name}.py")
    return out


def stale(survivors: dict[str, list[str]], classes: dict[str, dict[str, dict]]) -> list[str]:
    """Classified ids of the exercises run that did not survive (killed now, or renumbered)."""
    return [f"{name}: {mid}" for name, ids in survivors.items() for mid in classes.get(name, {}) if mid not in ids]


def run_exercise(grader, name: str, workdir: Path, log=print) -> dict:
    source = (ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")
    reference = grader.grade(name, ROOT / "solutions", device="cpu")
    if reference["status"] != "pass":
        raise SystemExit(f"{name}: the reference solution does not pass ({reference['message']})")
    timeout = max(10.0, 10 * reference["duration_s"])
    all_mutants = mutants(source)
    lines = source.splitlines()
    survivors: list[Mutant] = []
    start = time.perf_counter()
    for i, mutant in enumerate(all_mutants):
        folder = workdir / name / str(i)
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(mutant.source, encoding="utf-8")
        result = grader.grade(name, folder, device="cpu", failfast=True, timeout=timeout)
        if result["status"] == "pass":
            survivors.append(mutant)
    return {
        "exercise": name,
        "total": len(all_mutants),
        "killed": len(all_mutants) - len(survivors),
        "seconds": round(time.perf_counter() - start, 1),
        "survivors": [{"id": m.id, "code": lines[m.line - 1].strip()} for m in survivors],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="exercises (default: all)")
    parser.add_argument("--check", action="store_true", help="fail on an unclassified survivor")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = args.names or registry.names()
    unknown = sorted(set(names) - set(registry.names()))
    if unknown:
        parser.error(f"unknown exercise(s): {', '.join(unknown)}")

    from grader.run.engine import Grader

    classes = load_classifications()
    reports = []
    with Grader() as grader, tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        grader.start()
        for name in names:
            report = run_exercise(grader, name, Path(tmp))
            reports.append(report)
            if not args.json:
                _print(report, classes.get(name, {}))
    survivors = {r["exercise"]: [s["id"] for s in r["survivors"]] for r in reports}
    contracts = {name: (ROOT / "exercises" / f"{name}.py").read_text(encoding="utf-8") for name in names}
    found = problems(survivors, classes, contracts)
    if args.json:
        print(json.dumps({"exercises": reports, "problems": found, "stale": stale(survivors, classes)}, indent=1))
    else:
        total = sum(r["total"] for r in reports)
        killed = sum(r["killed"] for r in reports)
        print(f"all: killed {killed}/{total}")
        for line in stale(survivors, classes):
            print(f"note: classified but not a survivor now: {line}")
        for line in found:
            print(f"PROBLEM {line}")
    return 1 if args.check and found else 0


def _print(report: dict, classes: dict[str, dict]) -> None:
    print(f"{report['exercise']}: killed {report['killed']}/{report['total']}"
          f" ({100 * report['killed'] / max(report['total'], 1):.1f}%) in {report['seconds']} s", flush=True)
    for s in report["survivors"]:
        verdict = classes.get(s["id"], {}).get("verdict", "UNCLASSIFIED")
        print(f"  survivor {s['id']:<36} [{verdict}]  {s['code']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
