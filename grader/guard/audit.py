"""Run-time flags: a PEP 578 audit hook in the grading child, installed right before the
candidate's module is executed (hooks cannot be removed).

For each watched event raised while the candidate's code is running, the hook writes one
line to a pipe the worker reads, at once, before the audited operation goes ahead:

    KEY flag KIND LINE MESSAGE     a runtime fact: what the candidate's code did, and where
    KEY deny KIND LINE MESSAGE     refused: the hook kills the process right after writing
    KEY tamper - LINE WHAT         the code, defaults or kw-defaults of a function of a
                                   module loaded before the candidate's were replaced:
                                   the run is tampered

Kinds: `exec` (exec/eval/compile of code built at run time, new code or function
objects), `trace` (audit hooks of its own), `process` (fork, exec, subprocess, kill),
`network` (sockets), `file` (opening, listing or removing files outside its own file and
the scratch folder), `ctypes` (raw memory reads). Refused, because they are the ways to
reach the reporter, the run's key or this hook, or the grader's expectations: taking
hold of a frame (sys._getframe, inspect.currentframe/stack/trace, tb_frame, gi_frame,
cr_frame, sys._current_frames), reading the code of a grader's function (`__code__`:
its constants are the expected values), the
object graph (gc.get_objects, get_referrers, get_referents), sys.settrace/setprofile, and
ctypes' library loading, symbol lookup and pointer dereferencing (ctypes.dlopen, dlsym,
cdata, PyObj_FromPtr).

Attribution: an event is the candidate's when the stack, walked outwards through the
standard library only, reaches candidate-controlled code: its module (`f_globals` *is*
its dict: `f_back` and `f_globals` raise no audit event, and identity cannot be forged
by renaming code), code it exec'd, or modules it wrote and imported (any namespace that
is neither a module loaded before it nor a library module from a read-only folder). So `socket.create_connection` or `inspect.stack()` called by the candidate count,
and torch formatting its own stack under a candidate call does not. A refused event of
the object graph, tracing or ctypes counts when any frame on the stack is the
candidate's, or no frame outside the standard library is (a thread it started). Building
types (namedtuple, dataclasses, enum, typing) and logging take frames and exec code on
their own behalf, and traceback reads a traceback's frames to print it: those uses are
neither flags nor refused.

The hook binds everything it calls at install time, never calls repr/str on the
candidate's objects, checks before each write that its fd is still the pipe it was
(os.dup2 and os.close raise no audit event) and kills the process otherwise. It is a
tripwire, not a boundary: closure cells and frames' locals can be changed without an
event, which is why reaching the hook (gc, ctypes) is refused. The OS layer
(grader.guard.confine) is the boundary for files, network and processes.
"""

from __future__ import annotations

import os
import signal
import sys
import types
from itertools import islice

