"""The few Linux system calls the isolation layer needs, through ctypes: syscall(2),
prctl(2) and capset(2). Linux only: on another system `LIBC` is None and every call
raises OSError(ENOSYS)."""

from __future__ import annotations

import ctypes
import errno
import os
import sys

PR_SET_PDEATHSIG = 1
PR_SET_KEEPCAPS = 8
PR_GET_SECCOMP = 21
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CAP_DAC_READ_SEARCH = 2

LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _check(result: int) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def syscall(number: int, *args) -> int:
    if LIBC is None:
        raise OSError(errno.ENOSYS, f"no Linux system calls on {sys.platform}")
    return _check(LIBC.syscall(ctypes.c_long(number), *args))


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    if LIBC is None:
        raise OSError(errno.ENOSYS, f"no prctl on {sys.platform}")
    return _check(LIBC.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                             ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def keep_only_dac_read_search() -> None:
    """Drop every capability but CAP_DAC_READ_SEARCH (after a setresuid with
    PR_SET_KEEPCAPS): the process may still open files its uid could not reach by
    permission bits (Python under a 0700 home), and nothing else."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    data[0].effective = data[0].permitted = 1 << CAP_DAC_READ_SEARCH
    _check(LIBC.capset(ctypes.byref(header), data))
