"""Command palette (ctrl+p): every question and exercise by number and name, in both
languages ("freez", "question 5", "问题 5"), ranked above the app's generic commands.
Offers nothing during a mock interview, where it would reveal answers."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from grader import registry
from quiz.questions import bank

# A hit of ours scores above any generic command (whose scores are in [0, 1]).
BOOST = 1.0


def targets() -> list[tuple[str, str, str, str, object]]:
    """(lang, text to match, help, kind, key) for every question and exercise, in both languages."""
    found = []
    for q in bank.load_questions():
        found.append(("en", f"Question {q.id}: {q.title['en']}", q.title["zh"], "question", q.id))
        found.append(("zh", f"问题 {q.id}：{q.title['zh']}", q.title["en"], "question", q.id))
    for name in registry.names():
        ex = registry.get(name)
        found.append(("en", f"Exercise {name}: {ex.title['en']}", ex.title["zh"], "exercise", name))
        found.append(("zh", f"练习 {name}：{ex.title['zh']}", ex.title["en"], "exercise", name))
    return found


class QuestionsProvider(Provider):
    def _blocked(self) -> bool:
        """A screen that hides answers (a running interview) is open."""
        return any(getattr(s, "hides_answers", False) for s in self.app.screen_stack)

    def _open(self, kind: str, key) -> None:
        if kind == "question":
            self.app.open_question(key)
        else:
            self.app.open_exercise(key)

    async def discover(self) -> Hits:
        if self._blocked():
            return
        lang = self.app.lang
        for text_lang, text, help_text, kind, key in targets():
            if text_lang == lang:
                yield Hit(BOOST, text, partial(self._open, kind, key), text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        if self._blocked():
            return
        matcher = self.matcher(query)
        best: dict[tuple, Hit] = {}
        for _, text, help_text, kind, key in targets():
            score = matcher.match(text)
            if score > 0 and ((kind, key) not in best or best[(kind, key)].score < BOOST + score):
                best[(kind, key)] = Hit(BOOST + score, matcher.highlight(text), partial(self._open, kind, key),
                                        text=text, help=help_text)
        for hit in best.values():
            yield hit
