"""Class 1 (the reference is reachable): import the reference solution instead of writing one.

exercise: prior_knowledge
expected: not pass
"""

from solutions.prior_knowledge import *  # noqa: F401,F403
