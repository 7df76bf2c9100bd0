"""Class 6 (host harm): read the worker's environment from /proc and print it into the
result JSON.

exercise: probe
expected: not pass
harm: the secret is in the result
"""

import os


def answer():
    try:
        print(open(f"/proc/{os.getppid()}/environ", "rb").read().replace(b"\0", b"\n").decode())
    except OSError:
        pass
    return 41
