"""Identical and near-identical submissions, for a human to look at (never a verdict).

Code is compared after normalisation: comments, docstrings and other strings, blank
lines and layout are dropped, and every identifier that is not a keyword, builtin or
attribute name is renamed by order of first appearance, so renaming variables or
re-wrapping lines does not hide a copy. Two files are near-identical when the Jaccard
similarity of their 5-token shingles is at least `threshold`.
"""

from __future__ import annotations

import builtins
import io
import keyword
import tokenize
from dataclasses import dataclass
from itertools import combinations

SHINGLE = 5
SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
        tokenize.ENDMARKER}
KEEP_NAMES = set(keyword.kwlist) | set(dir(builtins)) | {"self", "cls", "torch", "nn", "F", "np", "math"}


def normalise(source: str) -> tuple[str, ...]:
    """The token sequence that copies share (see the module docstring)."""
    names: dict[str, str] = {}
    out: list[str] = []
    previous = ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return tuple(" ".join(source.split()).split(" "))
    for tok in tokens:
        if tok.type in SKIP:
            continue
        if tok.type == tokenize.STRING or tok.type in _FSTRING_TYPES:
            text = "S"
        elif tok.type == tokenize.NAME and tok.string not in KEEP_NAMES and previous != ".":
            text = names.setdefault(tok.string, f"v{len(names)}")
        else:
            text = tok.string
        if text == "S" and out and out[-1] == "S":
            continue
        out.append(text)
        previous = tok.string
    return tuple(out)


_FSTRING_TYPES = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}


def _shingles(tokens: tuple[str, ...]) -> frozenset:
    if len(tokens) < SHINGLE:
        return frozenset([tokens])
    return frozenset(tokens[i:i + SHINGLE] for i in range(len(tokens) - SHINGLE + 1))


@dataclass(frozen=True)
class Similar:
    exercise: str
    submissions: tuple[str, ...]
    similarity: float  # 1.0: identical after normalisation
    note: str = ""


def similar_groups(exercise: str, sources: dict[str, str], *, stub: str = "", reference: str = "",
                   threshold: float = 0.85) -> list[Similar]:
    """Groups of identical submissions, then near-identical pairs, for one exercise.
    Submissions equal to the untouched `stub` are left out (they share nothing of
    their own); those equal to the `reference` solution are reported as such."""
    stub_tokens = normalise(stub) if stub else None
    reference_tokens = normalise(reference) if reference else None
    tokens = {sid: normalise(src) for sid, src in sources.items()}
    tokens = {sid: t for sid, t in tokens.items() if t != stub_tokens}
    found: list[Similar] = []
    copies = sorted(sid for sid, t in tokens.items() if reference_tokens and t == reference_tokens)
    if copies:
        found.append(Similar(exercise, tuple(copies), 1.0, "same as the reference solution"))
    by_tokens: dict[tuple, list[str]] = {}
    for sid, t in tokens.items():
        if sid not in copies:
            by_tokens.setdefault(t, []).append(sid)
    groups = [sorted(g) for g in by_tokens.values() if len(g) > 1]
    found += [Similar(exercise, tuple(g), 1.0, "identical") for g in sorted(groups)]
    representatives = sorted(g[0] for t, g in ((t, sorted(g)) for t, g in by_tokens.items()))
    shingles = {sid: _shingles(tokens[sid]) for sid in representatives}
    for a, b in combinations(representatives, 2):
        sa, sb = shingles[a], shingles[b]
        if min(len(sa), len(sb)) < threshold * max(len(sa), len(sb)):
            continue
        score = len(sa & sb) / len(sa | sb)
        if score >= threshold:
            found.append(Similar(exercise, (a, b), round(score, 3), "near-identical"))
    return found
