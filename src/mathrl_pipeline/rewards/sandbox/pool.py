"""The sandbox pool: wall-clock bounds for sympy / Math-Verify work that hold in any thread.

Math-Verify's own timeouts use ``signal.alarm``: they raise off the main thread and cannot
interrupt C-level work. Instead, the unbounded work of :mod:`.operations` runs in a small pool of
persistent worker *subprocesses* (:mod:`.worker`, started with ``subprocess.Popen``, so it also
works inside daemonic multiprocessing workers and after ``fork``). Each call has a deadline; a
worker that misses it is killed (SIGKILL) and replaced, and the call raises
:class:`BoundedTimeout`.

The bound is a parameter block, :class:`SandboxSettings` (``reward_sandbox`` in
``conf/base/parameters.yml``), applied to the calling process with :func:`configure`, or with
:func:`start`, which also starts the workers: the `train` and `evaluate` nodes call it before any
reward runs. A process that calls neither uses the defaults of :class:`SandboxSettings`.

A worker loads Math-Verify before it reports ready; a call's deadline covers waiting for a
worker that is still starting up, and such a worker is never killed (start-up under a loaded
CPU can take longer than one deadline: killing it would only start the next one over).
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
    """The bounded call missed its deadline: the worker was killed and replaced, or the worker
    it got was still starting up (and goes on doing so)."""


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
        self.started = time.monotonic()
        self.ready = False

    # -- framing ---------------------------------------------------------------------------
    def _poll(self, deadline: float) -> bool:
        """Whether the worker's stdout has data (or closed) before ``deadline``."""
        assert self.proc.stdout is not None
        poller = select.poll()
        poller.register(self.proc.stdout.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
        return bool(poller.poll(max(0.0, deadline - time.monotonic()) * 1000))

    def _read_exact(self, n: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        chunks: list[bytes] = []
        while n:
            if not self._poll(deadline):
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

    def wait_ready(self, deadline: float | None = None) -> bool:
        """Wait until the worker has started up, at most until ``deadline`` (default: the
        start-up limit). ``False``: still starting up (the worker is left to finish)."""
        if self.ready:
            return True
        limit = self.started + START_TIMEOUT_S
        if not self._poll(limit if deadline is None else min(deadline, limit)):
            if time.monotonic() >= limit:
                raise WorkerError("worker did not start")
            return False
        ok, value = self._recv(limit)  # the one "ready" frame (or end of file) is there
        if not ok or value != "ready":
            raise WorkerError(f"worker failed to start: {value}")
        self.ready = True
        return True

    def call(self, op: str, args: tuple[Any, ...], deadline: float) -> Any:
        data = pickle.dumps((op, args), protocol=pickle.HIGHEST_PROTOCOL)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError("worker pipe closed") from exc
        ok, value = self._recv(deadline)
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
        """Run ``operations.OPS[op](*args)`` in a worker; raise BoundedTimeout / WorkerError.

        The deadline covers the whole call, waiting for a worker that is still starting up
        included; such a worker is not killed (it goes on starting up), the call just fails.
        """
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else float(timeout_s))
        worker = self._take()
        try:
            if worker is None:
                worker = _Worker(self.max_bytes)
            try:
                if worker.wait_ready(deadline):
                    return worker.call(op, args, deadline)
            except BoundedTimeout:
                self.timeouts += 1
                worker.kill()
                worker = self._replacement()
                raise
            except WorkerError as exc:
                dead = worker.proc.poll() is not None or not worker.ready
                if dead or "pipe" in str(exc) or "exited" in str(exc):
                    worker.kill()
                    worker = self._replacement()
                raise
            self.timeouts += 1
            raise BoundedTimeout  # the worker is still starting up
        finally:
            self._idle.put(worker)

    def _take(self) -> _Worker | None:
        """An idle worker: a started one if any is idle (a replacement may still be starting)."""
        taken = [self._idle.get()]
        while not self._started(taken[-1]):
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                break
        chosen = taken.pop() if self._started(taken[-1]) else taken.pop(0)
        for worker in taken:
            self._idle.put(worker)
        return chosen

    @staticmethod
    def _started(worker: _Worker | None) -> bool:
        try:
            return worker is not None and worker.wait_ready(time.monotonic())
        except WorkerError:
            return False  # dead: call() replaces it when it is chosen

    def _replacement(self) -> _Worker | None:
        self.restarts += 1
        try:
            return _Worker(self.max_bytes)  # starts importing now, in parallel with the caller
        except OSError:
            logger.warning("could not start a reward worker", exc_info=True)
            return None

    def warm_up(self) -> None:
        """Start every worker and wait until each has started up (Math-Verify loaded)."""
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


def start(settings: SandboxSettings) -> None:
    """:func:`configure` this process with ``settings`` and start its workers (returns once
    they are ready, so that no reward call waits for a start-up)."""
    configure(settings)
    if settings.backend == "process":
        get_executor().warm_up()


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
