"""Class 3 (forgery in the process): a trace function rewrites the check wrapper's local
`fn` to a no-op, so no check body runs and each still reports that it ran.

exercise: probe
expected: not pass
"""

import sys


def noop(*args, **kwargs):
    return None


def tracer(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "check" and "fn" in frame.f_code.co_freevars:
        frame.f_locals["fn"] = noop
    return None


sys.settrace(tracer)


def answer():
    return 41
