"""Class 7 (memory verdict): an honest submission that forks three Python workers; each
shares the warm process's pages, which an RSS sum counts four times over. It must pass
(its forks carry the run-time flag they are).

exercise: probe
expected: pass, flag process at 16
"""

import os
import time


def answer():
    kids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            scratch = bytearray(16 * 2**20)
            time.sleep(0.6)
            os._exit(0 if scratch else 1)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    return 42
