"""Class 4 (skips): code compiled under another file name raises pytest's Skipped, so the
check is skipped instead of failed, and the run reported a pass.

exercise: probe
expected: not pass
"""

SOURCE = '''
import pytest
calls = []
def answer():
    calls.append(1)
    if len(calls) == 1:
        pytest.skip("not applicable")
    return 41
'''
exec(compile(SOURCE, "<probe>", "exec"))
