"""OS isolation of one grading run, applied inside the forked child (Linux).

The worker, before forking, works out a `Policy` (`policy(...)`: what the child may read,
who it becomes; resolved and checked once, cached). The child, while still
single-threaded and right before the candidate's module is imported, calls
`confine(scratch, policy)`, which applies, in this order:

1. rlimits: RLIMIT_CORE 0, RLIMIT_FSIZE, RLIMIT_NPROC (counted per real uid: it bites
   after the uid drop);
2. a Landlock ruleset (grader.guard.landlock), built while the process can still open
   everything: read-only access to `policy.readable` only, full access to the scratch
   folder (no execute anywhere), no TCP bind or connect, signals and abstract unix
   sockets scoped to the run;
3. PR_SET_NO_NEW_PRIVS;
4. as root: setgroups([]), setresgid/setresuid to `policy.uid` (65534), keeping only
   CAP_DAC_READ_SEARCH when Python lives where that uid cannot read (a 0700 home), then
   PR_SET_PDEATHSIG again (a credential change clears it);
5. landlock_restrict_self;
6. the seccomp filter (grader.guard.seccomp);
7. a self-test: every denied path must now fail to open.

Each step is best effort and recorded: `Isolation.level` is "full" (nothing missing),
"partial" (Landlock in force, something missing) or "none" (no Landlock: hidden files
stay readable), with `missing` saying why. A step that must not fail (the uid drop, a
multi-threaded process) raises ConfinementError, and the run fails closed.
`probe()` says, without changing anything, what `confine()` will achieve here.
TRANSFERLINGS_ISOLATION=off turns Landlock and seccomp off (as on a kernel without them).
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import sys
import sysconfig
from dataclasses import dataclass, field

from grader.guard import kernel, landlock, seccomp

NOBODY = 65534
SYSTEM_READABLE = ("/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/local/lib",  # dlopen of a library not yet loaded
                   "/etc/ld.so.cache", "/etc/localtime", "/usr/share/zoneinfo",
                   "/proc/cpuinfo", "/sys/devices/system/cpu")  # torch's cpuinfo, if first used after the fork
DEVICES_RW = ("/dev/null", "/dev/zero", "/dev/full")
DEVICES_R = ("/dev/urandom", "/dev/random")
# What CUDA is expected to open when first initialised after confine() (the worker never
# initialises it). Not verified on a GPU machine: check with strace -f -e trace=openat,ioctl.
GPU_READABLE = ("/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices", "/sys/module/nvidia",
                "/usr/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib")


def gpu_devices() -> list[str]:
    """NVIDIA device nodes a CUDA run opens (read/write plus ioctls, Landlock ABI 5)."""
    try:
        return sorted(os.path.join("/dev", n) for n in os.listdir("/dev") if n.startswith("nvidia"))
    except OSError:
        return []


@dataclass
class Isolation:
    """What isolation a run got (or will get): `level` "full", "partial" or "none";
    `applied` names the mechanisms in force, `missing` says why others are not."""

    level: str = "none"
    applied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"level": self.level, "applied": list(self.applied), "missing": list(self.missing)}

    def settle(self, landlocked: bool) -> "Isolation":
        self.level = "none" if not landlocked else "partial" if self.missing else "full"
        return self


class ConfinementError(RuntimeError):
    """A mechanism that must not fail did (candidate code would run as root, or in a
    process with another, unconfined thread)."""


def switched_off() -> bool:
    return os.environ.get("TRANSFERLINGS_ISOLATION") == "off"


def _landlock_abi(off: bool) -> tuple[int, str]:
    if off:
        return 0, "turned off by TRANSFERLINGS_ISOLATION=off"
    return landlock.abi()


def _seccomp_available(off: bool) -> tuple[bool, str]:
    if off:
        return False, "seccomp turned off by TRANSFERLINGS_ISOLATION=off"
    return seccomp.available()


# ---- the policy (worked out in the worker) ---------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What `confine` needs that can be worked out before the fork."""

    readable: tuple[str, ...]
    denied: tuple[str, ...]
    devices: tuple[str, ...]
    uid: int | None  # who to become when running as root
    keep_read_search: bool  # some readable path is out of that uid's reach by permission bits
    hidden_sources: tuple[str, ...]  # source files of loaded modules under a denied path
    library_roots: tuple[str, ...] = ()  # readable folders of Python modules (not the candidate's file)
    switched_off: bool = False  # TRANSFERLINGS_ISOLATION=off where the worker runs (a child's environment is clean)


def contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def dac_reachable(path: str, uid: int) -> bool:
    """Whether `uid` (group = uid, no capabilities) may search every folder down to
    `path` and read it, by permission bits alone."""
    def allowed(st: os.stat_result, bit: int) -> bool:  # bit: 4 read, 1 search
        if st.st_uid == uid:
            return bool(st.st_mode & (bit << 6))
        if st.st_gid == uid:
            return bool(st.st_mode & (bit << 3))
        return bool(st.st_mode & bit)

    try:
        parents = [os.path.dirname(path)]
        while parents[-1] not in ("/", ""):
            parents.append(os.path.dirname(parents[-1]))
        if not all(allowed(os.stat(p), 1) for p in parents if p):
            return False
        st = os.stat(path)
    except OSError:
        return True  # a missing path gets no rule anyway
    return allowed(st, 4) and (not stat.S_ISDIR(st.st_mode) or allowed(st, 1))


def readable_around(root: str, denied: list[str]) -> list[str]:
    """`root` as readable paths that leave out every `denied` path under it: Landlock only
    allows, so a folder holding a denied path is replaced by its other entries."""
    root = os.path.realpath(root)
    inside = [d for d in denied if contains(root, d)]
    if not inside:
        return [root]
    if root in inside or not os.path.isdir(root):
        return []
    out = []
    for entry in sorted(os.listdir(root)):
        out += readable_around(os.path.join(root, entry), inside)
    return out


def grading_readable(denied: list[str], extra=()) -> list[str]:
    """What every grading child may read: the standard library, the site-packages on
    sys.path, system libraries and a few /etc files, and `extra` (the grader's fixture
    data); any of them holding a denied path is split around it. The candidate's own
    file is added per run (`Policy.with_file`)."""
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    paths.update(SYSTEM_READABLE)
    paths.update(map(str, extra))
    denied = [os.path.realpath(d) for d in denied]
    out: list[str] = []
    for p in sorted(paths):
        if os.path.exists(p):
            out += readable_around(p, denied)
    return sorted(set(out))


_POLICIES: dict[tuple, Policy] = {}


def policy(readable, *, denied=(), devices=(), uid: int | None = NOBODY) -> Policy:
    """The checked, resolved policy (cached: a re-grade pays a dict lookup). ValueError
    when a readable path holds a denied one (split it with `readable_around`)."""
    key = (tuple(readable), tuple(denied), tuple(devices), uid, len(sys.modules), switched_off())
    found = _POLICIES.get(key)
    if found is not None:
        return found
    readable_r = tuple(dict.fromkeys(os.path.realpath(p) for p in readable))
    denied_r = tuple(dict.fromkeys(os.path.realpath(p) for p in denied))
    for r in readable_r:
        for d in denied_r:
            if contains(r, d):
                raise ValueError(f"readable path {r} holds denied path {d}: use readable_around()")
    uid = uid if os.geteuid() == 0 else None
    keep = uid is not None and not all(dac_reachable(p, uid) for p in readable_r)
    prefixes = tuple({d.rstrip("/") + "/" for d in (*map(str, denied), *denied_r)})
    hidden = tuple(sorted({f for m in list(sys.modules.values()) for f in [getattr(m, "__file__", None)]
                           if isinstance(f, str) and f.startswith(prefixes)}))
    roots = tuple(p for p in readable_r if os.path.isdir(p) and p.startswith(tuple(
        os.path.realpath(d) for d in (*sysconfig.get_paths().values(), *sys.path) if d)))
    found = Policy(readable_r, denied_r, tuple(devices), uid, keep, hidden, roots, switched_off())
    seccomp.prepare()
    if len(_POLICIES) > 64:
        _POLICIES.clear()
    _POLICIES[key] = found
    return found


# ---- what this machine offers ------------------------------------------------------------


def probe(uid: int | None = NOBODY) -> Isolation:
    """What `confine` will apply here, without forking or changing anything (microseconds)."""
    iso = Isolation(applied=["rlimits"])
    if not sys.platform.startswith("linux"):
        iso.missing.append(f"no OS isolation on {sys.platform} (Landlock and seccomp are Linux-only): "
                           "grade untrusted code in a Linux VM or container")
        return iso
    iso.applied.append("no_new_privs")
    version, why = _landlock_abi(switched_off())
    if version:
        iso.applied.append(f"landlock(abi {version})")
        iso.missing += landlock.missing_at(version)
    else:
        iso.missing.append(why)
    ok, why = _seccomp_available(switched_off())
    (iso.applied if ok else iso.missing).append("seccomp" if ok else why)
    if os.geteuid() == 0:
        if uid is None:
            iso.missing.append("running as root with no uid to drop to: candidate code would run as root")
        else:
            iso.applied.append(f"uid {uid}")
    return iso.settle(bool(version))


