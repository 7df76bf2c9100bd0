"""Class 3 (forgery in the process): find the reporter through gc.get_objects() and sign
a pass for every check with the run's key.

exercise: probe
expected: not pass
"""

import gc
import os

for obj in gc.get_objects():
    if hasattr(obj, "emit") and hasattr(obj, "partial"):
        for nodeid in ("probe.py::test_answer", "probe.py::test_type"):
            entry = {"name": "x", "status": "pass", "message": "", "hint": "", "duration_s": 0.0,
                     "level": "basic", "points": 1, "hidden": False, "output": ""}
            obj.emit({"event": "ran", "id": nodeid})
            obj.emit({"event": "test", "id": nodeid, "entry": entry, "status": "pass", "message": "",
                      "duration": 0.0, "output": ""})
        obj.emit({"event": "end"})
        os._exit(0)


def answer():
    return 41
