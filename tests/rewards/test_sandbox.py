"""The reward sandbox: one typed settings block, applied per process; start-up of its workers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from mathrl_pipeline.rewards.sandbox import (
    BoundedTimeout,
    SandboxSettings,
    bounded_call,
    configure,
    get_executor,
    pool,
    start,
)
from mathrl_pipeline.rewards.sandbox.pool import BoundedExecutor


@pytest.fixture
def restore() -> Iterator[None]:
    """Put the default settings back after the test."""
    yield
    configure(SandboxSettings())


def test_the_deadline_is_the_configured_one(restore: None) -> None:
    configure(SandboxSettings(timeout_s=0.3, workers=1))
    assert get_executor().timeout_s == 0.3 and get_executor().size == 1
    get_executor().warm_up()
    start = time.monotonic()
    with pytest.raises(BoundedTimeout):
        bounded_call("sleep", 5)
    assert time.monotonic() - start < 1.5


def test_a_starting_worker_is_left_to_start(restore: None) -> None:
    # a call's deadline covers waiting for start-up (Math-Verify loads, ~1 s), but the worker
    # is not killed for it: the next call finds it ready
    configure(SandboxSettings(timeout_s=0.05, workers=1))
    with pytest.raises(BoundedTimeout):
        bounded_call("ping")
    executor = get_executor()
    assert executor.restarts == 0 and executor.timeouts == 1
    executor.warm_up()
    assert bounded_call("ping") == "pong" and executor.restarts == 0


def test_start_returns_with_ready_workers(restore: None) -> None:
    start(SandboxSettings(workers=2))
    workers = list(get_executor()._idle.queue)
    assert len(workers) == 2 and all(w is not None and w.ready for w in workers)


def test_inline_backend_runs_in_the_calling_process(restore: None) -> None:
    configure(SandboxSettings(backend="inline"))
    assert bounded_call("ping") == "pong"
    assert pool._executor is None  # no worker was started


def test_configuring_the_same_settings_keeps_the_pool() -> None:
    executor = get_executor()
    configure(SandboxSettings(**pool._settings.model_dump()))
    assert get_executor() is executor


def test_workers_get_the_memory_limit() -> None:
    executor = BoundedExecutor(SandboxSettings(workers=1, worker_max_bytes=3 * 1024**3))
    try:
        executor.warm_up()
        assert executor.call("ping") == "pong"
        worker = executor._idle.get()  # the started worker, put back at once
        executor._idle.put(worker)
        assert worker.proc.args[-1] == str(3 * 1024**3)
    finally:
        executor.close()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"timeout_s": 0}, "timeout_s"),
        ({"workers": 0}, "workers"),
        ({"backend": "threads"}, "backend"),
        ({"timeout": 2}, "timeout"),  # a typo names itself
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        SandboxSettings.model_validate(settings)
