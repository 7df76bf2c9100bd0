"""Class 3 (forgery in the process): find_head returns a str subclass whose == is always
True, so the execution-order check passes for a find_head that ignores execution order.
The engine cannot see this: it needs the grader to test `type(path) is str` (graders20b).

exercise: heads
expected: check "find_head with an example input returns the last layer to run, not the last registered" not pass
"""

from torch import nn


class Always(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


def find_head(model, example_input=None):
    found = [name for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    if not found:
        raise ValueError("no Linear or Conv2d layer")
    return Always(found[-1]) if example_input is not None else found[-1]


def replace_head(model, num_outputs, example_input=None, *, bias=True):
    raise NotImplementedError
