"""The reward sandbox: sympy / Math-Verify work in killable worker processes, under a deadline.

* :mod:`.operations`: the unbounded operations a worker runs (Math-Verify, latex2sympy);
* :mod:`.pool`: the per-process pool of workers, its deadline and :class:`SandboxSettings`;
* :mod:`.worker`: the worker process's entry point.

The train and evaluate nodes pass the ``reward_sandbox`` parameter block to :func:`start`.
"""

from mathrl_pipeline.rewards.sandbox.pool import (
    BoundedTimeout,
    SandboxSettings,
    WorkerError,
    bounded_call,
    configure,
    get_executor,
    start,
)

__all__ = [
    "BoundedTimeout",
    "SandboxSettings",
    "WorkerError",
    "bounded_call",
    "configure",
    "get_executor",
    "start",
]
