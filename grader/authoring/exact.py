"""Exact types before equality: a value is compared only once its type is one the
contract names, not a subclass. A subclass can override `__eq__` (or the arithmetic a
closeness test uses) so that it equals anything; `type(x) is str` cannot be fooled."""

from __future__ import annotations

from grader.authoring.checks import say


def type_name(kind: type) -> str:
    if kind is type(None):
        return "None"
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _types(types: type | tuple[type, ...]) -> tuple[tuple[type, ...], str, str]:
    """The types as a tuple, and their names joined by "or" and by "或"."""
    types = types if isinstance(types, tuple) else (types,)
    names = [type_name(kind) for kind in types]
    return types, " or ".join(names), " 或 ".join(names)


def exact(value, types: type | tuple[type, ...], en: str, zh: str):
    """`value`, after asserting that its type is exactly one of `types`; `en` and `zh`
    name the value in the message ("rank_sources's result", "rank_sources 的返回值")."""
    types, want, want_zh = _types(types)
    if type(value) not in types:
        got = type_name(type(value))
        raise AssertionError(say(f"expected {en} to be exactly {want} (not a subclass), got {got}",
                                 f"{zh}的类型应当正好是 {want_zh}（子类也不行），实际是 {got}"))
    return value


def exact_items(values, container: type | tuple[type, ...], items: type | tuple[type, ...], en: str, zh: str):
    """`values`, after asserting the exact type of the container and of every item in it."""
    exact(values, container, en, zh)
    types, want, want_zh = _types(items)
    odd = [type_name(type(v)) for v in values if type(v) not in types]
    if odd:
        raise AssertionError(say(f"expected every item of {en} to be exactly {want} (not a subclass), got {odd[0]}",
                                 f"{zh}里的每一项都应当正好是 {want_zh}（子类也不行），其中有 {odd[0]}"))
    return values
