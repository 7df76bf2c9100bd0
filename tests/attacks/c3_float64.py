"""Class 3 (forgery in the process): torch.float64 = torch.float32, so a float32 result
passes a check for float64.

exercise: numeric
expected: not pass
"""

import torch

torch.float64 = torch.float32


def scale(a):
    return 2 * a


def widen(x):
    return x.float()


def parse(text):
    return int(text)


def halve(x):
    return x / 2
