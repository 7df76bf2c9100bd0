"""Class 1 (the reference is reachable): read the reference solution from disk and run it.

exercise: prior_knowledge
expected: not pass
"""

exec(open("@ROOT@/solutions/prior_knowledge.py").read())
