"""The UI's handle on the grading engine: starts the warm worker in a background thread
after the first screen is drawn, and grades from Textual thread workers."""

from __future__ import annotations

import threading

from grader.run.engine import Grader


class GradingService:
    def __init__(self, grader: Grader | None = None):
        self.owns_grader = grader is None
        self.grader = grader or Grader()
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start_in_background(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._start, name="grader-start", daemon=True)
            self._thread.start()

    def _start(self) -> None:
        try:
            self.grader.start()
        except Exception as e:  # shown to the user when they grade
            self.error = str(e)

    @property
    def cuda(self) -> bool:
        return self.grader.started and self.grader.cuda

    def grade(self, exercise: str, folder, **kwargs) -> dict:
        """Blocking: call from a worker thread."""
        return self.grader.grade(exercise, folder, **kwargs)

    def close(self) -> None:
        if self.owns_grader:
            self.grader.close()