# Taking hold of a frame (reading f_code, co_code or f_back of one already held is no new
# fact, and torch reads f_code thousands of times a run formatting its own stacks).
FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
GUARDED_ATTRS = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
FLAGGED = {
    "exec": "exec", "compile": "exec", "code.__new__": "exec", "function.__new__": "exec",
    "sys.addaudithook": "trace",
    "os.fork": "process", "os.forkpty": "process", "os.system": "process", "os.exec": "process",
    "os.posix_spawn": "process", "os.spawn": "process", "subprocess.Popen": "process", "os.kill": "process",
    "os.killpg": "process", "signal.pthread_kill": "process",
    "socket.__new__": "network", "socket.connect": "network", "socket.bind": "network", "socket.sendto": "network",
    "socket.sendmsg": "network", "socket.getaddrinfo": "network", "socket.gethostbyname": "network",
    "open": "file", "os.listdir": "file", "os.scandir": "file", "os.remove": "file", "os.rename": "file",
    "os.rmdir": "file", "shutil.rmtree": "file", "os.chmod": "file", "os.mkdir": "file", "os.symlink": "file",
    "ctypes.string_at": "ctypes", "ctypes.wstring_at": "ctypes", "ctypes.addressof": "ctypes",
}
REFUSED_WHEN_CALLED = {"sys._getframe": "frame", "object.__getattr__": "frame"}  # by the candidate itself
REFUSED = {
    "gc.get_objects": "gc", "gc.get_referrers": "gc", "gc.get_referents": "gc",
    "sys._current_frames": "frame", "sys.settrace": "trace", "sys.setprofile": "trace",
    "ctypes.dlopen": "ctypes", "ctypes.dlsym": "ctypes", "ctypes.dlsym/handle": "ctypes", "ctypes.cdata": "ctypes",
    "ctypes.PyObj_FromPtr": "ctypes",
}
WHAT = {
    "exec": "runs code built at run time", "compile": "compiles code built at run time",
    "code.__new__": "builds a code object", "function.__new__": "builds a function from a code object",
    "sys._getframe": "takes a frame (sys._getframe)", "sys.addaudithook": "adds an audit hook",
    "gc.get_objects": "walks the object graph (gc.get_objects)",
    "gc.get_referrers": "walks the object graph (gc.get_referrers)",
    "gc.get_referents": "walks the object graph (gc.get_referents)",
    "sys._current_frames": "takes every thread's frame (sys._current_frames)",
    "sys.settrace": "sets a trace function (sys.settrace)", "sys.setprofile": "sets a profile function (sys.setprofile)",
}
# Modules that take frames or exec generated code on their own behalf.
BENIGN = frozenset({"collections", "typing", "enum", "dataclasses", "logging", "warnings", "functools", "abc",
                    "string", "re", "_weakrefset", "weakref", "contextlib"})
READS_TRACEBACKS = frozenset({"traceback", "linecache", "tokenize"})
MAX_LINES = 200
_LOADED: list = []  # [(how many modules, frozenset of their dicts' ids)], from prepare()


def _module_dicts(modules) -> set[int]:
    return {id(vars(m)) for m in modules if isinstance(m, types.ModuleType)}


def prepare() -> None:
    """Note the modules loaded so far (in the worker, once): a forked run then adds only
    the few it loaded itself, instead of touching every module object again; and which
    of them are the grader's own."""
    modules = list(sys.modules.values())
    graders = _module_dicts(m for name, m in list(sys.modules.items()) if name.split(".")[0] == "grader")
    _LOADED[:] = [(len(modules), frozenset(_module_dicts(modules)), frozenset(graders))]


