"""Class 2 (the static scan is evaded): the forgery lives in a module written to the
scratch folder at run time and imported from there, so the submission's own source holds
nothing to see: it takes frames, finds the check wrapper's signing function and signs a
pass for every check.

exercise: probe
expected: not pass
"""

import importlib
import os
import sys
import tempfile

HELPER = '''
import os, sys
def forge():
    frame = sys._getframe()
    while frame is not None:
        emit = frame.f_locals.get("emit")
        if callable(emit):
            for nodeid in ("probe.py::test_answer", "probe.py::test_type"):
                entry = {"name": "x", "status": "pass", "message": "", "hint": "", "duration_s": 0.0,
                         "level": "basic", "points": 1, "hidden": False, "output": ""}
                emit({"event": "ran", "id": nodeid})
                emit({"event": "test", "id": nodeid, "entry": entry, "status": "pass", "message": "",
                      "duration": 0.0, "output": ""})
            emit({"event": "end"})
            os._exit(0)
        frame = frame.f_back
'''
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "helpers.py"), "w") as f:
    f.write(HELPER)
sys.path.insert(0, folder)
helpers = importlib.import_module("helpers")


def answer():
    helpers.forge()
    return 41
