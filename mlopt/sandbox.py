"""Run a learner's code in a separate, unprivileged process and call it through proxies.

Used by :mod:`mlopt.grading` to autograde. The learner's definitions live in a *sandbox*
process; the checks run in the grader (the *trusted* process) and call the learner's functions
through :class:`Proxy` objects, so nothing the learner's code does (rebinding names, patching
``mlopt.checks`` from inside a function the check calls, reading the check's stack frames) can
reach the code that decides the score.

Isolation (when the grader runs as root, as in CI and on a JupyterHub host):

- an unprivileged system user (``mlopt-grader``, created with ``useradd`` if missing), entered
  with util-linux ``setpriv`` (no capabilities, ``no_new_privs``, no supplementary groups): the
  same Unix-permission model nbgrader's multi-user deployments (TLJH, the exchange) rely on;
- util-linux ``unshare``: new PID namespace (killing the sandbox kills every process it
  started, however it daemonised), new network namespace (no network, loopback down), new
  mount namespace where the course folder is read-only and the folders holding submissions are
  hidden under empty read-only tmpfs mounts;
- ``prlimit`` resource limits: processes (fork bombs), address space, file size, CPU seconds,
  no core dumps;
- a private working directory owned by the sandbox user, the only place it can write; the
  course's ``mlopt`` is imported from a read-only snapshot, never found through ``$PWD``.

Without root (a learner's laptop), the same process split and resource limits apply, but the
code runs as the grader's own user without namespaces: :func:`isolation_level` says so and the
grader warns.

Wire protocol (one pipe each way, length-prefixed frames):

- trusted -> sandbox: ``pickle``. The sandbox may trust what the grader sends.
- sandbox -> trusted: **no pickle**. A JSON tree whose leaves are ``None``, bools, ints, floats,
  strings, and NumPy arrays of numbers, sent as raw bytes with their dtype and shape and read
  with ``np.frombuffer`` (other arrays as ``.npy`` bytes, ``np.load(allow_pickle=False)``);
  tuples, lists, named tuples, dicts and sets are rebuilt; anything else (functions,
  generators, instances) stays in the sandbox and comes back as a further :class:`Proxy`.
  Exceptions come back as type name, message and traceback text.
- Callables the grader passes to learner code (``lambda v: mse(v, X, y)``, a gradient
  closure, ...) are not copied: the sandbox calls back into the grader, so counters and
  closures behave exactly as in one process. NumPy arrays and ``np.random.Generator`` arguments
  that the learner's function modified in place are written back, so checks that detect
  in-place modification or consumed random state still work. NumPy's ``errstate`` and the
  ``warnings`` filters of the caller apply inside the call; warnings raised there are re-emitted
  in the grader.
"""

from __future__ import annotations

import ast
import builtins
import collections
import io
import json
import os
import pickle
import pwd
import selectors
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import time
import traceback
import types
import warnings
import weakref
from pathlib import Path

__all__ = ["Sandbox", "Proxy", "SandboxError", "SandboxTimeout", "isolation_level",
           "SANDBOX_USER"]

SANDBOX_USER = "mlopt-grader"
MAX_FRAME = 256 * 2**20          # bytes; a bigger answer is refused, not decoded
MAX_DEPTH = 64                   # nesting of returned containers
STDOUT_CAP = 20_000              # characters of printed output kept per request


class SandboxError(RuntimeError):
    """The sandbox process died, broke the protocol, or could not start."""


class SandboxTimeout(BaseException):
    """A time limit was reached while the learner's code was running.

    A ``BaseException`` so that a check's ``except Exception`` cannot swallow it.
    """


class LearnerException(Exception):
    """Stand-in for an exception type of the learner's that the grader does not know."""


# --------------------------------------------------------------------------------------------
# frames


