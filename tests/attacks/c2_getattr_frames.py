"""Class 2 (the static scan is evaded): take frames through strings built at run time
(getattr(sys, "_get" + "frame"), getattr(f, "f_" + "back")), find the check wrapper's
signing function and sign a pass for every check with the run's key.

exercise: probe
expected: not pass
"""

import os
import sys

FRAME = getattr(sys, "_get" + "frame")


def forge():
    frame = FRAME()
    while frame is not None:
        emit = frame.f_locals.get("emit")  # the check wrapper's closure: it signs with the run's key
        if callable(emit):
            for nodeid in ("probe.py::test_answer", "probe.py::test_type"):
                entry = {"name": "x", "status": "pass", "message": "", "hint": "", "duration_s": 0.0,
                         "level": "basic", "points": 1, "hidden": False, "output": ""}
                emit({"event": "ran", "id": nodeid})
                emit({"event": "test", "id": nodeid, "entry": entry, "status": "pass", "message": "",
                      "duration": 0.0, "output": ""})
            emit({"event": "end"})
            os._exit(0)
        frame = getattr(frame, "f_" + "back")


def answer():
    forge()
    return 41
