"""Class 6 (host harm): record passing runs of every exercise in the progress store
through quiz.storage, so `transferlings status` shows untouched stubs as passed.

exercise: probe
expected: not pass
harm: the progress store gains runs
"""

try:
    from quiz.storage.store import Store

    store = Store()
    for name in ("freezing", "heads", "transfer_rate", "house_prices", "fine_tuning", "prior_knowledge",
                 "source_selection", "domain_shift", "data_efficiency", "lora"):
        store.record_run({"exercise": name, "impl": "x", "status": "pass", "message": "all checks passed",
                          "device": "cpu", "duration_s": 0.1, "passed": 1, "failed": 0, "points": 1,
                          "max_points": 1, "tests": [], "flags": []})
    store.close()
except Exception:
    pass


def answer():
    return 41