def _pack(parts):
    head = struct.pack("<I", len(parts)) + b"".join(struct.pack("<Q", len(p)) for p in parts)
    return head + b"".join(parts)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class _Reader:
    """Read length-prefixed frames from a file descriptor, with a deadline."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = bytearray()
        self.sel = selectors.DefaultSelector()
        self.sel.register(fd, selectors.EVENT_READ)

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SandboxTimeout("time limit reached")
                if not self.sel.select(left):
                    continue
            chunk = os.read(self.fd, max(65536, n - len(self.buf)))
            if not chunk:
                raise SandboxError("the sandbox process ended")
            self.buf += chunk

    def _take(self, n, deadline):
        self._fill(n, deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def frame(self, deadline=None):
        (count,) = struct.unpack("<I", self._take(4, deadline))
        if count > 100_000:
            raise SandboxError("malformed frame from the sandbox")
        lengths = struct.unpack(f"<{count}Q", self._take(8 * count, deadline))
        if sum(lengths) > MAX_FRAME:
            raise SandboxError(f"the sandbox sent more than {MAX_FRAME >> 20} MB at once")
        return [self._take(n, deadline) for n in lengths]


# --------------------------------------------------------------------------------------------
# sandbox -> trusted codec (JSON + .npy, no pickle)


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(type(obj), "_fields")


class _Encoder:
    """Encode a value for the grader; unknown objects are registered and sent as references."""

    def __init__(self, registry, trusted_refs):
        self.registry = registry
        # id(obj) -> (trusted id, weak reference to obj), for objects we were given. The weak
        # reference is compared on use: once such an object is freed, Python reuses its id, and
        # a new sandbox object must not be mistaken for the grader's callable.
        self.trusted_refs = trusted_refs
        self.blobs = []

    def array(self, arr):
        import numpy as np

        if arr.dtype.kind in "biufc" and not arr.dtype.fields:
            # raw bytes: read back with np.frombuffer, a plain numeric dtype only
            self.blobs.append(np.ascontiguousarray(arr).tobytes())
            return {"nd": len(self.blobs), "dtype": arr.dtype.str, "shape": list(arr.shape)}
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        self.blobs.append(buf.getvalue())
        return {"nd": len(self.blobs)}

    def __call__(self, obj, depth=0):
        import numpy as np

        if depth > MAX_DEPTH:
            raise ValueError("the result is nested too deeply")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if type(obj) is int:
            return obj if abs(obj) < 2**63 else {"bigint": str(obj)}
        if type(obj) is float:
            return obj if obj == obj and abs(obj) != float("inf") else {"float": repr(obj)}
        if isinstance(obj, (np.ndarray, np.generic)) and not isinstance(obj, np.object_):
            arr = np.asarray(obj)
            if arr.dtype.hasobject:
                return self.ref(obj)
            enc = self.array(arr)
            if isinstance(obj, np.generic):
                enc["scalar"] = True
            return enc
        if isinstance(obj, (int, float, complex)):   # subclasses, complex
            kind = ("complex" if isinstance(obj, complex)
                    else "float" if isinstance(obj, float) else "int")
            value = {"complex": complex, "float": float, "int": int}[kind](obj)
            return {"num": repr(value), "kind": kind}
        if isinstance(obj, bytes):
            return {"bytes": obj.hex()}
        if _is_namedtuple(obj):
            return {"nt": type(obj).__name__, "fields": list(type(obj)._fields),
                    "v": [self(v, depth + 1) for v in obj]}
        if type(obj) in (tuple, list, set, frozenset):
            tag = {tuple: "t", list: "l", set: "s", frozenset: "s"}[type(obj)]
            return {tag: [self(v, depth + 1) for v in obj]}
        if type(obj) is dict:
            return {"d": [[self(k, depth + 1), self(v, depth + 1)] for k, v in obj.items()]}
        entry = self.trusted_refs.get(id(obj))
        if entry is not None and entry[1]() is obj:
            return {"tref": entry[0]}
        return self.ref(obj)

    def ref(self, obj):
        key = len(self.registry) + 1
        while key in self.registry:
            key += 1
        self.registry[key] = obj
        return {"ref": key, "type": type(obj).__name__, "callable": callable(obj)}


def _decode(tree, blobs, make_proxy, trusted_objects, depth=0):
    """Rebuild a value sent by the sandbox. Only data types are created; never unpickles."""
    import numpy as np

    if depth > MAX_DEPTH + 2:
        raise SandboxError("the learner's result is nested too deeply")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):          # never produced by the encoder for values
        raise SandboxError("malformed value from the sandbox")
    if not isinstance(tree, dict):
        raise SandboxError("malformed value from the sandbox")

    def rec(v):
        return _decode(v, blobs, make_proxy, trusted_objects, depth + 1)

    if "nd" in tree:
        blob = blobs[int(tree["nd"])]
        if "dtype" in tree:
            dtype = np.dtype(str(tree["dtype"]))
            shape = tuple(int(k) for k in tree["shape"])
            if dtype.hasobject or dtype.kind not in "biufc" or any(k < 0 for k in shape) \
                    or int(np.prod(shape)) * dtype.itemsize != len(blob):
                raise SandboxError("malformed array from the sandbox")
            arr = np.frombuffer(bytearray(blob), dtype=dtype).reshape(shape)
        else:
            arr = np.load(io.BytesIO(blob), allow_pickle=False)
        return arr[()] if tree.get("scalar") else arr
    if "bigint" in tree:
        return int(tree["bigint"])
    if "float" in tree:
        return float(tree["float"])
    if "num" in tree:
        return complex(tree["num"]) if tree["kind"] == "complex" else (
            float(tree["num"]) if tree["kind"] == "float" else int(tree["num"]))
    if "bytes" in tree:
        return bytes.fromhex(tree["bytes"])
    if "nt" in tree:
        fields = [str(f) for f in tree["fields"]]
        try:
            cls = collections.namedtuple(str(tree["nt"]), fields)
        except ValueError:
            return tuple(rec(v) for v in tree["v"])
        return cls(*[rec(v) for v in tree["v"]])
    if "t" in tree:
        return tuple(rec(v) for v in tree["t"])
    if "l" in tree:
        return [rec(v) for v in tree["l"]]
    if "s" in tree:
        return {rec(v) for v in tree["s"]}
    if "d" in tree:
        return {rec(k): rec(v) for k, v in tree["d"]}
    if "tref" in tree:
        return trusted_objects[int(tree["tref"])]
    if "ref" in tree:
        return make_proxy(int(tree["ref"]), str(tree["type"]), bool(tree["callable"]))
    raise SandboxError("malformed value from the sandbox")


def _send_value(fd, kind, payload, encoder):
    """Sandbox side: send a JSON header plus the encoder's blobs."""
    head = json.dumps({"kind": kind, **payload}).encode()
    _write_all(fd, _pack([head, *encoder.blobs]))