# ---- the child -----------------------------------------------------------------------------


def _threads() -> int:
    fd = os.open("/proc/self/stat", os.O_RDONLY | os.O_CLOEXEC)
    try:
        return int(os.read(fd, 4096).rsplit(b")", 1)[1].split()[17])
    finally:
        os.close(fd)


def scrub_linecache(pol: Policy) -> None:
    """Forget the source text of denied files that linecache holds (the warm worker's
    preload formatted stacks through grader modules), and pin an empty entry for every
    loaded module under a denied path, so tracebacks never retry the denied file."""
    import linecache

    for name in list(linecache.cache):
        if any(contains(d, name) for d in pol.denied):
            del linecache.cache[name]
    for name in pol.hidden_sources:
        linecache.cache[name] = (0, None, [], name)  # mtime None: checkcache() leaves it alone


def _drop_root(pol: Policy, scratch: str) -> None:
    if os.stat(scratch).st_uid != pol.uid:
        os.chown(scratch, pol.uid, pol.uid)
    if pol.keep_read_search:
        kernel.prctl(kernel.PR_SET_KEEPCAPS, 1)
    os.setgroups([])
    os.setresgid(pol.uid, pol.uid, pol.uid)
    os.setresuid(pol.uid, pol.uid, pol.uid)
    if pol.keep_read_search:
        kernel.keep_only_dac_read_search()
        kernel.prctl(kernel.PR_SET_KEEPCAPS, 0)
    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)


def confine(scratch: str, pol: Policy, *, nproc: int = 64, fsize_mb: int = 256) -> Isolation:
    """Confine this process (a freshly forked, single-threaded grading child) for good:
    see the module's docstring. `scratch` is the only writable folder."""
    iso = Isolation()
    missing, applied = iso.missing.append, iso.applied.append
    scrub_linecache(pol)
    linux = sys.platform.startswith("linux")
    if linux and _threads() != 1:
        raise ConfinementError("the grading process has more than one thread: it cannot be confined")
    limits = [(resource.RLIMIT_CORE, 0, "core"), (resource.RLIMIT_FSIZE, fsize_mb * 2**20, "fsize")]
    if pol.uid is not None or os.geteuid() != 0:
        limits.append((resource.RLIMIT_NPROC, nproc, "nproc"))
    done = []
    for res, value, name in limits:
        try:
            resource.setrlimit(res, (value, value))
            done.append(name)
        except (OSError, ValueError) as e:
            missing(f"rlimit {name}: {e}")
    applied(f"rlimits({','.join(done)})")
    if not linux:
        missing(f"no OS isolation on {sys.platform}: grade untrusted code in a Linux VM or container")
        return iso.settle(False)

    version, why = _landlock_abi(pol.switched_off)
    fd = -1
    if version:
        rules = [(p, landlock.READ) for p in pol.readable] + [(scratch, landlock.SCRATCH)]
        rules += [(p, landlock.DEVICE_RW) for p in DEVICES_RW] + [(p, landlock.READ_FILE) for p in DEVICES_R]
        rules += [(p, landlock.GPU_DEVICE) for p in pol.devices]
        try:
            fd = landlock.ruleset(version, rules)
        except OSError as e:
            missing(f"Landlock ruleset: {e}")
    else:
        missing(why)
    try:
        kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
        applied("no_new_privs")
    except OSError as e:
        missing(f"no_new_privs: {e}")
    if os.geteuid() == 0:
        if pol.uid is None:
            missing("running as root with no uid to drop to: candidate code runs as root")
        else:
            try:
                _drop_root(pol, scratch)
            except OSError as e:
                raise ConfinementError(f"could not stop being root (uid {pol.uid}): {e}") from e
            applied(f"uid {pol.uid}" + (" (+CAP_DAC_READ_SEARCH)" if pol.keep_read_search else ""))
    landlocked = False
    if fd >= 0:
        try:
            landlock.restrict(fd, version)
            landlocked = True
            applied(f"landlock(abi {version})")
            iso.missing += landlock.missing_at(version)
        except OSError as e:
            missing(f"landlock_restrict_self: {e}")
    ok, why = _seccomp_available(pol.switched_off)
    if ok:
        try:
            seccomp.load()
            applied("seccomp")
        except OSError as e:
            missing(f"seccomp: {e}")
    else:
        missing(why)
    if landlocked:
        for path in pol.denied:
            try:
                os.close(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                continue
            missing(f"{path} is still readable")
    return iso.settle(landlocked)