def install(fd: int, key: str, candidate: dict, candidate_file: str, scratch: str, library_roots=(),
            grader_modules=()) -> None:
    """Install the hook for good. `fd`: the write end of the pipe the worker reads; `key`:
    the run's secret, first on each line; `candidate`: the candidate module's __dict__;
    `candidate_file` and `scratch`: where its own files are (opening them is no flag);
    `library_roots`: read-only folders whose modules, imported by the candidate, are
    library code and not the candidate's (the standard library, site-packages);
    `grader_modules`: the run's grader modules (with every grader.* module, the code the
    candidate may not read)."""
    getframe, write, fstat, kill, getpid, get_ident = (sys._getframe, os.write, os.fstat, os.kill, os.getpid,
                                                        __import__("_thread").get_ident)
    str_, int_, bytes_, type_, len_, dict_get, function = str, int, bytes, type, len, dict.get, types.FunctionType
    abspath, fspath = os.path.abspath, os.fspath
    sigkill = signal.SIGKILL
    st = fstat(fd)
    pipe = (st.st_dev, st.st_ino)
    prefix = key + " "
    flagged, refused, what, benign = dict(FLAGGED), dict(REFUSED), dict(WHAT), BENIGN
    when_called, tracebacks = dict(REFUSED_WHEN_CALLED), BENIGN | READS_TRACEBACKS
    frame_attrs, guarded = FRAME_ATTRS, GUARDED_ATTRS
    watch = {**dict.fromkeys(flagged, 0), **dict.fromkeys(refused, 0), "sys._getframe": 0, "object.__getattr__": 1,
             "object.__setattr__": 2, "object.__delattr__": 2}.get
    known, loaded, graders = _LOADED[0] if _LOADED else (0, frozenset(), frozenset())
    graders = graders | _module_dicts(grader_modules)
    # modules loaded since prepare() sit at the end of sys.modules: read only those
    # (touching every module object again would copy their pages in this forked process)
    recent = islice(reversed(sys.modules.values()), max(0, len(sys.modules) - known) + 16)
    loaded = (loaded | _module_dicts(recent)) - {id(candidate)}
    id_ = id
    boot = (sys.modules["_frozen_importlib"].__dict__, sys.modules["_frozen_importlib_external"].__dict__)
    stdlib = frozenset(sys.stdlib_module_names) | {"importlib._bootstrap", "importlib._bootstrap_external"}
    own = (abspath(candidate_file), abspath(scratch).rstrip("/") + "/")
    libraries: dict = {}  # id(module dict) -> loaded since from a read-only place
    roots = tuple(r.rstrip("/") + "/" for r in library_roots)
    modules_get, module_type, vars_ = sys.modules.get, types.ModuleType, vars
    busy: set = set()
    seen: set = set()
    count = [0]

    def top(name) -> str:
        return name.partition(".")[0] if type_(name) is str_ else ""

    def clean(text: str) -> str:
        return "".join(c if c.isprintable() and c != "\t" else "?" for c in text[:160])

    def emit(line: str) -> None:
        now = fstat(fd)  # still our pipe? (dup2 and close raise no audit event)
        if (now.st_dev, now.st_ino) != pipe:
            kill(getpid(), sigkill)
        data = (prefix + line + "\n").encode()
        while data:
            data = data[write(fd, data):]

    def known(g) -> bool:
        """Whether `g` is the namespace of a module loaded before the candidate's, or of
        a library module loaded since from a read-only place (not the candidate's file,
        not the scratch folder it can write to)."""
        if id_(g) in loaded:
            return True
        verdict = libraries.get(id_(g))
        if verdict is None:
            name, file = dict_get(g, "__name__"), dict_get(g, "__file__")
            module = modules_get(name) if type_(name) is str_ else None
            verdict = (type_(module) is module_type and vars_(module) is g and type_(file) is str_
                       and file.startswith(roots) and not file.startswith(own[1]) and file != own[0])
            libraries[id_(g)] = verdict
        return verdict

    def attribution(frame, strict: bool):
        """(line, innermost standard-library module, inside an import) of an event whose
        stack reaches candidate-controlled code (its module, code it exec'd, modules it
        loaded: any frame whose globals are not a module loaded before it) through the
        standard library only; line 0: not the candidate's. `strict`: any candidate frame
        on the stack counts, and so does a stack of standard-library frames only (a thread
        it started); line -1: the candidate's, but not in its file."""
        first_std, importing, trusted = "", False, False
        while frame is not None:
            g = frame.f_globals
            if g is candidate or not known(g):
                while frame is not None and frame.f_globals is not candidate:
                    frame = frame.f_back
                return (frame.f_lineno if frame is not None else -1), first_std, importing
            if g is boot[0] or g is boot[1]:
                importing = True
            elif top(dict_get(g, "__name__")) in stdlib:
                first_std = first_std or top(dict_get(g, "__name__"))
            elif not strict:
                return 0, first_std, importing
            else:
                trusted = True
            frame = frame.f_back
        return (0 if trusted or not strict else -1), first_std, importing

    def detail(event: str, args) -> str:
        if event in what:
            return what[event]
        if event == "object.__getattr__" and args[1] == "__code__":
            name = getattr(args[0], "__qualname__", "?")
            return f"reads the code of the grader's {clean(name if type_(name) is str_ else '?')} (its constants)"
        if event == "object.__getattr__":
            return f"reads .{args[1]} (frame introspection)"
        if event in ("ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof"):
            return f"reads raw memory ({event})"
        subject = args[0] if args else None
        if type_(subject) is bytes_:
            subject = subject.decode("utf-8", "replace")
        if event.startswith("socket."):
            return f"uses a socket ({event.partition('.')[2]})"
        if type_(subject) is not str_:
            return f"calls {event}"
        if event == "open":
            mode = args[1] if len_(args) > 1 and type_(args[1]) is str_ else "r"
            return f"opens {clean(subject)}" + (" for writing" if any(c in mode for c in "wax+") else "")
        return f"{event.replace('os.', '')} {clean(subject)}"

    def outside(event: str, args) -> bool:
        if event == "open" and args and type_(args[0]) is int_:
            return False  # os.fdopen of a descriptor it already holds
        path = args[0] if args else None
        if type_(path) not in (str_, bytes_):
            return True
        path = abspath(fspath(path) if type_(path) is str_ else path.decode("utf-8", "replace"))
        return not (path == own[0] or (path + "/").startswith(own[1]))

    def hook(event, args):
        # ~40,000 events a run, nearly all of them builtins.id: one lookup to leave
        watched = watch(event)
        if watched is None:
            return
        if watched == 1:
            if args[1] not in frame_attrs and (args[1] != "__code__" or type_(args[0]) is not function
                                               or id_(args[0].__globals__) not in graders):
                return
        elif watched == 2:
            if args[1] not in guarded or type_(args[0]) is not function or id_(args[0].__globals__) not in loaded:
                return
        me = get_ident()
        if me in busy:
            return
        busy.add(me)
        try:
            refuse = event in refused
            line, std, importing = attribution(getframe(1), refuse)
            if event in ("object.__setattr__", "object.__delattr__"):
                name = getattr(args[0], "__qualname__", "?")
                emit(f"tamper - {max(line, 0)} {clean(name if type_(name) is str_ else '?')}.{args[1]} replaced")
                return
            if not line or importing and not refuse:
                return
            line = max(line, 0)
            if event in when_called:
                if args[1:2] == ("__code__",) and event == "object.__getattr__":
                    if std in benign:
                        return
                elif std in (tracebacks if event == "object.__getattr__" else benign):
                    return
                refuse = True
            if refuse:
                kind = "code" if args[1:2] == ("__code__",) else refused.get(event) or when_called[event]
                emit(f"deny {kind} {line} {detail(event, args)}")
                kill(getpid(), sigkill)
            kind = flagged[event]
            if std in benign and kind in ("exec", "file"):
                return
            if event == "compile" and (not args or type_(args[0]) not in (str_, bytes_)):
                return
            if kind == "file" and not outside(event, args):
                return
            if (kind, line) in seen or count[0] >= MAX_LINES:
                return
            seen.add((kind, line))
            count[0] += 1
            emit(f"flag {kind} {line} {detail(event, args)}")
        except OSError:
            kill(getpid(), sigkill)  # the channel is gone: end the run rather than go blind
        finally:
            busy.discard(me)

    sys.addaudithook(hook)


def parse(line: bytes, key: str) -> dict | None:
    """A line of the hook's pipe as {"what": flag|deny|tamper, "kind", "line", "message"},
    or None when it does not carry the run's key (forged)."""
    text = line.decode("utf-8", "replace")
    if not text.startswith(key + " "):
        return None
    parts = text[len(key) + 1:].split(" ", 3)
    if len(parts) < 4 or parts[0] not in ("flag", "deny", "tamper") or not parts[2].isdigit():
        return None
    return {"what": parts[0], "kind": parts[1], "line": int(parts[2]), "message": parts[3]}
