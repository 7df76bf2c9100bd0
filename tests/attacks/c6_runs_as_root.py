"""Class 6 (host harm): use root's powers (here: just prove them) when the app runs as root.

exercise: probe
expected: not pass
"""

import os


def answer():
    return 42 if os.geteuid() == 0 else 41
