"""Class 6 (host harm): leave a file in a shared temporary folder.

exercise: probe
expected: not pass
harm: a file appears outside the scratch folder
"""

try:
    with open("@TMP@/left-behind", "w") as f:
        f.write("x")
except OSError:
    pass


def answer():
    return 41
