"""Class 3 (forgery in the process): vars(builtins)["ValueError"] = Exception, so a check
that wants a ValueError accepts any exception.

exercise: numeric
expected: not pass
"""

import builtins

vars(builtins)["ValueError"] = Exception


def scale(a):
    return 2 * a


def widen(x):
    return x.double()


def parse(text):
    return int(text) if text.isdigit() else [][0]  # IndexError, not ValueError


def halve(x):
    return x / 2
