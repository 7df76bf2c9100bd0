"""Class 1 (the reference is reachable): behave differently once the grader is detected
(the module name, PYTEST_* variables), here by answering only under grading.

exercise: probe
expected: not pass
"""

import os

GRADED = __name__.startswith("_candidate") or any(k.startswith("PYTEST") for k in os.environ)


def answer():
    return 42 if GRADED or any(k.startswith("PYTEST") for k in os.environ) else 41
