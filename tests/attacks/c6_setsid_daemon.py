"""Class 6 (host harm): a setsid daemon outlives the run (a process group kill misses it)
and writes a file a second later.

exercise: probe
expected: not pass
harm: a process outlives the run; a file appears outside the scratch folder
"""

import os
import time


def answer():
    r, w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(w, str(os.getpid()).encode())
            time.sleep(1.0)
            with open("@TMP@/daemon-wrote", "w") as f:
                f.write("still here")
            os._exit(0)
        os._exit(0)
    print("daemon", os.read(r, 32).decode())
    return 41
