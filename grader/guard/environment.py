"""The environment and the scratch folder of grading processes.

`worker_env()` is what the warm worker is *started* with: a short allow-list of the
caller's variables, so tokens and keys in the user's environment never enter the worker
(a forked child inherits the worker's original environment block in memory, readable
even after os.environ is cleared). `child_env()` is one run's whole environment: no
secret, no PYTEST_*, every cache and home pointing into the run's scratch folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile

WORKER_KEYS = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "HOME", "USER", "LOGNAME", "TMPDIR",
               "PYTHONPATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_HOME",
               "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TRANSFERLINGS_HOME", "TRANSFERLINGS_MEMORY_MB",
               "TRANSFERLINGS_ISOLATION")


def worker_env(base: dict | None = None, **extra: str) -> dict:
    base = os.environ if base is None else base
    env = {k: base[k] for k in WORKER_KEYS if k in base}
    env.update(extra)
    return env


def child_env(scratch: str, user: str, base: dict | None = None) -> dict:
    base = os.environ if base is None else base
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": base.get("LANG", "C.UTF-8"),
        "HOME": scratch, "TMPDIR": scratch, "TMP": scratch, "TEMP": scratch,
        "XDG_CACHE_HOME": os.path.join(scratch, ".cache"), "XDG_CONFIG_HOME": os.path.join(scratch, ".config"),
        "TORCH_HOME": os.path.join(scratch, ".torch"), "MPLCONFIGDIR": os.path.join(scratch, ".mpl"),
        "CUDA_CACHE_PATH": os.path.join(scratch, ".nv"),
        "USER": user, "LOGNAME": user,
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": base.get("OMP_NUM_THREADS", "1"),
    }
    for key in ("CUDA_VISIBLE_DEVICES", "TZ", "LC_ALL"):
        if key in base:
            env[key] = base[key]
    return env


def apply_env(env: dict) -> None:
    """Make `env` this process's whole environment (os.environ and the C environ) and
    point tempfile at its TMPDIR (tempfile caches the folder it found first)."""
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = env.get("TMPDIR")


def user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return "nobody"


def make_scratch(uid: int | None) -> str:
    """A fresh private folder for one run, owned by the uid the candidate runs as."""
    path = tempfile.mkdtemp(prefix="transferlings-run-")
    if uid is not None and os.geteuid() == 0:
        os.chown(path, uid, uid)
    return path


def remove_scratch(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
