"""Landlock (Linux >= 5.13) through its three system calls: a read-only allow-list of
files and folders, one writable folder, TCP bind/connect denied (ABI 4) and signals and
abstract unix sockets scoped to the process's own domain (ABI 6). Best effort by ABI:
`abi()` says what the kernel offers, `restrict()` applies what it can and says what it
could not.

Pitfalls this module handles: the ruleset struct is 8/16/24 bytes for ABI <4/<6/>=6;
`landlock_path_beneath_attr` is packed (12 bytes); a rule on a file may carry only file
rights (EINVAL otherwise); ABI 7 logs every denial to the audit subsystem unless
LOG_SAME_EXEC_OFF is passed. Landlock restricts the calling thread only (TSYNC arrives
with ABI 8), so callers must be single-threaded.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import stat
import sys

from grader.guard import kernel

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446  # the same on every architecture but alpha
CREATE_RULESET_VERSION = 1 << 0
RESTRICT_SELF_LOG_SAME_EXEC_OFF = 1 << 0  # ABI 7
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3, 5
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # what a rule on a non-directory may carry
READ = READ_FILE | READ_DIR
SCRATCH = (READ | WRITE_FILE | TRUNCATE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SOCK
           | MAKE_FIFO | MAKE_SYM | REFER)  # everything but execute and device nodes
DEVICE_RW = READ_FILE | WRITE_FILE | TRUNCATE  # /dev/null: open(..., "w") truncates
GPU_DEVICE = READ_FILE | WRITE_FILE | IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi() -> tuple[int, str]:
    """(Landlock ABI version, "") or (0, why Landlock is unavailable)."""
    if not sys.platform.startswith("linux"):
        return 0, f"Landlock is Linux-only (this is {sys.platform})"
    try:
        return kernel.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)), ""
    except OSError as e:
        if e.errno == errno.ENOSYS:
            return 0, f"kernel {platform.release()} has no Landlock (needs Linux 5.13 or later)"
        if e.errno == errno.EOPNOTSUPP:
            return 0, "Landlock is built in but disabled at boot (add landlock to the lsm= kernel parameter)"
        return 0, f"Landlock is unavailable: {e}"


def handled_fs(version: int) -> int:
    mask = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if version >= 2:
        mask |= REFER
    if version >= 3:
        mask |= TRUNCATE
    if version >= 5:
        mask |= IOCTL_DEV
    return mask


def missing_at(version: int) -> list[str]:
    """What Landlock at ABI `version` (> 0) cannot restrict that this project relies on."""
    missing = []
    if version < 3:
        missing.append("Landlock ABI < 3: files outside the scratch folder can still be truncated (Linux 6.2)")
    if version < 4:
        missing.append("no TCP bind/connect restriction (Landlock ABI 4, Linux 6.7)")
    if version < 6:
        missing.append("no signal or abstract-socket scoping (Landlock ABI 6, Linux 6.12)")
    return missing


def ruleset(version: int, rules: list[tuple[str, int]]) -> int:
    """A ruleset fd: file-system access only as `rules` ((path, rights) pairs; paths
    missing here are skipped), no TCP bind/connect, scoped signals and abstract sockets
    (as far as `version` goes). Build it while the process can still open every path."""
    handled = handled_fs(version)
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    fd = kernel.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    try:
        rule = _PathBeneathAttr()
        for path, access in rules:
            try:
                parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not stat.S_ISDIR(os.fstat(parent).st_mode):
                    access &= FILE_RIGHTS
                rule.allowed_access, rule.parent_fd = access & handled, parent
                kernel.syscall(ADD_RULE, ctypes.c_int(fd), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule),
                               ctypes.c_uint32(0))
            finally:
                os.close(parent)
    except BaseException:
        os.close(fd)
        raise
    return fd


def restrict(fd: int, version: int) -> None:
    """Enforce the ruleset `fd` on this thread for good (needs no_new_privs or
    CAP_SYS_ADMIN), and close it."""
    try:
        flags = RESTRICT_SELF_LOG_SAME_EXEC_OFF if version >= 7 else 0
        kernel.syscall(RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(flags))
    finally:
        os.close(fd)
