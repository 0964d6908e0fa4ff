"""Entry point of a bounded worker process: ``python -m mathrl_pipeline.rewards._worker``.

Protocol: length-prefixed pickles on stdin/stdout. Request ``(op, args)``; reply
``(True, result)`` or ``(False, error_text)``. The first frame written is ``(True, "ready")``.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import sys

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


def _limit_memory() -> None:
    limit = int(os.environ.get("MATHRL_REWARD_WORKER_MAX_BYTES", str(4 * 1024**3)))
    if limit <= 0:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform dependent
        logger.debug("could not set the worker memory limit", exc_info=True)


def main() -> None:
    # Keep the protocol channel private: anything printed by libraries goes to stderr.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.ERROR)
    _limit_memory()
    from mathrl_pipeline.rewards import engine

    engine.run_op("ping", ())
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
            reply = (True, engine.run_op(op, args))
        except BaseException as exc:  # noqa: BLE001 - report everything, keep serving
            if isinstance(exc, KeyboardInterrupt):
                raise
            reply = (False, f"{type(exc).__name__}: {str(exc)[:200]}")
        try:
            _write(out_fd, reply)
        except (pickle.PicklingError, TypeError, RecursionError):
            _write(out_fd, (False, "unpicklable result"))


if __name__ == "__main__":
    main()
