"""Class 5 (points): sign forged entries worth 54000 points through the reporter (found
with gc), so a wrong answer scores more than the exercise is worth.

exercise: probe
expected: not pass
"""

import gc
import os

for obj in gc.get_objects():
    if hasattr(obj, "emit") and hasattr(obj, "partial"):
        for nodeid in ("probe.py::test_answer", "probe.py::test_type"):
            entry = {"name": "x", "status": "pass", "message": "", "hint": "", "duration_s": 0.0,
                     "level": "expert", "points": 27000, "hidden": False, "output": ""}
            obj.emit({"event": "ran", "id": nodeid})
            obj.emit({"event": "test", "id": nodeid, "entry": entry, "status": "pass", "points": 27000,
                      "message": "", "duration": 0.0, "output": ""})
        obj.emit({"event": "end"})
        os._exit(0)


def answer():
    return 41