# --------------------------------------------------------------------------------------------
# trusted -> sandbox (pickle, with references both ways)


_BY_REFERENCE = {"numpy", "scipy", "sklearn", "mlopt", "math", "builtins", "operator",
                 "functools", "itertools"}


def _importable(fn):
    """Whether the sandbox can import ``fn`` by module and qualified name (a library function)."""
    name = getattr(fn, "__module__", None) or ""
    if name.split(".")[0] not in _BY_REFERENCE:
        return False
    module = sys.modules.get(name)
    obj = module
    for part in (getattr(fn, "__qualname__", "") or "").split("."):
        obj = getattr(obj, part, None)
    return obj is fn and not getattr(fn, "__closure__", None)


class _TrustedPickler(pickle.Pickler):
    """Pickle arguments for the sandbox: proxies become its own objects again, and callables
    that would have to be copied (lambdas, closures, bound methods) become call-backs."""

    def __init__(self, file, sandbox):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.sandbox = sandbox

    def reducer_override(self, obj):
        if isinstance(obj, _AsRef):
            return _trusted_object, (self.sandbox.keep(obj.obj), type(obj.obj).__name__,
                                     callable(obj.obj))
        if isinstance(obj, Proxy):
            if obj._sandbox is not self.sandbox or obj._generation != self.sandbox.generation:
                raise SandboxError("a reference into an older sandbox cannot be used")
            return _sandbox_object, (obj._ref,)
        if isinstance(obj, (types.FunctionType, types.MethodType, types.BuiltinMethodType)) \
                and not (isinstance(obj, types.FunctionType) and _importable(obj)) \
                and not (isinstance(obj, types.BuiltinMethodType)
                         and isinstance(getattr(obj, "__self__", None), types.ModuleType)):
            return _trusted_object, (self.sandbox.keep(obj), type(obj).__name__, True)
        try:
            import functools

            if isinstance(obj, functools.partial):
                return _trusted_object, (self.sandbox.keep(obj), "partial", True)
        except ImportError:  # pragma: no cover
            pass
        return NotImplemented


# Resolved in the sandbox process when it unpickles (module globals set by _worker_main).
_WORKER = None


def _sandbox_object(ref):
    return _WORKER.registry[ref]


def _trusted_object(ref, type_name, is_callable):
    obj = TrustedRef(ref, type_name)
    _WORKER.trusted_ids[id(obj)] = (ref, weakref.ref(obj))
    return obj


class TrustedRef:
    """In the sandbox: a grader-side callable, called back through the pipe."""

    __slots__ = ("_ref", "_type", "__weakref__")

    def __init__(self, ref, type_name):
        self._ref = ref
        self._type = type_name

    def __call__(self, *args, **kwargs):
        return _WORKER.callback(self._ref, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)      # the grader's private state stays out of reach
        return _WORKER.callback(self._ref, (name,), {}, op="getattr")

    def __repr__(self):
        return f"<grader {self._type}>"


