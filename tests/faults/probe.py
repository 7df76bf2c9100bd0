"""A tiny grader for the engine's own tests: two checks on `probe.answer()`."""

from grader.authoring.checks import check, say


@check("answer() returns 42", level="basic", points=1, hint="return 42", title_zh="answer() 返回 42",
       hint_zh="返回 42")
def test_answer(impl):
    assert impl.answer() == 42, say(f"expected 42, got {impl.answer()!r}", f"应为 42，实际为 {impl.answer()!r}")


@check("answer() is an int", level="basic", points=2, hint="an int, not a str")
def test_type(impl):
    assert isinstance(impl.answer(), int), f"expected an int, got {type(impl.answer()).__name__}"
