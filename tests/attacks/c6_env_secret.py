"""Class 6 (host harm): print the caller's environment (an API token among it) into the
result JSON.

exercise: probe
expected: not pass
harm: the secret is in the result
"""

import os


def answer():
    print(dict(os.environ))
    return 41