class _AsRef:
    """Marks a grader object that cannot be copied: the sandbox gets a call-back reference."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj


# --------------------------------------------------------------------------------------------
# trusted side: the proxy objects the checks see


class Proxy:
    """A learner object that lives in the sandbox. Calls and attribute reads go through the pipe.

    ``type(proxy).__name__`` is the learner object's type name (``function``, ``generator``,
    ``MyModel``), so check messages that name the type stay right.
    """

    __slots__ = ("_sandbox", "_ref", "_generation", "__weakref__")

    def __init__(self, sandbox, ref):
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_generation", sandbox.generation)

    def _op(self, op, *args, **kwargs):
        return self._sandbox.request(op, self, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)       # no __array__ & co. forged from the sandbox
        return self._op("getattr", name)

    def __setattr__(self, name, value):
        self._op("setattr", name, value)

    def __iter__(self):
        return self._op("iter")

    def __next__(self):
        return self._op("next")

    def __len__(self):
        out = self._op("len")
        if type(out) is not int:
            raise TypeError("len() of the learner's object is not an int")
        return out

    def __getitem__(self, key):
        return self._op("getitem", key)

    def __bool__(self):
        return self._op("bool") is True

    def __repr__(self):
        return f"<learner's {type(self).__name__} object>"


class CallableProxy(Proxy):
    """A callable learner object (a function, a class, a bound method)."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self._sandbox.request("call", self, args, kwargs)


_PROXY_CLASSES = {}


def _proxy_class(type_name, is_callable):
    key = (type_name, is_callable)
    if key not in _PROXY_CLASSES:
        base = CallableProxy if is_callable else Proxy
        name = type_name if type_name.isidentifier() else "object"
        _PROXY_CLASSES[key] = type(name, (base,), {"__slots__": ()})
    return _PROXY_CLASSES[key]


def _exception_class(name, module):
    """The grader's class for an exception the learner's code raised, by name."""
    import numpy as np

    known = {"LinAlgError": np.linalg.LinAlgError}
    for mod in (getattr(np, "exceptions", None),):
        if mod is not None:
            known.update({k: v for k, v in vars(mod).items()
                          if isinstance(v, type) and issubclass(v, Exception)})
    cls = known.get(name) or getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls
    return type(name if name.isidentifier() else "LearnerException", (LearnerException,),
                {"__module__": "learner"})


# --------------------------------------------------------------------------------------------
# launching


def isolation_level():
    """``"user+namespaces"`` when running as root with util-linux tools, else ``"process"``."""
    if os.name != "posix" or os.geteuid() != 0:
        return "process"
    if not all(shutil.which(t) for t in ("unshare", "setpriv", "prlimit")):
        return "process"
    return "user+namespaces"


