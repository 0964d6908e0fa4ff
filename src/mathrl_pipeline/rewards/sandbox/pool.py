"""The sandbox pool: wall-clock bounds for sympy / Math-Verify work that hold in any thread.

Math-Verify's own timeouts use ``signal.alarm``: they raise off the main thread and cannot
interrupt C-level work. Instead, the unbounded work of :mod:`.operations` runs in a small pool of
persistent worker *subprocesses* (:mod:`.worker`, started with ``subprocess.Popen``, so it also
works inside daemonic multiprocessing workers and after ``fork``). Each call has a deadline; a
worker that misses it is killed (SIGKILL) and replaced, and the call raises
:class:`BoundedTimeout`.

The bound is a parameter block, :class:`SandboxSettings` (``reward_sandbox`` in
``conf/base/parameters.yml``), applied to the calling process with :func:`configure`; the
`train` and `evaluate` nodes do so before any reward runs. A process that never calls
:func:`configure` uses the defaults of :class:`SandboxSettings`.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.rewards.sandbox import operations

logger = logging.getLogger(__name__)

_HEADER = struct.Struct(">I")
START_TIMEOUT_S = 120.0
MAX_REPLY_BYTES = 16 * 1024**2
WORKER_SCRIPT = Path(__file__).with_name("worker.py")  # run as a script: see worker.py


class SandboxSettings(StrictParams):
    """The bound of reward work: per-call deadline, worker processes, worker memory."""

    timeout_s: float = Field(1.5, gt=0)  # per-call compute deadline (seconds)
    workers: int = Field(2, ge=1)  # worker processes per calling process
    # process: killable workers; inline: in the calling process, no bound (debugging only)
    backend: Literal["process", "inline"] = "process"
    worker_max_bytes: int = Field(4 * 1024**3, ge=0)  # address-space limit per worker; 0: none


class BoundedTimeout(Exception):  # noqa: N818 - reads better at call sites
    """The bounded call missed its deadline (the worker was killed and replaced)."""


class WorkerError(Exception):
    """The worker crashed, or the operation raised inside the worker."""


class _Worker:
    def __init__(self, max_bytes: int) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(  # noqa: S603 - fixed command line
            [sys.executable, str(WORKER_SCRIPT), str(int(max_bytes))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        self.ready = False

    # -- framing ---------------------------------------------------------------------------
    def _read_exact(self, n: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        chunks: list[bytes] = []
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BoundedTimeout
            if not poller.poll(remaining * 1000):
                raise BoundedTimeout
            chunk = os.read(fd, n)
            if not chunk:
                raise WorkerError("worker exited")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _recv(self, deadline: float) -> Any:
        size = _HEADER.unpack(self._read_exact(_HEADER.size, deadline))[0]
        if size > MAX_REPLY_BYTES:
            raise WorkerError("reply too large")
        return pickle.loads(self._read_exact(size, deadline))

    def wait_ready(self) -> None:
        if not self.ready:
            try:
                ok, value = self._recv(time.monotonic() + START_TIMEOUT_S)
            except BoundedTimeout as exc:
                raise WorkerError("worker did not start") from exc
            if not ok or value != "ready":
                raise WorkerError(f"worker failed to start: {value}")
            self.ready = True

    def call(self, op: str, args: tuple[Any, ...], timeout_s: float) -> Any:
        self.wait_ready()
        data = pickle.dumps((op, args), protocol=pickle.HIGHEST_PROTOCOL)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError("worker pipe closed") from exc
        ok, value = self._recv(time.monotonic() + timeout_s)
        if not ok:
            raise WorkerError(value)
        return value

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            logger.debug("could not reap worker %s", self.proc.pid, exc_info=True)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


class BoundedExecutor:
    """A pool of killable worker processes running :mod:`.operations` under a deadline.

    Thread-safe. One executor per process (see :func:`get_executor`).
    """

    def __init__(self, settings: SandboxSettings | None = None):
        settings = settings or SandboxSettings()
        self.size = settings.workers
        self.timeout_s = settings.timeout_s
        self.max_bytes = settings.worker_max_bytes
        self.pid = os.getpid()
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.size):
            self._idle.put(None)  # started lazily
        self.timeouts = 0
        self.restarts = 0
        self._closed = False

    def call(self, op: str, *args: Any, timeout_s: float | None = None) -> Any:
        """Run ``operations.OPS[op](*args)`` in a worker; raise BoundedTimeout / WorkerError."""
        limit = self.timeout_s if timeout_s is None else float(timeout_s)
        worker = self._idle.get()
        try:
            if worker is None:
                worker = _Worker(self.max_bytes)
            try:
                return worker.call(op, args, limit)
            except BoundedTimeout:
                self.timeouts += 1
                worker.kill()
                worker = self._replacement()
                raise
            except WorkerError as exc:
                if worker.proc.poll() is not None or "pipe" in str(exc) or "exited" in str(exc):
                    worker.kill()
                    worker = self._replacement()
                raise
        finally:
            self._idle.put(worker)

    def _replacement(self) -> _Worker | None:
        self.restarts += 1
        try:
            return _Worker(self.max_bytes)  # starts importing now, in parallel with the caller
        except OSError:
            logger.warning("could not start a reward worker", exc_info=True)
            return None

    def warm_up(self) -> None:
        """Start every worker and wait until each has imported sympy / Math-Verify."""
        workers = [self._idle.get() for _ in range(self.size)]
        try:
            workers = [w or _Worker(self.max_bytes) for w in workers]
            for w in workers:
                w.wait_ready()
        finally:
            for w in workers:
                self._idle.put(w)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            if worker is not None:
                worker.kill()


_lock = threading.Lock()
_executor: BoundedExecutor | None = None
_settings = SandboxSettings()


def configure(settings: SandboxSettings) -> None:
    """Bound the reward work of this process with ``settings`` (a change closes the pool)."""
    global _executor, _settings  # noqa: PLW0603 - one pool per process, by design
    with _lock:
        if settings == _settings:
            return
        _settings = settings
        if _executor is not None and _executor.pid == os.getpid():
            _executor.close()
        _executor = None
        logger.debug("reward sandbox: %s", settings)


def get_executor() -> BoundedExecutor:
    """The process-wide executor (a new one after ``fork``; the parent's pipes are not used)."""
    global _executor  # noqa: PLW0603 - one pool per process, by design
    with _lock:
        if _executor is None or _executor.pid != os.getpid():
            _executor = BoundedExecutor(_settings)
        return _executor


def bounded_call(op: str, *args: Any, timeout_s: float | None = None) -> Any:
    """Run a :mod:`.operations` operation under the wall-clock bound. Raises on timeout/error."""
    if _settings.backend == "inline":
        return operations.run_op(op, args)
    return get_executor().call(op, *args, timeout_s=timeout_s)


@atexit.register
def _shutdown() -> None:
    if _executor is not None and _executor.pid == os.getpid():
        _executor.close()
