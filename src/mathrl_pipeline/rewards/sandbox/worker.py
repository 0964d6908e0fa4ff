"""A sandbox worker process: ``python <this file> MAX_BYTES`` (started by :mod:`.pool`).

The worker runs as a script and loads :mod:`.operations` from its file (no ``mathrl_pipeline``
package import), then loads Math-Verify (:func:`.operations.warm_up`, ~1 s) before it
reports ready: start-up is never cut short by a call's deadline (see :mod:`.pool`).
``MAX_BYTES`` is the process's address-space limit (0: none), from
``SandboxSettings.worker_max_bytes``.

Protocol: length-prefixed pickles on stdin/stdout. Request ``(op, args)``; reply
``(True, result)`` or ``(False, error_text)``. The first frame written is ``(True, "ready")``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pickle
import struct
import sys
from pathlib import Path
from types import ModuleType

logger = logging.getLogger(__name__)
_HEADER = struct.Struct(">I")


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _write(fd: int, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    os.write(fd, _HEADER.pack(len(data)) + data)


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform dependent
        logger.debug("could not set the worker memory limit", exc_info=True)


def load_operations() -> ModuleType:
    """The operations module (``operations.py`` beside this file), loaded from its path."""
    path = Path(__file__).with_name("operations.py")
    spec = importlib.util.spec_from_file_location("reward_sandbox_operations", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with the package
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(max_bytes: int) -> None:
    """Serve operations on stdin/stdout until stdin closes."""
    # A script's folder is sys.path[0]: drop it, so that pool.py & co never shadow a module.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    # Keep the protocol channel private: anything printed by libraries goes to stderr.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.ERROR)
    _limit_memory(max_bytes)
    operations = load_operations()
    try:
        operations.warm_up()  # before "ready": start-up never runs inside a call's deadline
    except Exception:  # noqa: BLE001 - each operation reports its own error later
        logger.exception("could not load the sandbox operations")
    _write(out_fd, (True, "ready"))
    while True:
        header = _read_exact(0, _HEADER.size)
        if header is None:
            return
        body = _read_exact(0, _HEADER.unpack(header)[0])
        if body is None:
            return
        try:
            op, args = pickle.loads(body)
            reply = (True, operations.run_op(op, args))
        except BaseException as exc:  # noqa: BLE001 - report everything, keep serving
            if isinstance(exc, KeyboardInterrupt):
                raise
            reply = (False, f"{type(exc).__name__}: {str(exc)[:200]}")
        try:
            _write(out_fd, reply)
        except (pickle.PicklingError, TypeError, RecursionError):
            _write(out_fd, (False, "unpicklable result"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
