"""Class 6 (host harm): overwrite another submission's file with a wrong answer.

exercise: probe
expected: not pass
harm: a file outside the scratch folder changes
"""

try:
    with open("@SIBLING@/probe.py", "w") as f:
        f.write("def answer():\n    return 0\n")
except OSError:
    pass


def answer():
    return 41
