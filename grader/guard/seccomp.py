"""A small seccomp filter for a grading child, assembled by hand (43 BPF instructions, no
libseccomp): what Landlock (ABI <= 7) cannot refuse.

- socket(): AF_UNIX only (Landlock covers TCP bind/connect, not UDP, raw or netlink);
- no io_uring (IORING_OP_SOCKET would bypass the socket() rule), no new namespaces
  (clone flags, unshare), no ptrace, bpf, perf_event_open, userfaultfd, keyrings, and
  no open_by_handle_at (the one dangerous use of CAP_DAC_READ_SEARCH, which a child
  dropped from root may keep);
- any other syscall ABI (x32, `int 0x80`) kills the process.

Per-architecture syscall tables for x86_64 and aarch64; elsewhere `program()` is None.
"""

from __future__ import annotations

import ctypes
import errno
import platform

from grader.guard import kernel

SECCOMP_MODE_FILTER = 2
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
CLONE_NS_FLAGS = 0x7E020000  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
AF_UNIX = 1
ARCHES = {  # machine: (AUDIT_ARCH_*, syscall numbers)
    "x86_64": (0xC000003E, dict(socket=41, clone=56, clone3=435, unshare=272, ptrace=101, keyctl=250, add_key=248,
                                request_key=249, bpf=321, perf_event_open=298, userfaultfd=323,
                                open_by_handle_at=304, io_uring_setup=425, io_uring_enter=426,
                                io_uring_register=427)),
    "aarch64": (0xC00000B7, dict(socket=198, clone=220, clone3=435, unshare=97, ptrace=117, keyctl=219, add_key=217,
                                 request_key=218, bpf=280, perf_event_open=241, userfaultfd=282,
                                 open_by_handle_at=265, io_uring_setup=425, io_uring_enter=426,
                                 io_uring_register=427)),
}
DENIED = ("unshare", "ptrace", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
          "open_by_handle_at", "io_uring_setup", "io_uring_enter", "io_uring_register")
MACHINE = platform.machine()


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def program() -> list[tuple[int, int, int, int]] | None:
    """The filter as (code, jt, jf, k) instructions, or None on an unknown architecture."""
    if MACHINE not in ARCHES:
        return None
    arch, nr = ARCHES[MACHINE]
    deny = RET_ERRNO | errno.EPERM
    prog = [(LD_W_ABS, 0, 0, 4),                       # A = seccomp_data.arch
            (JEQ, 1, 0, arch),
            (RET, 0, 0, RET_KILL_PROCESS),             # another syscall ABI: kill
            (LD_W_ABS, 0, 0, 0)]                       # A = seccomp_data.nr
    if MACHINE == "x86_64":                            # x32 syscalls: nr | 0x40000000
        prog += [(JGE, 0, 1, 0x40000000), (RET, 0, 0, RET_ERRNO | errno.ENOSYS)]
    prog += [(JEQ, 0, 4, nr["socket"]),                # socket(): AF_UNIX only
             (LD_W_ABS, 0, 0, 16),                     # low 32 bits of args[0] (little-endian)
             (JEQ, 0, 1, AF_UNIX),
             (RET, 0, 0, RET_ALLOW),
             (RET, 0, 0, RET_ERRNO | errno.EACCES),
             (JEQ, 0, 4, nr["clone"]),                 # clone(): no new namespaces
             (LD_W_ABS, 0, 0, 16),
             (JSET, 0, 1, CLONE_NS_FLAGS),
             (RET, 0, 0, deny),
             (RET, 0, 0, RET_ALLOW),
             (JEQ, 0, 1, nr["clone3"]),                # clone3's flags are in memory: ENOSYS makes
             (RET, 0, 0, RET_ERRNO | errno.ENOSYS)]    # glibc fall back to clone()
    for name in DENIED:
        prog += [(JEQ, 0, 1, nr[name]), (RET, 0, 0, deny)]
    prog.append((RET, 0, 0, RET_ALLOW))
    return prog


_BUILT: list = []  # [(filter array, sock_fprog)], built once (in the worker) and inherited by forks


def _fprog():
    if not _BUILT:
        prog = program()
        if prog is None:
            return None
        filters = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
        _BUILT.append((filters, _SockFprog(len(prog), filters)))
    return _BUILT[0][1]


def available() -> tuple[bool, str]:
    if MACHINE not in ARCHES:
        return False, f"no seccomp syscall table for {MACHINE}"
    try:
        kernel.prctl(kernel.PR_GET_SECCOMP)
    except OSError as e:
        return False, f"seccomp is unavailable: {e}"
    return True, ""


def prepare() -> None:
    """Build the filter now (in the worker), so forked children only load it."""
    _fprog()


def load() -> None:
    """Load the filter for this process and its future children (needs no_new_privs)."""
    fprog = _fprog()
    if fprog is None:
        raise OSError(errno.ENOTSUP, f"no seccomp syscall table for {MACHINE}")
    kernel.prctl(kernel.PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