def ensure_user(name=SANDBOX_USER):
    """The uid and gid of the sandbox user, created with ``useradd`` if missing (root only)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", "--user-group", name],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


_BOOT = """
import sys
sys.path.insert(0, {lib!r})
sys.dont_write_bytecode = True
from mlopt.sandbox import _worker_main
_worker_main({rfd}, {wfd})
"""


class Sandbox:
    """A learner process: execute cells, look names up, call them with a time limit.

    Parameters
    ----------
    workdir : Path
        Its working directory (copied files of the submission); it becomes the sandbox user's.
    lib : Path
        Folder holding a read-only snapshot of the ``mlopt`` package, first on its ``sys.path``.
    hide : list of Path
        Folders to hide (under empty tmpfs) inside the sandbox when namespaces are available.
    read_only : list of Path
        Folders to bind read-only inside the sandbox.
    memory : int
        Address-space limit in bytes.
    processes : int
        Process limit of the sandbox user (fork bombs).
    cpu : int
        CPU-seconds limit of the whole sandbox process.
    file_size : int
        Largest file it may write, in bytes.
    """

    def __init__(self, workdir, lib, *, hide=(), read_only=(), memory=4 * 2**30, processes=64,
                 cpu=600, file_size=64 * 2**20, log=None):
        self.workdir = Path(workdir)
        self.lib = Path(lib)
        self.hide = [Path(p) for p in hide]
        self.read_only = [Path(p) for p in read_only]
        self.limits = dict(memory=memory, processes=processes, cpu=cpu, file_size=file_size)
        self.level = isolation_level()
        self.log = log
        self.proc = None
        self.generation = 0
        self.deadline = None
        self._kept = {}
        self._kept_ids = {}
        self.stderr_path = None

    # -- process

    def keep(self, obj):
        """Register a grader object the sandbox may call back; returns its id."""
        key = self._kept_ids.get(id(obj))
        if key is None or self._kept.get(key) is not obj:
            key = len(self._kept) + 1
            self._kept[key] = obj
            self._kept_ids[id(obj)] = key
        return key

    def _command(self, rfd, wfd):
        boot = _BOOT.format(lib=str(self.lib), rfd=rfd, wfd=wfd)
        python = [sys.executable, "-I", "-c", boot]
        lim = self.limits
        prlimit = ["prlimit", f"--as={lim['memory']}", f"--fsize={lim['file_size']}",
                   f"--cpu={lim['cpu']}", "--core=0", f"--nproc={lim['processes']}", "--"]
        if self.level != "user+namespaces":
            if shutil.which("prlimit"):
                # --nproc counts every process of this user: too blunt for one's own account.
                return [a for a in prlimit if not a.startswith("--nproc")] + python
            return python
        uid, gid = ensure_user()
        setpriv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                   "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
        mounts = []
        for path in self.read_only:
            if path.is_dir():
                q = shlex.quote(str(path))
                mounts.append(f"mount --bind {q} {q} && mount -o remount,bind,ro {q} {q}")
        for path in self.hide:
            if path.is_dir():
                q = shlex.quote(str(path))
                mounts.append(f"mount -t tmpfs -o ro,size=4k,mode=0555 none {q}")
        script = " && ".join([*mounts, 'exec "$@"']) if mounts else 'exec "$@"'
        return ["unshare", "--mount", "--net", "--pid", "--ipc", "--uts", "--fork",
                "--kill-child", "--mount-proc", "--propagation", "private",
                "sh", "-c", script, "sandbox", *prlimit, *setpriv, *python]

    def start(self, timeout=60):
        """Start (or restart) the learner process."""
        self.stop()
        self.generation += 1
        self._kept.clear()
        self._kept_ids.clear()
        if self.level == "user+namespaces":
            uid, gid = ensure_user()
            for path in [self.workdir, *self.workdir.rglob("*")]:
                os.chown(path, uid, gid, follow_symlinks=False)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.workdir),
               "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
               "TMPDIR": str(self.workdir), "MPLCONFIGDIR": str(self.workdir / ".matplotlib"),
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self.stderr_path = self.workdir.parent / f"{self.workdir.name}.stderr"
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(
                self._command(to_child_r, from_child_w), cwd=self.workdir, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                pass_fds=(to_child_r, from_child_w), start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self.wfd = to_child_w
        self.reader = _Reader(from_child_r)
        self._rfd = from_child_r
        old, self.deadline = self.deadline, time.monotonic() + timeout
        try:
            reply = self._recv()
        except (SandboxError, SandboxTimeout) as err:
            self.stop()
            raise SandboxError(f"the sandbox did not start: {err}. {self.stderr_tail()}") from None
        finally:
            self.deadline = old
        if reply.get("kind") != "ready":
            raise SandboxError("the sandbox did not start")
        return self

    def stderr_tail(self, n=600):
        try:
            return self.stderr_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Kill the learner process and everything it started (its PID namespace or group)."""
        if self.proc is None:
            return
        for sig in (signal.SIGKILL,):
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for fd in (getattr(self, "wfd", None), getattr(self, "_rfd", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.wfd = self._rfd = None
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- messages

    def _pickle(self, msg):
        buf = io.BytesIO()
        _TrustedPickler(buf, self).dump(msg)
        return buf

    def _send(self, msg):
        try:
            buf = self._pickle(msg)
        except (pickle.PicklingError, TypeError, AttributeError):
            if msg[0] != "op":
                raise
            # an argument that cannot be copied (a lock, a database handle, an optuna Trial):
            # pass it by reference, the learner's code calls back into the grader
            op, name, target, args, kwargs, context = msg
            args = tuple(a if self._copyable(a) else _AsRef(a) for a in args)
            kwargs = {k: v if self._copyable(v) else _AsRef(v) for k, v in kwargs.items()}
            buf = self._pickle((op, name, target, args, kwargs, context))
        try:
            _write_all(self.wfd, _pack([buf.getvalue()]))
        except (BrokenPipeError, OSError, TypeError) as err:
            raise SandboxError(f"the sandbox process ended ({err})") from None

    def _copyable(self, value):
        try:
            self._pickle(value)
        except (pickle.PicklingError, TypeError, AttributeError):
            return False
        return True

    def _recv(self):
        parts = self.reader.frame(self.deadline)
        try:
            head = json.loads(parts[0])
        except (ValueError, IndexError):
            raise SandboxError("malformed message from the sandbox") from None
        if not isinstance(head, dict):
            raise SandboxError("malformed message from the sandbox")
        head["_blobs"] = [None, *parts[1:]]
        return head

    def _decode(self, tree, blobs):
        def make_proxy(ref, type_name, is_callable):
            return _proxy_class(type_name, is_callable)(self, ref)
        try:
            return _decode(tree, blobs, make_proxy, self._kept)
        except (KeyError, IndexError, TypeError, ValueError, RecursionError) as err:
            raise SandboxError(f"malformed value from the sandbox ({err})") from None

    def _transact(self, msg):
        """Send a request; serve the sandbox's call-backs until its reply; return the reply."""
        if not self.alive():
            raise SandboxError("the sandbox is not running")
        try:
            self._send(msg)
            while True:
                reply = self._recv()
                if reply.get("kind") != "callback":
                    return reply
                self._serve_callback(reply)
        except SandboxTimeout:
            self.stop()
            raise
        except SandboxError:
            self.stop()
            raise

    def _serve_callback(self, msg):
        blobs = msg["_blobs"]
        try:
            target = self._kept[int(msg["target"])]
            op = msg.get("op", "call")
            args = self._decode(msg["args"], blobs)
            kwargs = self._decode(msg["kwargs"], blobs)
            if not isinstance(args, tuple) or not isinstance(kwargs, dict):
                raise SandboxError("malformed call-back")
            if op == "call":
                value = target(*args, **kwargs)
            elif op == "getattr" and len(args) == 1 and isinstance(args[0], str) \
                    and not args[0].startswith("_"):
                value = getattr(target, args[0])
            else:
                raise SandboxError("malformed call-back")
            try:
                self._send(("return", value))
            except SandboxError:
                raise
            except Exception:  # noqa: BLE001 -- not copyable: a reference instead
                self._send(("return", _AsRef(value)))
        except SandboxError:
            raise
        except Exception as err:  # the grader's function raised: hand it to the learner's code
            self._send(("raise", type(err).__name__, str(err)))

    def _context(self):
        """The caller's NumPy errstate and warning filters, to apply inside the call."""
        import numpy as np

        filters = []
        for action, message, category, module, lineno in warnings.filters:
            if category.__module__ in ("builtins", "numpy", "numpy.exceptions"):
                filters.append((action, getattr(message, "pattern", message or ""),
                                category.__name__, getattr(module, "pattern", module or ""),
                                lineno))
        return {"errstate": np.geterr(), "filters": filters}

    def request(self, op, target, args=(), kwargs=None):
        """Run ``op`` (call, getattr, setattr, iter, next, len, getitem) on a learner object."""
        import numpy as np

        args = tuple(args)
        kwargs = dict(kwargs or {})
        msg = ("op", op, target, args, kwargs, self._context())
        reply = self._transact(msg)
        blobs = reply["_blobs"]
        self._echo(reply)
        for category, message in reply.get("warnings", []):
            cls = _exception_class(str(category), None)
            if isinstance(cls, type) and issubclass(cls, Warning):
                warnings.warn(str(message), cls, stacklevel=3)
        # in-place changes to array and Generator arguments, as if it ran in this process
        for where, value in reply.get("synced", []):
            original = args[where] if isinstance(where, int) else kwargs.get(where)
            new = self._decode(value, blobs)
            if isinstance(original, np.ndarray) and isinstance(new, np.ndarray) \
                    and new.shape == original.shape and original.flags.writeable:
                np.copyto(original, new, casting="unsafe")
            elif isinstance(original, np.random.Generator) and isinstance(new, dict):
                try:
                    original.bit_generator.state = new
                except (TypeError, ValueError, KeyError):
                    pass
        if reply.get("kind") == "return":
            return self._decode(reply["value"], blobs)
        if reply.get("kind") == "raise":
            name = str(reply.get("type", "Exception"))
            if name == "StopIteration":
                raise StopIteration
            cls = _exception_class(name, reply.get("module"))
            try:
                err = cls(str(reply.get("message", ""))[:4000])
            except Exception:  # an exception class with an odd signature
                err = LearnerException(f"{name}: {str(reply.get('message', ''))[:4000]}")
            err.learner_traceback = str(reply.get("traceback", ""))[-4000:]
            raise err
        raise SandboxError("malformed reply from the sandbox")

    def _echo(self, reply):
        out = reply.get("stdout")
        if isinstance(out, str) and out:
            sys.stdout.write(out)

    def exec_cell(self, source, filename="<cell>"):
        """Execute the definitions of a learner's cell (imports, defs, classes, assignments).

        Returns
        -------
        dict
            ``names`` bound by the cell (up to an error: the statements before it ran),
            ``stdout`` it printed, ``error`` (``"Type: message (line N)"``, at most
            :data:`ERROR_CAP` characters, or None) and ``dropped`` (how many top-level
            statements were skipped).
        """
        reply = self._transact(("exec", source, filename))
        if reply.get("kind") != "executed":
            raise SandboxError("malformed reply from the sandbox")
        error = reply.get("error")
        if error is not None:
            error = str(error)[:ERROR_CAP]     # the sandbox is not trusted to cap it
        return {"names": [str(n) for n in reply.get("names", [])],
                "stdout": str(reply.get("stdout", ""))[:STDOUT_CAP + 200], "error": error,
                "dropped": int(reply.get("dropped", 0))}

    def lookup(self, name):
        """A proxy for (or the value of) a global of the learner's namespace."""
        reply = self._transact(("lookup", name))
        if reply.get("kind") == "return":
            return self._decode(reply["value"], reply["_blobs"])
        raise NameError(f"name {name!r} is not defined")


# --------------------------------------------------------------------------------------------
# the sandbox process

KEPT_STATEMENTS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                   ast.ClassDef, ast.Assign, ast.AnnAssign, ast.AugAssign)
ERROR_CAP = 2_000                # characters of a learner's error message sent to the grader


def definitions_only(tree):
    """Keep the top-level imports, function and class definitions and assignments of a cell.

    Loops, calls and other statements at top level (``for``, ``while``, ``if``, ``with``,
    ``try``, bare calls) are dropped: they are the learner's experiments, and an endless or
    slow one must not cost the cell its definitions, nor the submission its time. The grader
    names the dropped statements when a test that fails uses a name they set.
    """
    kept = [node for node in tree.body if isinstance(node, KEPT_STATEMENTS)]
    return ast.Module(body=kept, type_ignores=[]), len(tree.body) - len(kept)


def error_line(err, filename):
    """``"Type: message (line N)"``: one line for an exception raised by a learner's cell."""
    if isinstance(err, SyntaxError):
        text = f"{type(err).__name__}: {err.msg} (line {err.lineno})"
    else:
        line = None
        tb = err.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        message = " ".join(str(err)[:2 * ERROR_CAP].split())
        text = f"{type(err).__name__}: {message}" if message else type(err).__name__
        if line is not None:
            text += f" (line {line})"
    return text if len(text) <= ERROR_CAP else text[:ERROR_CAP - 3] + "..."


def bound_names(tree):
    """Names bound at top level by a module's statements."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.append((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.append(sub.id)
    return list(dict.fromkeys(names))


class CappedWriter(io.TextIOBase):
    """A text stream that keeps at most ``cap`` characters and counts the rest.

    Printed output of learner code, in the sandbox and (for test cells) in the grader.
    """

    def __init__(self, cap=STDOUT_CAP):
        self.parts, self.size, self.cap, self.dropped = [], 0, cap, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = self.cap - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def getvalue(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n... output truncated ({self.dropped} more characters) ...\n"
        return text


class _Worker:
    def __init__(self, rfd, wfd):
        self.reader = _Reader(rfd)
        self.wfd = wfd
        self.registry = {}
        self.trusted_ids = {}
        self.namespace = {"__name__": "__main__", "__builtins__": builtins,
                          "get_ipython": lambda: _NoMagics()}

    def encoder(self):
        return _Encoder(self.registry, self.trusted_ids)

    def send(self, kind, **payload):
        enc = self.encoder()
        encoded = {}
        for key, value in payload.items():
            if key in ("value", "args", "kwargs"):
                encoded[key] = enc(value)
            elif key == "synced":
                encoded[key] = [[where, enc(new)] for where, new in value]
            else:
                encoded[key] = value
        _send_value(self.wfd, kind, encoded, enc)

    def receive(self):
        (blob,) = self.reader.frame()
        return pickle.loads(blob)

    def callback(self, ref, args, kwargs, op="call"):
        enc = self.encoder()
        try:
            payload = {"target": ref, "op": op, "args": enc(tuple(args)),
                       "kwargs": enc(dict(kwargs))}
        except ValueError as err:
            raise TypeError(f"cannot pass these arguments back to the grader: {err}") from None
        _send_value(self.wfd, "callback", payload, enc)
        while True:
            msg = self.receive()
            if msg[0] == "return":
                return msg[1]
            if msg[0] == "raise":
                cls = getattr(builtins, msg[1], None)
                if not (isinstance(cls, type) and issubclass(cls, Exception)):
                    cls = RuntimeError
                raise cls(msg[2])
            self.handle(msg)     # a nested request while the grader serves our call-back

    def loop(self):
        self.send("ready")
        while True:
            try:
                msg = self.receive()
            except SandboxError:
                raise
            except Exception as err:  # noqa: BLE001 -- e.g. an argument that does not unpickle
                self.send("raise", type="TypeError",
                          message=f"could not receive the arguments: {err}")
                continue
            self.handle(msg)

    def handle(self, msg):
        if msg[0] == "exec":
            self.do_exec(msg[1], msg[2])
        elif msg[0] == "lookup":
            if msg[1] in self.namespace:
                self.reply_value(self.namespace[msg[1]])
            else:
                self.send("raise", type="NameError", message=msg[1])
        elif msg[0] == "op":
            self.do_op(*msg[1:])

    def reply_value(self, value, **extra):
        try:
            self.send("return", value=value, **extra)
        except (ValueError, RecursionError) as err:
            self.send("raise", type="TypeError", message=f"cannot return this value: {err}",
                      **extra)

    def do_exec(self, source, filename):
        """Run the kept statements one by one: those before an error stay bound, as in a kernel."""
        import __future__

        out = CappedWriter()
        error, names, dropped, flags = None, [], 0, 0
        try:
            tree = ast.parse(source, filename)
            tree, dropped = definitions_only(tree)
            with _redirect(out):
                for node in tree.body:
                    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                        for alias in node.names:
                            feature = getattr(__future__, alias.name, None)
                            flags |= getattr(feature, "compiler_flag", 0)
                    module = ast.Module(body=[node], type_ignores=[])
                    exec(compile(module, filename, "exec", flags=flags), self.namespace)
                    names.extend(bound_names(module))
        except BaseException as err:  # noqa: BLE001 -- the learner's error is data here
            error = error_line(err, filename)
        self.send("executed", names=[n for n in dict.fromkeys(names) if n in self.namespace],
                  stdout=out.getvalue(), error=error, dropped=dropped)

    def do_op(self, op, target, args, kwargs, context):
        import numpy as np

        before = {}
        for where, value in [*enumerate(args), *kwargs.items()]:
            if isinstance(value, np.ndarray):
                before[where] = value.copy()
            elif isinstance(value, np.random.Generator):
                before[where] = value.bit_generator.state
        out = CappedWriter()
        caught = []
        try:
            with _redirect(out), _call_context(context, caught):
                if op == "call":
                    value = target(*args, **kwargs)
                elif op == "getattr":
                    value = getattr(target, args[0])
                elif op == "setattr":
                    setattr(target, args[0], args[1])
                    value = None
                elif op == "iter":
                    value = iter(target)
                elif op == "next":
                    value = next(target)
                elif op == "len":
                    value = len(target)
                elif op == "getitem":
                    value = target[args[0]]
                elif op == "bool":
                    value = bool(target)
                else:
                    raise TypeError(f"unknown operation {op}")
        except BaseException as err:  # noqa: BLE001
            tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))
            self.send("raise", type=type(err).__name__, message=str(err)[:4000],
                      traceback=tb[-4000:], stdout=out.getvalue(),
                      synced=self.synced(args, kwargs, before), warnings=caught)
            return
        self.reply_value(value, stdout=out.getvalue(), warnings=caught,
                         synced=self.synced(args, kwargs, before))

    def synced(self, args, kwargs, before):
        import numpy as np

        changed = []
        for where, old in before.items():
            new = args[where] if isinstance(where, int) else kwargs[where]
            if isinstance(new, np.ndarray):
                if new.shape != old.shape or not np.array_equal(new, old, equal_nan=True):
                    changed.append((where, new))
            elif new.bit_generator.state != old:
                changed.append((where, new.bit_generator.state))
        return changed


class _NoMagics:
    """``get_ipython()`` for transformed magics: they are ignored while grading."""

    def __getattr__(self, name):
        return lambda *a, **k: None


class _redirect:
    def __init__(self, out):
        self.out = out

    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.out

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved


_FILTERS = {}     # the grader's warning filters, compiled once


class _call_context:
    """Apply the grader's errstate and warning filters; record the warnings raised."""

    def __init__(self, context, caught):
        self.context, self.caught = context or {}, caught

    def __enter__(self):
        import numpy as np

        self.errstate = np.errstate(**self.context.get("errstate", {}))
        self.errstate.__enter__()
        self.catcher = warnings.catch_warnings()
        self.catcher.__enter__()
        key = tuple(tuple(f) for f in self.context.get("filters", []))
        if key not in _FILTERS:
            warnings.resetwarnings()
            for action, message, category, module, lineno in reversed(key):
                cls = getattr(builtins, category, None)
                if cls is None:
                    import numpy.exceptions as npx

                    cls = getattr(npx, category, Warning)
                warnings.filterwarnings(action, message, cls, module, lineno, append=False)
            _FILTERS.clear()
            _FILTERS[key] = list(warnings.filters)
        warnings.filters[:] = _FILTERS[key]
        warnings._filters_mutated()
        caught = self.caught

        def show(message, category, filename, lineno, file=None, line=None):
            if len(caught) < 20:
                caught.append((category.__name__, str(message)[:500]))
        warnings.showwarning = show

    def __exit__(self, *exc):
        self.catcher.__exit__(*exc)
        self.errstate.__exit__(*exc)


def _worker_main(rfd, wfd):
    """Entry point of the sandbox process."""
    global _WORKER
    os.set_blocking(rfd, True)
    _WORKER = _Worker(rfd, wfd)
    try:
        _WORKER.loop()
    except SandboxError:
        os._exit(0)
